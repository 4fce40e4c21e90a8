// A PBX's settings as the admin API accepts them and the queue stores them: which dialplan contexts
// reach operators and customers, which customer numbers may be dialled, and the defaults for
// timeouts, concurrency and retries. Used by the Worker (validation, policy) and the relay (dialling).
import { freeText } from './free-text.js';
import { z } from 'zod';
import { callerIdName, contextName, phoneNumber } from './dial.js';
import { destinationRules, extensionPlan, numberingPlan } from './numbering/numbering-settings.js';
import { countryOf } from './numbering/numbering-policy.js';

/**
 * How an attempt ended. `answered`: both parties were up (a conversation). `busy`, `no-answer`,
 * `congestion`, `failed`: the leg named by `failedLeg` could not be reached (`no-answer` also when the
 * second leg rang for the whole `ringTimeoutSec` and the relay ended the call). `abandoned`: the leg
 * named by `failedLeg` was up and hung up while the other one rang (the operator, operator-first; the
 * customer, customer-first). `cancelled`: only an API or owner cancel.
 */
export const OUTCOMES = ['answered', 'busy', 'no-answer', 'congestion', 'failed', 'abandoned', 'cancelled'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Outcomes a retry policy may retry; `answered` and `cancelled` never are. */
export const RETRYABLE_OUTCOMES = ['busy', 'no-answer', 'congestion', 'failed', 'abandoned'] as const;

/**
 * Whether the relay saw how an attempt ended. `unknown`: the end was not observed (a relay restart,
 * an AMI outage, no report at all) and the customer may have been rung, so the queue never retries
 * it by itself. Safety decisions read this field, never the human-readable `note`.
 */
export const CERTAINTIES = ['known', 'unknown'] as const;
export type Certainty = (typeof CERTAINTIES)[number];

export const retryPolicy = z.strictObject({
  /** Attempts in all, the first included. */
  maxAttempts: z.int().min(1).max(10).default(3),
  /** Wait before attempt 2, 3, …; the last entry repeats. Seconds. */
  backoffSec: z.array(z.int().min(1).max(86_400)).min(1).max(10).default([60, 300, 900]),
  /** Outcomes that earn another attempt; `answered` never does. */
  retryOn: z.array(z.enum(RETRYABLE_OUTCOMES)).max(RETRYABLE_OUTCOMES.length).default(['busy', 'no-answer', 'congestion']),
});
export type RetryPolicy = z.infer<typeof retryPolicy>;

export const pbxSettings = z.strictObject({
  name: freeText(100).optional(),
  /** Context in which operators' extensions are dialled (FreePBX: from-internal). */
  operatorContext: contextName.default('from-internal'),
  /** Context whose outbound routes reach customers (FreePBX: from-internal). */
  customerContext: contextName.default('from-internal'),
  /** Context in which a queue is dialled by its name or number (FreePBX: ext-queues). */
  queueContext: contextName.default('ext-queues'),
  /** Caller ID a customer sees when the PBX calls them: the company's public number. */
  customerCallerId: z.strictObject({ name: callerIdName.optional(), number: phoneNumber }).optional(),
  /** The PBX's country and how it dials outside numbers (see shared/numbering/). */
  numbering: numberingPlan.optional(),
  /** Which outside numbers may be dialled; absent: the PBX's own country, toll-fraud types denied. */
  destinations: destinationRules.optional(),
  /** What an extension of this PBX looks like; absent: 2 to 5 digits. */
  extensions: extensionPlan.optional(),
  /**
   * How long each leg may ring before it counts as no answer. Seconds, default 30. The first leg is
   * bounded by the Originate's Timeout; the second by the relay itself, from the onward dial's start
   * (or the first leg's answer if none comes): it then ends the call (the first leg is released) and
   * reports `no-answer`, cause 19, `failedLeg` the second leg. A shorter dialplan timeout still wins.
   */
  ringTimeoutSec: z.int().min(5).max(300).default(30),
  /** Simultaneous calls this PBX may carry for us; jobs beyond it wait in order. */
  maxConcurrentCalls: z.int().min(1).max(500).default(4),
  retry: retryPolicy.default({ maxAttempts: 3, backoffSec: [60, 300, 900], retryOn: ['busy', 'no-answer', 'congestion'] }),
  /**
   * How long a connected relay may leave an offer unacknowledged (no progress, result or refusal)
   * before the queue stops trusting that session and closes it; the relay's next hello then says
   * whether it journalled the attempt. Never a reason to offer the job again by itself. Seconds, default 10.
   */
  offerTimeoutSec: z.int().min(1).max(300).default(10),
  /** How long an attempt that may have been dialled waits for its relay to come back and report. Seconds, default 300. */
  reconcileTimeoutSec: z.int().min(2).max(86_400).default(300),
  /** A pending job older than this becomes `expired`: a callback asked for long ago is useless. Seconds, default 3600. */
  jobTtlSec: z.int().min(60).max(7 * 86_400).default(3600),
});

/**
 * Settings as the admin API accepts them: they must name the PBX's country. Settings of earlier
 * versions had only `destinations`; their first `+` range still names it. Stored settings that name
 * none are still read (pbxSettings), and then nothing is dialled until they are replaced.
 */
export const pbxSettingsRequest = pbxSettings.refine((s) => countryOf(s) !== undefined, {
  message: 'numbering.country is required (or a +country range in destinations.allow)', path: ['numbering', 'country'],
});
export type PbxSettingsInput = z.input<typeof pbxSettings>;
export type PbxSettings = z.infer<typeof pbxSettings>;

export const pbxId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and -, at most 63');
