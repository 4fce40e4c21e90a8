// The website callback widget's contracts: a widget key's configuration as the admin API accepts it
// (origins, operator, country, working hours, rate limits, Turnstile), the public request body and
// the coarse status a visitor may see. Used by the Worker (validation) and by tests.
// Invariant: nothing the public endpoints return names the number, the job or the PBX's internals.
import { freeText } from './free-text.js';
import { z } from 'zod';
import { callerIdName, countryCallingCode } from './dial.js';
import { DIRECTIONS, operatorTarget } from './jobs.js';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const clock = z.string().regex(/^(?:[01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$/, 'must be HH:MM, 00:00 to 24:00');
const dayWindow = z
  .tuple([clock, clock])
  .refine(([open, close]) => open < close, 'the opening time must be before the closing time');

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const workingHours = z.strictObject({
  /** IANA time zone the day windows are written in, e.g. `Europe/Moscow`. */
  timeZone: z.string().min(1).max(64).refine(isTimeZone, 'must be an IANA time zone, e.g. Europe/Moscow'),
  /** Open windows per weekday, `[open, close)` in local time; a missing day is closed. */
  days: z.partialRecord(z.enum(WEEKDAYS), dayWindow).refine((d) => Object.keys(d).length > 0, 'at least one open day'),
  /** Outside the windows: queue the callback for the next opening, or refuse it with a message. */
  outside: z.enum(['schedule', 'refuse']).default('schedule'),
});
export type WorkingHours = z.infer<typeof workingHours>;

const limit = z.strictObject({
  /** Requests allowed per window. */
  max: z.int().min(1).max(100_000),
  /** Window length, seconds (fixed windows). */
  windowSec: z.int().min(1).max(86_400),
});
export type RateLimit = z.infer<typeof limit>;

export const DEFAULT_RATE_LIMITS = {
  perIp: { max: 5, windowSec: 600 },
  perNumber: { max: 3, windowSec: 3600 },
  perWidget: { max: 200, windowSec: 3600 },
} as const;

export const widgetRateLimits = z.strictObject({
  /** Callback requests from one client IP (hashed, never stored raw). */
  perIp: limit.default(DEFAULT_RATE_LIMITS.perIp),
  /** Callbacks created for one number. */
  perNumber: limit.default(DEFAULT_RATE_LIMITS.perNumber),
  /** Callbacks created through this widget key. */
  perWidget: limit.default(DEFAULT_RATE_LIMITS.perWidget),
});
export type WidgetRateLimits = z.infer<typeof widgetRateLimits>;

/** An origin as browsers send it: scheme, host and optional port, nothing else. */
export const webOrigin = z
  .string()
  .max(200)
  .regex(/^https?:\/\/[a-z0-9.-]+(?::[0-9]{1,5})?$/, 'must be an origin such as https://shop.example (scheme://host[:port], lower case)');

export const turnstileConfig = z.strictObject({
  siteKey: z.string().min(1).max(200).regex(/^[A-Za-z0-9_-]+$/, 'must be a Turnstile site key'),
  /** Sent to the siteverify endpoint; stored, never returned after creation, never logged. */
  secret: freeText(200),
});

/** Body of `POST /v1/admin/pbxes/{pbx}/widgets`. */
export const widgetConfig = z.strictObject({
  label: freeText(100).optional(),
  origins: z.array(webOrigin).min(1).max(20),
  operator: operatorTarget,
  /** Stored as configured, but public jobs always ring the operator first (toll-fraud rule). */
  direction: z.enum(DIRECTIONS).default('operator-first'),
  /** Country calling code for numbers typed without one (`7` for Russia). */
  defaultCountry: countryCallingCode.default('7'),
  /** Name on the operator's phone with the visitor's number. */
  callerId: callerIdName.default('Website'),
  workingHours: workingHours.optional(),
  rateLimits: widgetRateLimits.default({ perIp: DEFAULT_RATE_LIMITS.perIp, perNumber: DEFAULT_RATE_LIMITS.perNumber, perWidget: DEFAULT_RATE_LIMITS.perWidget }),
  turnstile: turnstileConfig.optional(),
});
export type WidgetConfigInput = z.input<typeof widgetConfig>;
export type WidgetConfig = z.infer<typeof widgetConfig>;

/** A widget as the admin API shows it: the Turnstile secret is never included. */
export type WidgetView = Omit<WidgetConfig, 'turnstile'> & {
  id: string;
  key: string;
  pbx: string;
  createdAt: string;
  turnstile: { siteKey: string } | null;
};

/** Body of `POST /v1/widget/{key}/callbacks`, sent by the widget script. */
export const widgetCallbackRequest = z.strictObject({
  phone: z.string().min(1).max(40),
  turnstileToken: z.string().min(1).max(2048).optional(),
});

export const WIDGET_STATES = ['queued', 'calling', 'connected', 'failed', 'cancelled'] as const;
export type WidgetState = (typeof WIDGET_STATES)[number];

/** What the public status endpoint returns: the coarse state and nothing else. */
export interface WidgetStatus {
  state: WidgetState;
}

/** What the widget script reads before showing itself. */
export interface WidgetPublicConfig {
  turnstileSiteKey: string | null;
  open: boolean;
  outside: 'schedule' | 'refuse';
}
