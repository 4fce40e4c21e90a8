// Campaigns as the public API accepts and shows them: the campaign definition (target, caller ID
// pool, schedule, retry rules, limits, pacing), contact imports and their report, the do-not-call
// list, and the campaign and contact views. Used by the Worker (validation, rendering) and tests.
// Invariant: a schedule that passes `campaignRequest` has at least one window, no reversed or
// overlapping window on any day, and a time zone the platform's Intl data knows.
import { z } from 'zod';
import { amiName, contextName, countryCallingCode, extension, phoneNumber, variableValue } from './dial.js';
import { DIRECTIONS, requestVariableName } from './jobs.js';
import { callbackUrl } from './callback-url.js';

import { WEEKDAYS } from './widget.js';

export { WEEKDAYS, type Weekday } from './widget.js';

/** `HH:MM`, 00:00–24:00; `24:00` only ends a window. */
const clock = z.string().regex(/^(?:[01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$/, 'must be a time HH:MM between 00:00 and 24:00');
const isoDate = z.string().regex(/^[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$/, 'must be a date YYYY-MM-DD');

/** Minutes since local midnight of an `HH:MM` that passed `clock`. */
export function minutesOf(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

/** Whether the platform's time-zone data knows this IANA name. */
export function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const timeZone = z.string().min(1).max(64).refine(isKnownTimeZone, 'must be an IANA time zone the platform knows (e.g. Europe/Moscow)');

const span = z.strictObject({ from: clock, to: clock }).refine((s) => minutesOf(s.from) < minutesOf(s.to), { message: 'a window must end after it starts', path: ['to'] });
export const weeklyWindow = z.strictObject({ days: z.array(z.enum(WEEKDAYS)).min(1).max(7), from: clock, to: clock })
  .refine((s) => minutesOf(s.from) < minutesOf(s.to), { message: 'a window must end after it starts', path: ['to'] });
export type WeeklyWindow = z.infer<typeof weeklyWindow>;

/** A dated exception: `windows` replace the weekly ones that day; none (or empty) closes the day (a holiday). */
export const scheduleException = z.strictObject({ date: isoDate, windows: z.array(span).max(10).default([]) });

/** Index of the first pair of spans that overlap, if any. */
function overlapping(spans: ReadonlyArray<{ from: string; to: string }>): [number, number] | undefined {
  for (let i = 0; i < spans.length; i++) {
    for (let j = i + 1; j < spans.length; j++) {
      const a = spans[i];
      const b = spans[j];
      if (a !== undefined && b !== undefined && minutesOf(a.from) < minutesOf(b.to) && minutesOf(b.from) < minutesOf(a.to)) return [i, j];
    }
  }
  return undefined;
}

export const schedule = z.strictObject({
  /** The campaign's zone: used for a contact whose own zone is neither given nor derivable from its number. */
  timeZone,
  weekly: z.array(weeklyWindow).min(1, 'a schedule needs at least one weekly window').max(50),
  exceptions: z.array(scheduleException).max(400).default([]),
}).superRefine((s, ctx) => {
  for (const day of WEEKDAYS) {
    const spans = s.weekly.filter((w) => w.days.includes(day));
    const clash = overlapping(spans);
    if (clash !== undefined) {
      ctx.addIssue({ code: 'custom', message: `weekly windows overlap on ${day}`, path: ['weekly', s.weekly.indexOf(spans[clash[1]]!)] });
      return;
    }
  }
  const seen = new Set<string>();
  s.exceptions.forEach((e, i) => {
    if (seen.has(e.date)) ctx.addIssue({ code: 'custom', message: `${e.date} is listed twice`, path: ['exceptions', i, 'date'] });
    seen.add(e.date);
    const clash = overlapping(e.windows);
    if (clash !== undefined) ctx.addIssue({ code: 'custom', message: `windows overlap on ${e.date}`, path: ['exceptions', i, 'windows', clash[1]] });
  });
});
export type Schedule = z.infer<typeof schedule>;

/** Where an answered customer goes: an extension, a queue, or a dialplan destination (ring group, robot/IVR). */
export const campaignTarget = z.union([
  z.strictObject({ extension }),
  z.strictObject({ queue: amiName }),
  z.strictObject({ context: contextName, exten: extension }),
]);
export type CampaignTarget = z.infer<typeof campaignTarget>;

export const RETRY_OUTCOMES = ['busy', 'no-answer', 'congestion', 'failed', 'abandoned'] as const;
export type RetryOutcome = (typeof RETRY_OUTCOMES)[number];

const retryRule = z.strictObject({ retry: z.boolean(), delaySec: z.int().min(1).max(7 * 86_400).default(900) });
export type RetryRule = z.infer<typeof retryRule>;

export const campaignRetry = z.strictObject({
  busy: retryRule.default({ retry: true, delaySec: 600 }),
  'no-answer': retryRule.default({ retry: true, delaySec: 1800 }),
  congestion: retryRule.default({ retry: true, delaySec: 300 }),
  failed: retryRule.default({ retry: false, delaySec: 900 }),
  /** One leg was up and hung up while the other rang (shared/pbx.ts OUTCOMES): reached, but not connected. */
  abandoned: retryRule.default({ retry: true, delaySec: 1800 }),
  /** Attempts per contact in all, the first included. */
  maxAttempts: z.int().min(1).max(20).default(3),
  /** Attempts per contact per local calendar day. */
  maxAttemptsPerDay: z.int().min(1).max(20).default(2),
});
export type CampaignRetry = z.infer<typeof campaignRetry>;

export const campaignLimits = z.strictObject({
  /** Calls of this campaign at once (the PBX's maxConcurrentCalls still applies). */
  maxConcurrent: z.int().min(1).max(200).default(2),
  /** New calls of this campaign per second. */
  maxPerSecond: z.int().min(1).max(20).default(1),
});

export const campaignPacing = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('progressive') }),
  z.strictObject({
    mode: z.literal('ratio'),
    ratio: z.number().gt(1).max(3),
    /** Share of abandoned answered calls over the last hour above which the campaign falls back to progressive. Percent. */
    abandonLimitPct: z.number().min(0.5).max(20).default(3),
  }),
]);

