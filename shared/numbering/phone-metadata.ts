// The one doorway to libphonenumber-js and its full ("max") metadata: which region a calling code
// belongs to, a region's national trunk prefix and international (IDD) prefix, and parsing. Every
// numbering decision reads the plan from here, so no prefix table is written by hand.
import { Metadata, getCountryCallingCode, isSupportedCountry, parsePhoneNumberFromString, type CountryCode, type PhoneNumber } from 'libphonenumber-js/max';

export type { CountryCode, PhoneNumber };

/** A region's prefixes, as its phones dial: `8` and `810` for Russia, `0` and `00` for Germany, `1` and `011` for the US. */
export interface RegionPrefixes {
  callingCode: string;
  /** National trunk prefix, or null where a country has none (Italy keeps its 0 inside the number). */
  nationalPrefix: string | null;
  /** The international prefix a caller dials, digits only (`8~10` in the metadata is dialled `810`). */
  internationalPrefix: string;
}

/** The metadata's typing omits these accessors, which its classes have. */
interface PlanAccessors {
  IDDPrefix(): string;
  defaultIDDPrefix(): string | undefined;
  nationalPrefix(): string | undefined;
}
interface MetadataAccessors {
  getCountryCodeForCallingCode(callingCode: string): CountryCode | undefined;
  isNonGeographicCallingCode(callingCode: string): boolean;
}

const metadata = new Metadata() as Metadata & MetadataAccessors;

export function isRegion(code: string): code is CountryCode {
  return isSupportedCountry(code);
}

export function prefixesOf(region: CountryCode): RegionPrefixes {
  const m = new Metadata();
  m.selectNumberingPlan(region);
  const plan = m.numberingPlan as unknown as PlanAccessors;
  // IDDPrefix is a pattern where a country has several (Australia: 001[14-689]|…|0011); the
  // preferred one is then the default. `~` marks "wait for the second dial tone".
  const idd = /^[0-9]+$/.test(plan.IDDPrefix()) ? plan.IDDPrefix() : (plan.defaultIDDPrefix() ?? '').replace(/~/g, '');
  const national = plan.nationalPrefix();
  return { callingCode: getCountryCallingCode(region), nationalPrefix: national === undefined || national === '' ? null : national, internationalPrefix: idd };
}

/** The main region of a calling code (`7` → RU, `1` → US, `44` → GB), if it is a country's. */
export function regionOfCallingCode(callingCode: string): CountryCode | undefined {
  return metadata.getCountryCodeForCallingCode(callingCode);
}

/** Calling codes of no country: satellite systems (870, 881), international networks (882, 883), global services (800, 808, 878, 979). */
export function isNonGeographic(callingCode: string): boolean {
  return metadata.isNonGeographicCallingCode(callingCode);
}

/** libphonenumber's parse, never extracting a number out of surrounding text. */
export function parseWithPlan(text: string, region: CountryCode): PhoneNumber | undefined {
  return parsePhoneNumberFromString(text, { defaultCountry: region, extract: false });
}

/** The region of a number in E.164 (`+33…` → FR), or undefined for a calling code of no one region's number. */
export function regionOfE164(e164: string): CountryCode | undefined {
  return parsePhoneNumberFromString(e164, { extract: false })?.country;
}
