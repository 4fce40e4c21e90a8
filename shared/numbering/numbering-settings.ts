// How a PBX's numbers are written, which outside numbers it may dial and which strings are its
// extensions: the `numbering`, `destinations` and `extensions` parts of its settings (shared/pbx.ts).
// Read by judge-destination.ts and judge-extension.ts, nowhere else.
import { z } from 'zod';
import { isRegion } from './phone-metadata.js';

/**
 * What the relay sends to the PBX for an outside number, derived from its E.164 form:
 * `e164` `+74951234567`, `digits` `74951234567`, `national` `84951234567` (other countries with the
 * international prefix: `81044…`), `international` always with it (`81074951234567`).
 */
export const DIAL_FORMATS = ['e164', 'digits', 'national', 'international'] as const;
export type DialFormat = (typeof DIAL_FORMATS)[number];

/** libphonenumber's number types; `satellite` are calling codes of no country (870, 881, 882, 883, 888). */
export const NUMBER_TYPES = [
  'fixed-line', 'mobile', 'fixed-line-or-mobile', 'toll-free', 'premium-rate', 'shared-cost', 'voip',
  'personal-number', 'pager', 'uan', 'voicemail', 'satellite', 'unknown',
] as const;
export type NumberType = (typeof NUMBER_TYPES)[number];

/** Denied unless a PBX's settings say otherwise: the types toll fraud is made of. */
export const DEFAULT_DENIED_TYPES: NumberType[] = ['premium-rate', 'shared-cost', 'personal-number', 'satellite', 'unknown'];

export const region = z
  .string()
  .regex(/^[A-Z]{2}$/, 'must be a country: two capital letters (ISO 3166-1), e.g. RU, DE, US')
  .refine(isRegion, 'is not a country libphonenumber knows');

export const numberingPlan = z.strictObject({
  /** The PBX's country: how numbers written without `+` are read, and the default destination. */
  country: region,
  dialFormat: z.enum(DIAL_FORMATS).default('e164'),
});
export type NumberingPlan = z.infer<typeof numberingPlan>;

/**
 * One allow/deny entry. `+` and digits: an E.164 range (`+7`, `+7809`, `+4490`); two capital letters:
 * a country (`RU`: not Kazakhstan, which shares +7); digits without `+`: a rule written the way the
 * PBX's phones dial (`8`, `8809`, the settings of earlier versions), read by the numbering plan.
 */
export const rangeEntry = z.string().regex(/^(?:\+[0-9]{1,15}|[A-Z]{2}|[0-9]{1,20})$/, 'must be +digits (an E.164 range), a country (RU) or digits as dialled');

export const destinationRules = z.strictObject({
  /** A number must be in one of these; absent: the PBX's own country only. */
  allow: z.array(rangeEntry).min(1).max(100).optional(),
  /** …and in none of these (premium blocks the metadata does not know, for example). */
  deny: z.array(rangeEntry).max(100).default([]),
  /** Number types refused wherever they are. */
  denyTypes: z.array(z.enum(NUMBER_TYPES)).max(NUMBER_TYPES.length).default(DEFAULT_DENIED_TYPES),
});
export type DestinationRules = z.infer<typeof destinationRules>;

/**
 * An Asterisk-style extension pattern: `_` then digits and the classes X (0-9), Z (1-9), N (2-9),
 * [1-5]; fixed length (no `.` or `!`), so a pattern can never admit an outside number's length.
 */
export const extensionPattern = z.string().regex(/^_(?:[0-9XZN]|\[[0-9](?:-[0-9])?(?:[0-9](?:-[0-9])?)*\])+$/, 'must be a pattern like _1XX or _2[0-4]XX');

export const extensionPlan = z
  .strictObject({
    minLength: z.int().min(1).max(16).default(2),
    maxLength: z.int().min(1).max(16).default(5),
    /** If given, an extension must also match one of these. */
    patterns: z.array(extensionPattern).min(1).max(50).optional(),
    /**
     * Extensions that exist on this PBX although they are short service numbers of its country (101
     * and 102 in Russia): listed one by one, the operator says they ring a phone, not a service.
     * Never the numbers every network treats as emergency (112, 911, …).
     */
    serviceNumberExceptions: z.array(z.string().regex(/^[0-9]{2,6}$/)).max(20).default([]),
  })
  .refine((p) => p.minLength <= p.maxLength, { message: 'minLength must not exceed maxLength', path: ['minLength'] });
export type ExtensionPlan = z.infer<typeof extensionPlan>;

export const DEFAULT_EXTENSION_PLAN: ExtensionPlan = { minLength: 2, maxLength: 5, serviceNumberExceptions: [] };
