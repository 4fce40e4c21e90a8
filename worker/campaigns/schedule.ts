// When a campaign may call a customer: its weekly windows and dated exceptions read in the
// customer's local time, through the platform's Intl time-zone data (worker/time/zone-clock.ts, no
// offset tables). Pure; the campaign dialer asks `isOpen` before each dial and `nextOpening` to park
// a contact until its window.
import { minutesOf, WEEKDAYS, type Schedule, type Weekday } from '../../shared/campaigns.js';
import { localParts, zonedInstant } from '../time/zone-clock.js';

export interface LocalTime {
  /** `YYYY-MM-DD` in the zone. */
  date: string;
  weekday: Weekday;
  /** Minutes since local midnight. */
  minute: number;
}

const pad = (n: number): string => String(n).padStart(2, '0');

export function localTime(instant: number, zone: string): LocalTime {
  const l = localParts(instant, zone);
  return { date: `${l.year}-${pad(l.month)}-${pad(l.day)}`, weekday: l.weekday, minute: l.minutes };
}

/** The instant at which this local date and wall-clock minute happens in the zone. */
export function instantOf(date: string, minute: number, zone: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return zonedInstant(y, m, d, minute, zone);
}

/** The local day's windows as minute spans: an exception's if the date has one, else the weekly ones of that weekday. */
function spansOf(s: Schedule, date: string, weekday: Weekday): Array<{ from: number; to: number }> {
  const exception = s.exceptions.find((e) => e.date === date);
  const spans = exception !== undefined ? exception.windows : s.weekly.filter((w) => w.days.includes(weekday));
  return spans.map((w) => ({ from: minutesOf(w.from), to: minutesOf(w.to) })).sort((a, b) => a.from - b.from);
}

export function isOpen(s: Schedule, instant: number, zone: string): boolean {
  const t = localTime(instant, zone);
  return spansOf(s, t.date, t.weekday).some((w) => w.from <= t.minute && t.minute < w.to);
}

function addDays(date: string, days: number): { date: string; weekday: Weekday } {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, m - 1, d + days));
  const weekday = WEEKDAYS[(day.getUTCDay() + 6) % 7] ?? 'mon';
  return { date: day.toISOString().slice(0, 10), weekday };
}

/** Days ahead the search looks; a schedule closed for longer than this (a year of holidays) has no opening. */
const HORIZON_DAYS = 400;

/**
 * The first instant ≥ `after` at which the schedule is open in the zone, or undefined if none within
 * the horizon. A window whose start falls in a DST gap opens just after the gap, if still inside it.
 */
export function nextOpening(s: Schedule, after: number, zone: string): number | undefined {
  if (isOpen(s, after, zone)) return after;
  const today = localTime(after, zone).date;
  for (let k = 0; k <= HORIZON_DAYS; k++) {
    const day = addDays(today, k);
    for (const w of spansOf(s, day.date, day.weekday)) {
      const start = instantOf(day.date, w.from, zone);
      if (start >= after && isOpen(s, start, zone)) return start;
    }
  }
  return undefined;
}

/** Local midnight that starts the day after the instant's local date: when a daily attempt budget renews. */
export function nextLocalMidnight(instant: number, zone: string): number {
  return instantOf(addDays(localTime(instant, zone).date, 1).date, 0, zone);
}
