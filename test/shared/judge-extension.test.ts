// The extension judge tried as an attacker would: an "extension" is dialled in the operators'
// context, whose outbound routes reach the world, so outside numbers, emergency and service numbers,
// feature codes and lengths outside the PBX's plan are refused, of every length from 1 to 12.
import { describe, expect, it } from 'vitest';
import { judgeExtension, matchesPattern } from '../../shared/numbering/judge-extension.js';
import { numberingPolicy, type NumberingSettings } from '../../shared/numbering/numbering-policy.js';
import type { CountryCode } from '../../shared/numbering/phone-metadata.js';
import { extensionPlan } from '../../shared/numbering/numbering-settings.js';

const policy = (s: NumberingSettings) => {
  const p = numberingPolicy(s);
  if (p === undefined) throw new Error('no country');
  return p;
};
const ru = policy({ numbering: { country: 'RU' } });
const verdict = (input: string, p = ru): string => {
  const v = judgeExtension(input, p);
  return v.ok ? 'ok' : v.code;
};

describe('extension judge', () => {
  it.each(Array.from({ length: 12 }, (_, i) => i + 1))('judges a %i-digit extension by the default plan (2 to 5 digits)', (length) => {
    const ext = '2345678901234'.slice(0, length);
    expect(verdict(ext)).toBe(length >= 2 && length <= 5 ? 'ok' : 'length-not-allowed');
  });

  it.each(Array.from({ length: 12 }, (_, i) => i + 1))('judges a %i-digit extension by a plan of 4-digit extensions _2XXX', (length) => {
    const p = policy({ numbering: { country: 'RU' }, extensions: extensionPlan.parse({ minLength: 1, maxLength: 12, patterns: ['_2XXX'] }) });
    const ext = '2345678901234'.slice(0, length);
    expect(verdict(ext, p)).toBe(length === 4 ? 'ok' : 'pattern-not-matched');
  });

  it.each([
    ['88091234567', 'a Russian premium number'],
    ['89161234567', 'a Russian mobile number'],
    ['84951234567', 'a Moscow number'],
    ['810442079460958', 'a London number through 810'],
  ])('refuses %s (%s) as an extension even where 11-digit extensions are allowed', (ext) => {
    const wide = policy({ numbering: { country: 'RU' }, extensions: extensionPlan.parse({ minLength: 2, maxLength: 15 }) });
    expect(verdict(ext, wide)).toBe('outside-number');
  });

  it.each(['112', '911', '999', '000', '110', '118', '119', '08', '01', '02', '03', '04', '101', '102', '103', '104'])(
    'refuses the emergency or service number %s as an extension of a Russian PBX',
    (ext) => {
      expect(verdict(ext)).toBe('service-number');
    },
  );

  it.each([
    ['US', '911'], ['US', '411'], ['US', '112'], ['GB', '999'], ['DE', '110'], ['FR', '15'], ['FR', '17'], ['FR', '18'], ['KZ', '103'],
  ])('refuses the service number of its country under a %s plan: %s', (country, ext) => {
    expect(verdict(ext, policy({ numbering: { country: country as CountryCode } }))).toBe('service-number');
  });

  it('lets an operator list a national service number that is a phone on this PBX, never 112 or 911', () => {
    const p = policy({ numbering: { country: 'RU' }, extensions: extensionPlan.parse({ serviceNumberExceptions: ['101', '112', '911'] }) });
    expect(verdict('101', p)).toBe('ok');
    expect(verdict('102', p)).toBe('service-number');
    expect(verdict('112', p)).toBe('service-number');
    expect(verdict('911', p)).toBe('service-number');
  });

  it.each(['*100', '#101', '10#', '1*1', '+101', ' 101', '101 ', '１０１', '١٠١', '10\r\n1', '', 'abc'])('refuses %j: an extension is ASCII digits only', (ext) => {
    expect(verdict(ext)).toBe('not-an-extension');
  });

  it('matches Asterisk-style fixed-length patterns', () => {
    expect(matchesPattern('201', '_2XX')).toBe(true);
    expect(matchesPattern('2011', '_2XX')).toBe(false);
    expect(matchesPattern('301', '_2XX')).toBe(false);
    expect(matchesPattern('205', '_2[0-4]X')).toBe(true);
    expect(matchesPattern('255', '_2[0-4]X')).toBe(false);
    expect(matchesPattern('255', '_2[0-46]X')).toBe(false);
    expect(matchesPattern('265', '_2[0-46]X')).toBe(true);
    expect(matchesPattern('101', '_NXX')).toBe(false);
    expect(matchesPattern('201', '_NXX')).toBe(true);
    expect(matchesPattern('01', '_ZX')).toBe(false);
  });

  it('refuses patterns that would admit any length', () => {
    expect(extensionPlan.safeParse({ patterns: ['_X.'] }).success).toBe(false);
    expect(extensionPlan.safeParse({ patterns: ['_X!'] }).success).toBe(false);
    expect(extensionPlan.safeParse({ minLength: 6, maxLength: 3 }).success).toBe(false);
  });
});
