// Short numbers that reach emergency and public services, which an "extension" must never be: the
// relay dials an extension in the operators' context, whose outbound routes would carry it out.
// From libphonenumber's ShortNumberMetadata (`emergency` and `shortCode` patterns; libphonenumber-js
// does not ship that file), for the countries listed; EVERYWHERE applies whatever the country, since
// GSM phones and many PBX routes treat those numbers as emergency in any network (3GPP TS 22.101 §10).
import type { CountryCode } from './phone-metadata.js';

const EVERYWHERE = /^(?:000|08|110|112|118|119|911|999)$/;

/** Emergency and national service short codes (ShortNumberMetadata `emergency` + `shortCode` of 3 digits or fewer). */
const BY_COUNTRY: Partial<Record<CountryCode, RegExp>> = {
  RU: /^(?:0[1-4]|10[1-4]|112)$/,
  KZ: /^(?:10[1-4]|112)$/,
  US: /^(?:112|[2-9]11)$/,
  CA: /^(?:112|[2-9]11)$/,
  GB: /^(?:112|999)$/,
  DE: /^(?:11[025])$/,
  FR: /^(?:1[578]|11[2459]|19[167])$/,
};

/** Whether these digits are a service number that may be exempted by the PBX's extension plan (not one of EVERYWHERE). */
export function isServiceNumber(digits: string, country: CountryCode): boolean {
  return BY_COUNTRY[country]?.test(digits) ?? false;
}

/** Whether these digits are an emergency number in every network. */
export function isUniversalEmergency(digits: string): boolean {
  return EVERYWHERE.test(digits);
}
