// The one decision whether an outside number may be dialled, used by every path that can make a
// call (API and webhook callbacks, widget, missed calls, Bitrix24, conference members, a room's
// external participant). The input is read by the PBX's numbering plan into E.164, classified by
// libphonenumber's full metadata, checked against the PBX's ranges and refused types, and the dial
// string is derived from the E.164 form, so what is checked is what is dialled.
import { isNonGeographic, parseWithPlan, type PhoneNumber } from './phone-metadata.js';
import { dialString } from './dial-string.js';
import type { NumberType } from './numbering-settings.js';
import type { NumberingPolicy, Range } from './numbering-policy.js';

export type DestinationRefusal = 'not-a-number' | 'too-long' | 'invalid-number' | 'not-allowed' | 'denied-range' | 'denied-type';

export type DestinationVerdict =
  | { ok: true; e164: string; dial: string; type: NumberType; country: string | null; callingCode: string }
  | { ok: false; code: DestinationRefusal; message: string };

/** ITU-T E.164 §6.1: at most 15 digits, the country code included. */
export const MAX_E164_DIGITS = 15;

/**
 * Digits, one leading `+`, and the separators people type (space, `-`, `.`, brackets). Anything
 * else — letters (vanity numbers), `*`, `#`, a second `+`, digits of other scripts, control
 * characters — makes the input no number: it is refused, never cleaned up.
 */
const WRITTEN_NUMBER = /^\+?[0-9 ().-]{1,40}$/;

/** Calling codes of no country that are satellite systems or international networks, not services (800 freephone, 808 shared cost, 878 personal, 979 premium keep libphonenumber's types). */
const NETWORK_CODES: ReadonlySet<string> = new Set(['870', '881', '882', '883', '888']);

export function judgeDestination(input: string, policy: NumberingPolicy): DestinationVerdict {
  const read = readNumber(input, policy);
  if (!read.ok) return read;
  const n = read.number;
  const e164 = n.number;
  const type = typeOf(n);
  const country = n.country ?? null;
  const within = (r: Range): boolean => (r.kind === 'e164' ? e164.slice(1).startsWith(r.digits) : r.region === country);
  if (!policy.allow.some(within)) return refuse('not-allowed', "the number is outside this PBX's allowed destinations");
  if (policy.deny.some(within)) return refuse('denied-range', "the number is in a range this PBX's destination rules deny");
  if (policy.denyTypes.has(type)) return refuse('denied-type', `${type} numbers are not dialled by this PBX`);
  const dial = dialString({ callingCode: n.countryCallingCode, nationalNumber: n.nationalNumber }, policy.dialFormat, policy.prefixes);
  return { ok: true, e164, dial, type, country, callingCode: n.countryCallingCode };
}

type Read = { ok: true; number: PhoneNumber } | { ok: false; code: DestinationRefusal; message: string };

/** The input as a valid number of the metadata, read by the PBX's plan; no policy applied. */
export function readNumber(input: string, policy: Pick<NumberingPolicy, 'country' | 'prefixes'>): Read {
  if (!WRITTEN_NUMBER.test(input) || !/[0-9]/.test(input)) return refuse('not-a-number', 'must be a phone number: digits, an optional leading +, spaces, dashes, dots or brackets');
  const digits = input.replace(/[^0-9]/g, '');
  if (significantDigits(input.startsWith('+'), digits, policy.prefixes) > MAX_E164_DIGITS) {
    return refuse('too-long', `a phone number has at most ${MAX_E164_DIGITS} digits with its country code (E.164)`);
  }
  const n = parseWithPlan(input, policy.country);
  if (n === undefined || !n.isValid()) return refuse('invalid-number', 'is not a valid phone number in the numbering plan of its country');
  return { ok: true, number: n };
}

/** How many digits the number has in E.164, once the prefix the plan reads it by is taken off. */
function significantDigits(plus: boolean, digits: string, p: NumberingPolicy['prefixes']): number {
  if (plus) return digits.length;
  if (p.internationalPrefix !== '' && digits.startsWith(p.internationalPrefix)) return digits.length - p.internationalPrefix.length;
  if (p.nationalPrefix !== null && digits.startsWith(p.nationalPrefix)) return digits.length - p.nationalPrefix.length + p.callingCode.length;
  return digits.length + p.callingCode.length;
}

const TYPES: Record<string, NumberType> = {
  FIXED_LINE: 'fixed-line', MOBILE: 'mobile', FIXED_LINE_OR_MOBILE: 'fixed-line-or-mobile', TOLL_FREE: 'toll-free',
  PREMIUM_RATE: 'premium-rate', SHARED_COST: 'shared-cost', VOIP: 'voip', PERSONAL_NUMBER: 'personal-number',
  PAGER: 'pager', UAN: 'uan', VOICEMAIL: 'voicemail',
};

function typeOf(n: PhoneNumber): NumberType {
  if (isNonGeographic(n.countryCallingCode) && NETWORK_CODES.has(n.countryCallingCode)) return 'satellite';
  const t = n.getType();
  return t === undefined ? 'unknown' : (TYPES[t] ?? 'unknown');
}

function refuse(code: DestinationRefusal, message: string): { ok: false; code: DestinationRefusal; message: string } {
  return { ok: false, code, message };
}
