// Which time zone a contact's schedule is read in: its own `timeZone` if given, else the zone of
// its number's country when that country has exactly one zone, else the campaign's. The country
// comes from the numbering library (shared/numbering/phone-metadata.ts), the country's zones from the platform's
// Intl data (CLDR); a country with several zones (+7 Russia, +1 USA, Germany with Busingen) is
// never guessed. Pure.
import { regionOfE164 } from '../../shared/numbering/phone-metadata.js';

export type ZoneSource = 'contact' | 'country' | 'campaign';

/** Intl.Locale's zones of a region; V8 moved the getter to a method, so both are read. */
interface LocaleWithZones {
  getTimeZones?: () => string[];
  timeZones?: string[];
}

const countryZones = new Map<string, ReadonlyArray<string>>();

export function zonesOfCountry(country: string): ReadonlyArray<string> {
  let zones = countryZones.get(country);
  if (zones === undefined) {
    const locale = new Intl.Locale(`und-${country}`) as unknown as LocaleWithZones;
    zones = locale.getTimeZones?.() ?? locale.timeZones ?? [];
    countryZones.set(country, zones);
  }
  return zones;
}

/** The single zone of the number's country, if the number's country is known and has only one. */
export function zoneOfNumber(e164: string): string | undefined {
  const country = regionOfE164(e164);
  if (country === undefined) return undefined;
  const zones = zonesOfCountry(country);
  return zones.length === 1 ? zones[0] : undefined;
}

export function contactZone(e164: string, own: string | undefined, campaignZone: string): { zone: string; source: ZoneSource } {
  if (own !== undefined) return { zone: own, source: 'contact' };
  const derived = zoneOfNumber(e164);
  return derived !== undefined ? { zone: derived, source: 'country' } : { zone: campaignZone, source: 'campaign' };
}
