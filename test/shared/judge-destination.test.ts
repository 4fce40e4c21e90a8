// The destination judge tried as an attacker would: every spelling of a forbidden number, under the
// plans of Russia, Germany, the UK and the US, must be refused, and what is allowed must come out as
// the dial string of the PBX's dial format, derived from the E.164 form that was checked.
import { describe, expect, it } from 'vitest';
import { judgeDestination } from '../../shared/numbering/judge-destination.js';
import { numberingPolicy, type NumberingSettings } from '../../shared/numbering/numbering-policy.js';
import type { CountryCode } from '../../shared/numbering/phone-metadata.js';

const policy = (s: NumberingSettings) => {
  const p = numberingPolicy(s);
  if (p === undefined) throw new Error('no country');
  return p;
};
/** The demo's rules of earlier versions, written as dialled: allow +7 and 8, deny +7809 and 8809. */
const legacyRu = policy({ destinations: { allow: ['+7', '8'], deny: ['+7809', '8809'] } });
const ru = policy({ numbering: { country: 'RU', dialFormat: 'national' } });
const de = policy({ numbering: { country: 'DE', dialFormat: 'national' } });
const gb = policy({ numbering: { country: 'GB', dialFormat: 'e164' }, destinations: { allow: ['+44', '+49'] } });
const us = policy({ numbering: { country: 'US', dialFormat: 'digits' } });

const refusal = (input: string, p: ReturnType<typeof policy>): string => {
  const v = judgeDestination(input, p);
  return v.ok ? `allowed as ${v.dial}` : v.code;
};

