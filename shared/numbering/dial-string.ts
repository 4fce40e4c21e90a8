// The string the relay dials for a judged number, derived from its E.164 form by the PBX's dial
// format, so that the number the rules were applied to is the number the PBX's outbound routes get.
import type { RegionPrefixes } from './phone-metadata.js';
import type { DialFormat } from './numbering-settings.js';

export interface E164Parts {
  callingCode: string;
  nationalNumber: string;
}

export function dialString(n: E164Parts, format: DialFormat, home: RegionPrefixes): string {
  const international = `${home.internationalPrefix}${n.callingCode}${n.nationalNumber}`;
  switch (format) {
    case 'e164':
      return `+${n.callingCode}${n.nationalNumber}`;
    case 'digits':
      return `${n.callingCode}${n.nationalNumber}`;
    case 'international':
      return international;
    case 'national':
      // A country without a trunk prefix (Italy) dials its own numbers as they are.
      return n.callingCode === home.callingCode ? `${home.nationalPrefix ?? ''}${n.nationalNumber}` : international;
  }
}
