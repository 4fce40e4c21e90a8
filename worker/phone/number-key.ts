// The form two reports of one number share, so missed calls match however the PBX wrote the caller
// (`8916…`, `7916…` and `+7916…` are one): E.164 as libphonenumber reads it by the policy's country,
// else the number as given. Matching only; whether a number may be dialled is judge-destination's.
import { readNumber } from '../../shared/numbering/judge-destination.js';
import { prefixesOf, regionOfCallingCode } from '../../shared/numbering/phone-metadata.js';

/** `callingCode` is the missed-call policy's `defaultCountry` (`7`). */
export function numberKey(number: string, callingCode: string): string {
  const country = regionOfCallingCode(callingCode);
  const read = country === undefined ? undefined : readNumber(number, { country, prefixes: prefixesOf(country) });
  return read?.ok === true ? read.number.number : number;
}