describe('destination judge', () => {
  it.each([
    ['81078091234567', 'denied-range'],
    ['8-10-7809-123-45-67', 'denied-range'],
    ['8 10 7 809 123 45 67', 'denied-range'],
    ['+7 809 123 45 67', 'denied-range'],
    ['+7 (809) 123-45-67', 'denied-range'],
    ['88091234567', 'denied-range'],
    ['+78091234567', 'denied-range'],
  ])('refuses the premium range +7809 spelt %s under the demo rules of earlier versions', (input, code) => {
    expect(refusal(input, legacyRu)).toBe(code);
  });

  it.each([
    ['81078091234567'], ['88091234567'], ['+78091234567'], ['8 (809) 505-50-50'],
  ])('refuses the premium range +7809 spelt %s by its type, with no deny rule at all', (input) => {
    expect(refusal(input, ru)).toBe('denied-type');
  });

  it.each([
    ['+881612345678', 'satellite (Iridium, +881)'],
    ['+882161234567', 'an international network (+882)'],
    ['+870773111632', 'Inmarsat (+870)'],
    ['810881612345678', '+881 through the Russian international prefix'],
  ])('refuses %s, %s, even where every range is allowed', (input) => {
    expect(refusal(input, policy({ numbering: { country: 'RU' }, destinations: { allow: ['+88', '+87', '+7'] } }))).toBe('denied-type');
  });

  it.each([
    ['+442079460958', 'not-allowed'],
    ['810442079460958', 'not-allowed'],
    ['+77012345678', 'not-allowed'],
  ])('keeps the default to the PBX’s own country: %s is refused under a Russian plan', (input, code) => {
    expect(refusal(input, ru)).toBe(code);
  });

  it.each([
    ['09001 234567', 'denied-type'],
    ['0049 9001 234567', 'denied-type'],
    ['+49 9001 234567', 'denied-type'],
    ['0137 1234567', 'denied-type'],
    ['00 44 20 7946 0958', 'not-allowed'],
    ['00 7 916 123 45 67', 'not-allowed'],
  ])('reads %s by the German plan (trunk 0, international 00) and refuses it', (input, code) => {
    expect(refusal(input, de)).toBe(code);
  });

  it.each([
    ['+44 909 879 0000', 'denied-type'],
    ['+44 70 1234 5678', 'denied-type'],
    ['+44 871 234 5678', 'denied-type'],
    ['+49 900 1 234567', 'denied-type'],
  ])('refuses premium-rate, personal and shared-cost numbers in other countries: %s', (input, code) => {
    expect(refusal(input, gb)).toBe(code);
  });

  it.each([
    ['011 44 20 7946 0958', 'not-allowed'],
    ['011 7 809 123 45 67', 'not-allowed'],
    ['1 900 555 0123', 'denied-type'],
    ['+1 (900) 555-0123', 'denied-type'],
  ])('reads %s by the US plan (trunk 1, international 011) and refuses it', (input, code) => {
    expect(refusal(input, us)).toBe(code);
  });

  it.each([
    ['+7916123456789012', 'too-long'],
    ['8916123456789012', 'too-long'],
    ['8107916123456789012', 'too-long'],
    ['+1234567890123456', 'too-long'],
    ['++79161234567', 'not-a-number'],
    ['+7+9161234567', 'not-a-number'],
    ['８９１６１２３４５６７', 'not-a-number'],
    ['٨٩١٦١٢٣٤٥٦٧', 'not-a-number'],
    ['+7 916 123 45 67\r\n', 'not-a-number'],
    ['+7916123456;ext=1', 'not-a-number'],
    ['+7-800-FLOWERS', 'not-a-number'],
    ['*100#', 'not-a-number'],
    ['', 'not-a-number'],
    ['8112', 'invalid-number'],
    ['112', 'invalid-number'],
    ['+79', 'invalid-number'],
  ])('refuses %j as no valid E.164 number', (input, code) => {
    expect(refusal(input, legacyRu)).toBe(code);
  });

  it('allows the PBX’s own numbers in every spelling, one E.164 form, dialled in the PBX’s format', () => {
    for (const input of ['89161234567', '+79161234567', '8 (916) 123-45-67', '+7 916 123 45 67', '810 7 916 123 45 67', '8.916.123.45.67']) {
      const v = judgeDestination(input, ru);
      expect(v).toMatchObject({ ok: true, e164: '+79161234567', dial: '89161234567', type: 'mobile', country: 'RU' });
    }
  });

  it('derives each dial format from the E.164 form', () => {
    const dial = (format: 'e164' | 'digits' | 'national' | 'international', country: CountryCode = 'RU', input = '+74951234567') => {
      const v = judgeDestination(input, policy({ numbering: { country, dialFormat: format }, destinations: { allow: ['+7', '+49', '+44'] } }));
      return v.ok ? v.dial : v.code;
    };
    expect(dial('e164')).toBe('+74951234567');
    expect(dial('digits')).toBe('74951234567');
    expect(dial('national')).toBe('84951234567');
    expect(dial('international')).toBe('81074951234567');
    expect(dial('national', 'DE', '+49301234567')).toBe('0301234567');
    expect(dial('national', 'DE', '+442079460958')).toBe('00442079460958');
    expect(dial('international', 'DE', '+49301234567')).toBe('0049301234567');
  });

  it('reads rules of earlier versions written as dialled into E.164 ranges by the plan', () => {
    expect(legacyRu.country).toBe('RU');
    expect(legacyRu.allow).toEqual([{ kind: 'e164', digits: '7' }, { kind: 'e164', digits: '7' }]);
    expect(legacyRu.deny).toEqual([{ kind: 'e164', digits: '7809' }, { kind: 'e164', digits: '7809' }]);
    expect(policy({ numbering: { country: 'DE' }, destinations: { allow: ['0', '0044'] } }).allow).toEqual([{ kind: 'e164', digits: '49' }, { kind: 'e164', digits: '44' }]);
    expect(numberingPolicy({ destinations: { allow: ['8'] } })).toBeUndefined();
  });

  it('lets a country entry tell Russia from Kazakhstan, which share +7', () => {
    expect(refusal('+77012345678', policy({ numbering: { country: 'RU' }, destinations: { allow: ['RU'] } }))).toBe('not-allowed');
    expect(refusal('+77012345678', policy({ numbering: { country: 'RU', dialFormat: 'e164' }, destinations: { allow: ['RU', 'KZ'] } }))).toBe('allowed as +77012345678');
  });
});
