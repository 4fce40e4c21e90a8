// Working hours of the website widget, computed inside workerd with its Intl data: open/closed in the
// widget's own time zone, and the next opening across weekends, month ends and DST changes.
import { describe, expect, it } from 'vitest';
import { workingHours, type WorkingHours } from '../../shared/widget.js';
import { isOpen, nextOpening } from '../../worker/widget/working-hours.js';
import { zonedInstant } from '../../worker/time/zone-clock.js';

const hours = (input: unknown): WorkingHours => workingHours.parse(input);
const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

const moscowOffice = hours({ timeZone: 'Europe/Moscow', days: { mon: ['09:00', '18:00'], tue: ['09:00', '18:00'], wed: ['09:00', '18:00'], thu: ['09:00', '18:00'], fri: ['09:00', '17:00'] } });

describe('widget working hours', () => {
  it('is open inside a day window in the widget time zone and closed at its closing minute', () => {
    // 2026-07-06 is a Monday; Moscow is UTC+3 all year.
    expect(isOpen(moscowOffice, at('2026-07-06T06:00:00Z'))).toBe(true); // 09:00 local
    expect(isOpen(moscowOffice, at('2026-07-06T05:59:59Z'))).toBe(false); // 08:59:59
    expect(isOpen(moscowOffice, at('2026-07-06T14:59:00Z'))).toBe(true); // 17:59
    expect(isOpen(moscowOffice, at('2026-07-06T15:00:00Z'))).toBe(false); // 18:00, closing is exclusive
  });

  it('uses the local weekday, not the UTC one', () => {
    // Friday 22:30 UTC is already Saturday 01:30 in Moscow: closed, although Friday is open in UTC terms.
    const nightShift = hours({ timeZone: 'Europe/Moscow', days: { sat: ['00:00', '02:00'] } });
    expect(isOpen(nightShift, at('2026-07-10T22:30:00Z'))).toBe(true);
  });

  it('schedules a Friday-evening request for Monday morning', () => {
    expect(iso(nextOpening(moscowOffice, at('2026-07-10T15:30:00Z')))).toBe('2026-07-13T06:00:00.000Z');
  });

  it('schedules a request made before opening for the same morning', () => {
    expect(iso(nextOpening(moscowOffice, at('2026-07-07T03:00:00Z')))).toBe('2026-07-07T06:00:00.000Z');
  });

  it('returns the instant itself while open', () => {
    expect(nextOpening(moscowOffice, at('2026-07-07T10:00:00Z'))).toBe(at('2026-07-07T10:00:00Z'));
  });

  it('crosses a month end', () => {
    const firstOnly = hours({ timeZone: 'Europe/Moscow', days: { sat: ['10:00', '11:00'] } });
    // Thu 2026-07-30 → Sat 2026-08-01 10:00 MSK.
    expect(iso(nextOpening(firstOnly, at('2026-07-30T12:00:00Z')))).toBe('2026-08-01T07:00:00.000Z');
  });

  it('moves the opening instant, not its local time, across a spring-forward change (New York)', () => {
    const ny = hours({ timeZone: 'America/New_York', days: { mon: ['09:00', '17:00'] } });
    // Sat 2026-03-07 noon EST; DST starts Sun 2026-03-08; Monday 09:00 is then EDT (UTC-4).
    expect(iso(nextOpening(ny, at('2026-03-07T17:00:00Z')))).toBe('2026-03-09T13:00:00.000Z');
    // A week before, Monday 09:00 was EST (UTC-5).
    expect(iso(nextOpening(ny, at('2026-02-28T17:00:00Z')))).toBe('2026-03-02T14:00:00.000Z');
  });

  it('moves the opening instant across a fall-back change (Berlin)', () => {
    const berlin = hours({ timeZone: 'Europe/Berlin', days: { mon: ['08:00', '16:00'] } });
    // DST ends Sun 2026-10-25: Monday 08:00 CET is 07:00Z, whereas the Friday before was CEST.
    expect(iso(nextOpening(berlin, at('2026-10-23T15:00:00Z')))).toBe('2026-10-26T07:00:00.000Z');
    expect(isOpen(berlin, at('2026-10-26T06:59:00Z'))).toBe(false);
    expect(isOpen(berlin, at('2026-10-26T07:00:00Z'))).toBe(true);
  });

  it('opens just after the gap when the opening time does not exist on a spring-forward day', () => {
    // 02:30 does not exist in New York on 2026-03-08 (02:00 → 03:00 EDT).
    expect(iso(zonedInstant(2026, 3, 8, 150, 'America/New_York'))).toBe('2026-03-08T07:30:00.000Z');
    const ny = hours({ timeZone: 'America/New_York', days: { sun: ['02:30', '05:00'] } });
    expect(iso(nextOpening(ny, at('2026-03-08T05:00:00Z')))).toBe('2026-03-08T07:30:00.000Z');
  });

  it('refuses schedules that cannot work: unknown zones, no open day, closing before opening', () => {
    expect(workingHours.safeParse({ timeZone: 'Mars/Olympus', days: { mon: ['09:00', '18:00'] } }).success).toBe(false);
    expect(workingHours.safeParse({ timeZone: 'Europe/Moscow', days: {} }).success).toBe(false);
    expect(workingHours.safeParse({ timeZone: 'Europe/Moscow', days: { mon: ['18:00', '09:00'] } }).success).toBe(false);
    expect(workingHours.safeParse({ timeZone: 'Europe/Moscow', days: { mon: ['9:00', '18:00'] } }).success).toBe(false);
    expect(workingHours.safeParse({ timeZone: 'Europe/Moscow', days: { mon: ['00:00', '24:00'] } }).success).toBe(true);
  });
});
