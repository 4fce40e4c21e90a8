// When a campaign may call a customer: its weekly windows and dated exceptions read in the
// customer's local time, through the platform's Intl time-zone data (no offset tables). Pure; the
// campaign desk asks `isOpen` before each dial and `nextOpening` to park a contact until its window.
import { minutesOf, WEEKDAYS, type Schedule, type Weekday } from '../../shared/campaigns.js';

export interface LocalTime {
  /** `YYYY-MM-DD` in the zone. */
  date: string;
  weekday: Weekday;
  /** Minutes since local midnight. */
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
    });
    formatters.set(zone, f);
  }
  return f;
}

export function localTime(instant: number, zone: string): LocalTime {
  const parts: Record<string, string> = {};
  for (const p of formatter(zone).formatToParts(instant)) parts[p.type] = p.value;
  const weekday = (parts.weekday ?? 'Mon').slice(0, 3).toLowerCase() as Weekday;
  return { date: `${parts.year}-${parts.month}-${parts.day}`, weekday, minute: Number(parts.hour) * 60 + Number(parts.minute) };
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

/** The instant at which this local wall-clock time happens in the zone (the later one in a DST fold). */
export function instantOf(date: string, minute: number, zone: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d, Math.floor(minute / 60), minute % 60);
  // Two corrections find the offset in force at the answer itself, not at the first guess.
  let guess = wall;
  for (let i = 0; i < 2; i++) guess = wall - offsetMs(guess, zone);
  return guess;
}

function offsetMs(instant: number, zone: string): number {
  const t = localTime(instant, zone);
  const [y, m, d] = t.date.split('-').map(Number) as [number, number, number];
  const asUtc = Date.UTC(y, m - 1, d, Math.floor(t.minute / 60), t.minute % 60);
  return asUtc - Math.floor(instant / 60_000) * 60_000;
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
 * the horizon. A window start that falls in a DST gap opens at the first minute that exists.
 */
export function nextOpening(s: Schedule, after: number, zone: string): number | undefined {
  if (isOpen(s, after, zone)) return after;
  const today = localTime(after, zone).date;
  for (let k = 0; k <= HORIZON_DAYS; k++) {
    const day = addDays(today, k);
    for (const w of spansOf(s, day.date, day.weekday)) {
      const start = instantOf(day.date, w.from, zone);
      if (start < after) continue;
      for (const candidate of [start, start + 3_600_000]) if (isOpen(s, candidate, zone)) return candidate;
    }
  }
  return undefined;
}

/** Local midnight that starts the day after the instant's local date: when a daily attempt budget renews. */
export function nextLocalMidnight(instant: number, zone: string): number {
  return instantOf(addDays(localTime(instant, zone).date, 1).date, 0, zone);
}
