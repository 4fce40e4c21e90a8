// A PBX's numbering settings compiled once into what the judges read: its country and prefixes,
// allow/deny ranges in E.164 (rules of earlier versions, written as dialled, converted here), the
// refused number types and the extension plan. Pure; no settings object is judged without it.
import { prefixesOf, regionOfCallingCode, isRegion, type CountryCode, type RegionPrefixes } from './phone-metadata.js';
import {
  DEFAULT_DENIED_TYPES, DEFAULT_EXTENSION_PLAN,
  type DestinationRules, type DialFormat, type ExtensionPlan, type NumberType, type NumberingPlan,
} from './numbering-settings.js';

/** An allow/deny range: E.164 digits a number starts with (`7809`; `` is every number), or a country. */
export type Range = { kind: 'e164'; digits: string } | { kind: 'country'; region: CountryCode };

export interface NumberingPolicy {
  country: CountryCode;
  prefixes: RegionPrefixes;
  dialFormat: DialFormat;
  allow: Range[];
  deny: Range[];
  denyTypes: ReadonlySet<NumberType>;
  extensions: ExtensionPlan;
}

/** The numbering parts of a PBX's settings, as shared/pbx.ts stores them. */
export interface NumberingSettings {
  numbering?: (Omit<NumberingPlan, 'dialFormat'> & { dialFormat?: DialFormat | undefined }) | undefined;
  destinations?: Partial<DestinationRules> | undefined;
  extensions?: ExtensionPlan | undefined;
}

/** The policy, or undefined when the settings name no country (neither `numbering.country` nor a `+` range in `allow`). */
export function numberingPolicy(s: NumberingSettings): NumberingPolicy | undefined {
  const country = countryOf(s);
  if (country === undefined) return undefined;
  const prefixes = prefixesOf(country);
  const toRange = (entry: string): Range => rangeOf(entry, prefixes);
  return {
    country, prefixes,
    dialFormat: s.numbering?.dialFormat ?? 'e164',
    allow: (s.destinations?.allow ?? [country]).map(toRange),
    deny: (s.destinations?.deny ?? []).map(toRange),
    denyTypes: new Set(s.destinations?.denyTypes ?? DEFAULT_DENIED_TYPES),
    extensions: s.extensions ?? DEFAULT_EXTENSION_PLAN,
  };
}

/** `numbering.country`, else (settings of earlier versions) the country of the first `+` range allowed. */
export function countryOf(s: NumberingSettings): CountryCode | undefined {
  if (s.numbering !== undefined) return s.numbering.country;
  for (const entry of s.destinations?.allow ?? []) {
    if (isRegion(entry)) return entry;
    if (!entry.startsWith('+')) continue;
    for (const length of [1, 2, 3]) {
      const region = entry.length > length ? regionOfCallingCode(entry.slice(1, 1 + length)) : undefined;
      if (region !== undefined) return region;
    }
  }
  return undefined;
}

/**
 * A rule entry as a range. Digits without `+` are what a phone of this PBX would dial: after the
 * international prefix an E.164 number (`810…` → ``), after the trunk prefix a national one
 * (`8809` → `7809`), otherwise digits of this country's numbers.
 */
export function rangeOf(entry: string, p: RegionPrefixes): Range {
  if (entry.startsWith('+')) return { kind: 'e164', digits: entry.slice(1) };
  if (isRegion(entry)) return { kind: 'country', region: entry };
  if (p.internationalPrefix !== '' && entry.startsWith(p.internationalPrefix)) return { kind: 'e164', digits: entry.slice(p.internationalPrefix.length) };
  if (p.nationalPrefix !== null && entry.startsWith(p.nationalPrefix)) return { kind: 'e164', digits: p.callingCode + entry.slice(p.nationalPrefix.length) };
  return { kind: 'e164', digits: p.callingCode + entry };
}
