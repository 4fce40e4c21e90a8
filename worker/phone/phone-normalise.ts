// Turns a phone number as people type it or a PBX reports it into E.164 (`+79161234567`), using a
// default country calling code for national formats. Pure; the widget route calls it before the PBX's
// destination rules are applied, and missed calls match numbers by it (`8916…` and `+7916…` are one). Invariant: the result always matches
// shared/dial.ts PHONE_NUMBER and has at most 15 digits (ITU-T E.164 §6.1).

import { PHONE_NUMBER } from '../../shared/dial.js';

export type Normalised = { ok: true; e164: string } | { ok: false; reason: 'malformed' | 'too-short' | 'too-long' };

/** Fewer national significant digits than this is a short or service number, never a callback target. */
export const MIN_NATIONAL_DIGITS = 8;
const MAX_E164_DIGITS = 15;

/** Spaces (not other whitespace: a control character is no separator), dashes, dots, slashes and brackets that people type as separators. */
const SEPARATORS = /[ \-./()\u00a0\u2010-\u2015]/g;

/** The form two reports of one number share: E.164 when it normalises, else the number as given. */
export function numberKey(number: string, defaultCountry: string): string {
  const n = normalisePhone(number, defaultCountry);
  return n.ok ? n.e164 : number;
}

/**
 * A number as a CRM card shows it (`+7 (999) 123-45-67`), with the separators people type dropped and
 * its form kept, so it goes out as the PBX's outbound routes already take it; undefined when what is
 * left is no phone number. The CRM click-to-call paths (Bitrix24, amoCRM) call it before admission.
 */
export function dialledForm(input: string): string | undefined {
  const compact = input.trim().replace(SEPARATORS, '');
  return PHONE_NUMBER.test(compact) ? compact : undefined;
}

export function normalisePhone(input: string, defaultCountry: string): Normalised {
  if (input.length > 40) return { ok: false, reason: 'malformed' };
  const compact = input.trim().replace(SEPARATORS, '');
  const m = /^(\+|00)?([0-9]+)$/.exec(compact);
  if (m === null) return { ok: false, reason: 'malformed' };
  const international = m[1] !== undefined;
  const digits = m[2] ?? '';
  const full = international ? digits : national(digits, defaultCountry);
  const countryLength = international ? countryCodeLength(full) : defaultCountry.length;
  if (full.length > MAX_E164_DIGITS) return { ok: false, reason: 'too-long' };
  if (full.length - countryLength < MIN_NATIONAL_DIGITS) return { ok: false, reason: 'too-short' };
  return { ok: true, e164: `+${full}` };
}

/** Country code + national number for digits typed without `+`/`00`. */
function national(digits: string, country: string): string {
  // Russia and Kazakhstan (+7): the 11-digit national format starts with the trunk prefix 8, and
  // many people type the country code 7 without a `+`.
  if (country === '7' && digits.length === 11 && (digits.startsWith('8') || digits.startsWith('7'))) return `7${digits.slice(1)}`;
  // Elsewhere a single leading 0 is the trunk prefix (UK 020…, DE 030…, FR 01…); drop it.
  if (digits.startsWith('0')) return country + digits.slice(1);
  return country + digits;
}

/**
 * Length of the country calling code at the start of an international number (ITU-T E.164 list):
 * 1 and 7 are one digit; 20, 27, 30–34, 36, 39, 40, 41, 43–49, 51–58, 60–66, 81, 82, 84, 86, 90–95,
 * 98 are two; everything else is three.
 */
function countryCodeLength(digits: string): number {
  const one = digits.slice(0, 1);
  if (one === '1' || one === '7') return 1;
  const two = digits.slice(0, 2);
  const twoDigit = /^(?:20|27|3[0-469]|4[013-9]|5[1-8]|6[0-6]|8[1246]|9[0-58])$/;
  return twoDigit.test(two) ? 2 : 3;
}
