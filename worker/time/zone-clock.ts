// Wall-clock time in an IANA time zone through the platform's Intl data, both ways: the local date
// and time of an instant, and the instant of a local date and time. Pure; the widget's working hours
// and the campaigns' schedules read the clock through it.
// Invariant: wall-clock times are turned into instants through the zone's offset at that instant, so
// DST changes move the opening instant, never the opening's local time (a time that does not exist
// on a spring-forward day lands just after the gap).
import { WEEKDAYS, type Weekday } from '../../shared/widget.js';

export interface LocalTime {
  year: number;
  month: number;
  day: number;
  weekday: Weekday;
  /** Minutes since local midnight. */
  minutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', weekday: 'short', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function localParts(at: number, timeZone: string): LocalTime & { seconds: number } {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(at))) parts[p.type] = p.value;
  const num = (k: string): number => Number(parts[k] ?? '0');
  const weekday = (parts.weekday ?? '').toLowerCase().slice(0, 3);
  const wd = WEEKDAYS.find((d) => d === weekday) ?? 'mon';
  return { year: num('year'), month: num('month'), day: num('day'), weekday: wd, minutes: num('hour') * 60 + num('minute'), seconds: num('second') };
}

/** The zone's offset from UTC at an instant, ms (local = utc + offset). */
function offsetAt(at: number, timeZone: string): number {
  const l = localParts(at, timeZone);
  const asUtc = Date.UTC(l.year, l.month - 1, l.day, 0, l.minutes, l.seconds);
  return asUtc - (at - (((at % 1000) + 1000) % 1000));
}

/** The instant at which the local wall clock of `timeZone` shows this date and time. */
export function zonedInstant(year: number, month: number, day: number, minutes: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day, 0, minutes);
  const first = wall - offsetAt(wall, timeZone);
  const second = wall - offsetAt(first, timeZone);
  // In a spring-forward gap the two guesses disagree; the later one is the first instant after it.
  return Math.max(first, second);
}
