// What visitors type into the widget's phone field (and what PBXes report as caller IDs), read by a
// country's numbering plan into E.164 with libphonenumber's full metadata, inside workerd.
import { describe, expect, it } from 'vitest';
import { PHONE_NUMBER } from '../../shared/dial.js';
import { readNumber } from '../../shared/numbering/judge-destination.js';
import { prefixesOf, type CountryCode } from '../../shared/numbering/phone-metadata.js';
import { numberKey } from '../../worker/phone/number-key.js';

const read = (typed: string, country: CountryCode = 'RU'): string => {
  const r = readNumber(typed, { country, prefixes: prefixesOf(country) });
  return r.ok ? r.number.number : r.code;
};

describe('reading typed numbers by the numbering plan', () => {
  it.each([
    ['+7 (916) 123-45-67', '+79161234567'],
    ['8 916 123 45 67', '+79161234567'],
    ['8-916-123-45-67', '+79161234567'],
    ['79161234567', '+79161234567'],
    ['9161234567', '+79161234567'],
    ['810 44 20 7946 0958', '+442079460958'],
    ['+1 (415) 555-2671', '+14155552671'],
  ])('reads %j as %s under the Russian plan', (typed, e164) => {
    expect(read(typed)).toBe(e164);
    expect(PHONE_NUMBER.test(e164)).toBe(true);
  });

  it('uses the trunk and international prefixes of other plans', () => {
    expect(read('020 7946 0958', 'GB')).toBe('+442079460958');
    expect(read('00 49 30 1234567', 'GB')).toBe('+49301234567');
    expect(read('030 1234567', 'DE')).toBe('+49301234567');
    expect(read('011 44 20 7946 0958', 'US')).toBe('+442079460958');
    expect(read('1 415 555 2671', 'US')).toBe('+14155552671');
  });

  it.each(['', 'call me', '+7 916 ABC', '++79161234567', '8916;1234567', '+7\n9161234567', '9'.repeat(41), '８９１６１２３４５６７'])('refuses %j as no number', (typed) => {
    expect(read(typed)).toBe('not-a-number');
  });

  it.each(['112', '+7 0911', '+44 999', '1234567', '00 44 20 7946 0958'])('refuses %j: no valid number under the Russian plan', (typed) => {
    expect(read(typed)).toBe('invalid-number');
  });

  it('refuses numbers longer than E.164 allows', () => {
    expect(read('+7916123456789012')).toBe('too-long');
    expect(read('8107916123456789012')).toBe('too-long');
  });

  it('gives missed calls one key for every form of a number', () => {
    expect(new Set(['89991234567', '79991234567', '+79991234567', '8 (999) 123-45-67'].map((n) => numberKey(n, '7')))).toEqual(new Set(['+79991234567']));
    expect(numberKey('anonymous', '7')).toBe('anonymous');
  });
});
