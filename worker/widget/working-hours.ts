// Working hours of a widget in its own time zone: whether it is open at an instant, and when it next
// opens. Pure (the zone clock of worker/time), used by the widget route before a callback is queued
// and by missed-call recalls.
import { WEEKDAYS, type WorkingHours } from '../../shared/widget.js';
import { localParts, zonedInstant } from '../time/zone-clock.js';

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
