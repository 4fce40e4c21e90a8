// A PBX's settings as the admin API accepts them and the queue stores them: which dialplan contexts
// reach operators and customers, which customer numbers may be dialled, and the defaults for
// timeouts, concurrency and retries. Used by the Worker (validation, policy) and the relay (dialling).
import { z } from 'zod';
import { callerIdName, contextName, digitsOf, phoneNumber } from './dial.js';

const prefix = z.string().regex(/^\+?[0-9]{1,20}$/, 'must be a number prefix: an optional + and digits');

export const OUTCOMES = ['answered', 'busy', 'no-answer', 'congestion', 'failed', 'cancelled'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/**
 * Whether the relay saw how an attempt ended. `unknown`: the end was not observed (a relay restart,
 * an AMI outage, no report at all) and the customer may have been rung, so the queue never retries
 * it by itself. Safety decisions read this field, never the human-readable `note`.
 */
export const CERTAINTIES = ['known', 'unknown'] as const;
export type Certainty = (typeof CERTAINTIES)[number];

export const destinationRules = z.strictObject({
  /** A customer number must start with one of these (compared as written, `+` included). */
  allow: z.array(prefix).min(1).max(100),
  /** …and with none of these (premium-rate ranges, for example). */
  deny: z.array(prefix).max(100).default([]),
});
export type DestinationRules = z.infer<typeof destinationRules>;

export const retryPolicy = z.strictObject({
  /** Attempts in all, the first included. */
  maxAttempts: z.int().min(1).max(10).default(3),
  /** Wait before attempt 2, 3, …; the last entry repeats. Seconds. */
  backoffSec: z.array(z.int().min(1).max(86_400)).min(1).max(10).default([60, 300, 900]),
  /** Outcomes that earn another attempt; `answered` never does. */
  retryOn: z.array(z.enum(['busy', 'no-answer', 'congestion', 'failed'])).max(4).default(['busy', 'no-answer', 'congestion']),
});
export type RetryPolicy = z.infer<typeof retryPolicy>;

export const pbxSettings = z.strictObject({
  name: z.string().min(1).max(100).optional(),
  /** Context in which operators' extensions are dialled (FreePBX: from-internal). */
  operatorContext: contextName.default('from-internal'),
  /** Context whose outbound routes reach customers (FreePBX: from-internal). */
  customerContext: contextName.default('from-internal'),
  /** Context in which a queue is dialled by its name or number (FreePBX: ext-queues). */
  queueContext: contextName.default('ext-queues'),
  /** Caller ID a customer sees when the PBX calls them: the company's public number. */
  customerCallerId: z.strictObject({ name: callerIdName.optional(), number: phoneNumber }).optional(),
  destinations: destinationRules,
  /** How long each leg may ring before it counts as no answer. Seconds, default 30. */
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
export type PbxSettingsInput = z.input<typeof pbxSettings>;
export type PbxSettings = z.infer<typeof pbxSettings>;

export const pbxId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and -, at most 63');

/** Whether a customer number may be dialled under these rules. Pure; the Worker calls it before queueing. */
export function isDestinationAllowed(rules: DestinationRules, number: string): boolean {
  if (!rules.allow.some((p) => number.startsWith(p))) return false;
  if (rules.deny.some((p) => number.startsWith(p))) return false;
  // Short numbers (emergency, service) never go out through a callback, whatever the prefixes say.
  return digitsOf(number).length >= 5;
}