/** At most 18: every call also carries PEREZVON_CAMPAIGN and PEREZVON_CONTACT, and a call has at most 20. */
const variables = z.record(requestVariableName, variableValue).refine((v) => Object.keys(v).length <= 18, 'at most 18 variables');

/** Body of `POST /v1/pbxes/{pbx}/campaigns`. */
export const campaignRequest = z.strictObject({
  name: z.string().min(1).max(100).regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters'),
  direction: z.enum(DIRECTIONS).default('customer-first'),
  target: campaignTarget,
  /** Numbers shown to customers, used in turn. */
  callerIdPool: z.array(phoneNumber).min(1).max(50),
  /** Country calling code for contact numbers written without one (`8916…` with `7`); without it such rows are rejected. */
  defaultCountry: countryCallingCode.optional(),
  schedule,
  retry: campaignRetry.prefault({}),
  limits: campaignLimits.prefault({}),
  pacing: campaignPacing.default({ mode: 'progressive' }),
  /** A robot campaign's opt-out digit: a customer who presses it (UserEvent RobotResult) joins the PBX's do-not-call list. */
  optOutDigit: z.string().regex(/^[0-9*#]$/, 'must be one digit, * or #').optional(),
  /** Variables set on every call of the campaign; a contact's own variables win. */
  variables: variables.optional(),
  /** Receives the campaign's per-attempt status events (the jobs' signed status callbacks). */
  statusCallbackUrl: callbackUrl.optional(),
});
export type CampaignRequest = z.infer<typeof campaignRequest>;

export const CAMPAIGN_STATES = ['draft', 'running', 'paused', 'stopped', 'completed'] as const;
export type CampaignState = (typeof CAMPAIGN_STATES)[number];

export const CONTACT_STATES = ['pending', 'calling', 'answered', 'failed', 'dnc', 'cancelled'] as const;
export type ContactState = (typeof CONTACT_STATES)[number];
export const FINAL_CONTACT_STATES: ReadonlySet<ContactState> = new Set(['answered', 'failed', 'dnc', 'cancelled']);

/** A contact as JSON import takes it (CSV: columns number, name, timeZone; the others become variables). */
export const contactInput = z.strictObject({
  number: z.string().min(1).max(40),
  name: z.string().max(100).optional(),
  timeZone: z.string().max(64).optional(),
  variables: z.record(z.string().max(64), z.string().max(1000)).optional(),
});
export type ContactInput = z.infer<typeof contactInput>;

export const MAX_CONTACTS_PER_REQUEST = 100_000;
export const MAX_CONTACTS_PER_CAMPAIGN = 1_000_000;

export const contactImportJson = z.strictObject({ contacts: z.array(z.unknown()).min(1).max(MAX_CONTACTS_PER_REQUEST) });

export interface RejectedRow {
  /** 1-based data row (CSV: the header is row 0) or array index + 1. */
  row: number;
  field: string;
  reason: string;
}

export interface ImportReport {
  imported: number;
  merged: number;
  rejected: number;
  rejections: RejectedRow[];
}

export interface CampaignCounters {
  contacts: Record<ContactState, number> & { total: number };
  attempts: number;
  answered: number;
  /** Answered attempts / attempts that reached the PBX; null before the first. */
  asr: number | null;
  averageTalkSec: number | null;
  byOutcome: Record<string, number>;
  byCause: Record<string, number>;
}

export interface CampaignView {
  id: string;
  pbx: string;
  state: CampaignState;
  request: CampaignRequest;
  counters: CampaignCounters;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
}

export interface ContactView {
  id: string;
  number: string;
  name: string | null;
  timeZone: string;
  state: ContactState;
  attempts: number;
  lastOutcome: string | null;
  lastCause: number | null;
  nextAttemptAt: string | null;
  /** The digit the robot reported for this contact ('' when none was pressed); null without a report. */
  robotDigit: string | null;
  /** The job of the contact's latest call (its attempts and deliveries: GET /jobs/{id}, …/deliveries). */
  lastJobId: string | null;
  updatedAt: string;
  variables: Record<string, string>;
}

export const contactListQuery = z.strictObject({
  state: z.enum(CONTACT_STATES).optional(),
  changedSince: z.iso.datetime({ offset: true }).optional(),
  cursor: z.string().regex(/^[0-9]{1,15}\.[0-9]{1,15}$/).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});
export type ContactListQuery = z.infer<typeof contactListQuery>;

export const CAMPAIGN_ACTIONS = ['start', 'pause', 'resume', 'stop'] as const;
export type CampaignAction = (typeof CAMPAIGN_ACTIONS)[number];

/** Body of `POST /v1/pbxes/{pbx}/dnc` (JSON form): E.164 numbers (`+…`). */
export const dncRequest = z.strictObject({ numbers: z.array(z.string().min(1).max(40)).min(1).max(MAX_CONTACTS_PER_REQUEST) });

export const TASK_KINDS = ['campaign', 'conference-assembly', 'missed-call-recall'] as const;
export interface TaskView {
  kind: (typeof TASK_KINDS)[number];
  id: string;
  name: string | null;
  state: string;
  target: string | null;
  size: number;
  succeeded: number;
  done: number;
}
