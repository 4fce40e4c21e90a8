// Working hours of a widget in its own time zone: whether it is open at an instant, and when it next
// opens. Pure (Intl.DateTimeFormat only), used by the widget route before a callback is queued.
// Invariant: wall-clock times are turned into instants through the zone's offset at that instant, so
// DST changes move the opening instant, never the opening's local time (a time that does not exist
// on a spring-forward day lands just after the gap).
import { WEEKDAYS, type Weekday, type WorkingHours } from '../../shared/widget.js';

interface LocalTime {
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

function localParts(at: number, timeZone: string): LocalTime & { seconds: number } {
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

const toMinutes = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export function isOpen(hours: WorkingHours, at: number): boolean {
  const local = localParts(at, hours.timeZone);
  const window = hours.days[local.weekday];
  if (window === undefined) return false;
  return local.minutes >= toMinutes(window[0]) && local.minutes < toMinutes(window[1]);
}

/** `at` itself when open; otherwise the next opening within a week, or null if there is none. */
export function nextOpening(hours: WorkingHours, at: number): number | null {
  if (isOpen(hours, at)) return at;
  const today = localParts(at, hours.timeZone);
  const todayIndex = WEEKDAYS.indexOf(today.weekday);
  for (let i = 0; i <= 7; i++) {
    const weekday = WEEKDAYS[(todayIndex + i) % 7];
    const window = weekday === undefined ? undefined : hours.days[weekday];
    if (window === undefined) continue;
    // Calendar arithmetic on the local date; Date.UTC normalises month and year overflow.
    const date = new Date(Date.UTC(today.year, today.month - 1, today.day + i));
    const opening = zonedInstant(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), toMinutes(window[0]), hours.timeZone);
    if (opening > at) return opening;
  }
  return null;
}
