// E.164 normalisation of what visitors type into the widget's phone field, with the widget's default
// country calling code.
import { describe, expect, it } from 'vitest';
import { PHONE_NUMBER } from '../../shared/dial.js';
import { normalisePhone } from '../../worker/phone/phone-normalise.js';

describe('widget phone normalisation', () => {
  it.each([
    ['+7 (916) 123-45-67', '+79161234567'],
    ['8 916 123 45 67', '+79161234567'],
    ['8-916-123-45-67', '+79161234567'],
    ['79161234567', '+79161234567'],
    ['9161234567', '+79161234567'],
    ['00 44 20 7946 0958', '+442079460958'],
    ['+1 (415) 555-0100', '+14155550100'],
  ])('turns %j into %s with the Russian default', (typed, e164) => {
    const result = normalisePhone(typed, '7');
    expect(result).toEqual({ ok: true, e164 });
    if (result.ok) expect(PHONE_NUMBER.test(result.e164)).toBe(true);
  });

  it('drops a national trunk 0 for other default countries', () => {
    expect(normalisePhone('020 7946 0958', '44')).toEqual({ ok: true, e164: '+442079460958' });
    expect(normalisePhone('030 1234567', '49')).toEqual({ ok: true, e164: '+49301234567' });
  });

  it.each(['', 'call me', '+7 916 ABC', '++79161234567', '8916;1234567', '+7\n9161234567', '9'.repeat(41)])('refuses %j as malformed', (typed) => {
    expect(normalisePhone(typed, '7')).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses short and service numbers (fewer than 8 national digits)', () => {
    expect(normalisePhone('112', '7')).toEqual({ ok: false, reason: 'too-short' });
    expect(normalisePhone('+7 0911', '7')).toEqual({ ok: false, reason: 'too-short' });
    expect(normalisePhone('+44 999', '7')).toEqual({ ok: false, reason: 'too-short' });
    expect(normalisePhone('1234567', '7')).toEqual({ ok: false, reason: 'too-short' });
  });

  it('refuses numbers longer than E.164 allows', () => {
    expect(normalisePhone('+7916123456789012', '7')).toEqual({ ok: false, reason: 'too-long' });
  });
});
