// Jobs as the public API shows them and the queue keeps them: the callback request body, job and
// attempt states, and the job view returned by GET. New job types (conference assembly, campaigns)
// join the `JobSpec` union; everything else (states, attempts, outcomes) is common to all types.
import { freeText } from './free-text.js';
import { reservedVariableProblem } from './reserved-variables.js';
import { z } from 'zod';
import { amiName, callerIdName, extension, phoneNumber, variableName, variableValue } from './dial.js';
import { CERTAINTIES, OUTCOMES, retryPolicy } from './pbx.js';
import { callbackUrl } from './callback-url.js';

export const JOB_STATUSES = ['queued', 'dispatched', 'running', 'succeeded', 'failed', 'cancelled', 'expired'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const FINAL_STATUSES: ReadonlySet<JobStatus> = new Set(['succeeded', 'failed', 'cancelled', 'expired']);

export const operatorTarget = z.union([
  z.strictObject({ extension }),
  z.strictObject({ queue: amiName }),
]);
export type OperatorTarget = z.infer<typeof operatorTarget>;

export const DIRECTIONS = ['operator-first', 'customer-first'] as const;
export type Direction = (typeof DIRECTIONS)[number];

const metadataValue = z.union([freeText(256, 0), z.number(), z.boolean(), z.null()]);

/** Body of `POST /v1/pbxes/{pbx}/callbacks`. Unknown fields are refused (strict). */
/** A channel variable a request may set: a valid name that is not reserved (shared/reserved-variables.ts). */
export const requestVariableName = variableName.superRefine((name, ctx) => {
  const problem = reservedVariableProblem(name);
  if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
});

export const callbackRequest = z.strictObject({
  customer: phoneNumber,
  operator: operatorTarget,
  direction: z.enum(DIRECTIONS).default('operator-first'),
  /** Name shown with the number on the first leg's phone (`Callback` by default). */
  callerId: callerIdName.optional(),
  /** Not before this instant (ISO 8601 with offset). */
  notBefore: z.iso.datetime({ offset: true }).optional(),
  /** After this instant a job that has not connected becomes `expired`. */
  expiresAt: z.iso.datetime({ offset: true }).optional(),
  /** This job's retry policy, replacing the PBX's default (`settings.retry`) as a whole. */
  retry: retryPolicy.optional(),
  /** Channel variables set on the originated call; at most 20. */
  variables: z
    .record(requestVariableName, variableValue)
    .refine((v) => Object.keys(v).length <= 20, 'at most 20 variables')
    .optional(),
  /** Opaque to us, returned with the job; at most 20 keys. */
  metadata: z
    .record(freeText(64), metadataValue)
    .refine((v) => Object.keys(v).length <= 20, 'at most 20 keys')
    .optional(),
  /** Receives this job's status changes, signed (Standard Webhooks); replaces the PBX's default URL. */
  statusCallbackUrl: callbackUrl.optional(),
});
export type CallbackRequest = z.infer<typeof callbackRequest>;

/**
 * How far ahead a callback may be scheduled: `notBefore` at most this far from now, and `expiresAt` at
 * most this far after the job may first run. Thirty days covers "call me back after the holidays";
 * anything later (year 9999) is a mistake or an attempt to park work in the queue for ever.
 */
export const MAX_SCHEDULE_AHEAD_MS = 30 * 24 * 3600 * 1000;

/**
 * Whether a callback's time window is possible at `now`: `expiresAt` after `notBefore` (and after now),
 * both within MAX_SCHEDULE_AHEAD_MS. Null when it is; otherwise the field to blame and why. Not a
 * schema refinement because it depends on the clock, and stored requests are parsed again later.
 */
export function scheduleProblem(request: Pick<CallbackRequest, 'notBefore' | 'expiresAt'>, now: number): { field: 'notBefore' | 'expiresAt'; message: string } | null {
  const notBefore = request.notBefore === undefined ? undefined : Date.parse(request.notBefore);
  const expiresAt = request.expiresAt === undefined ? undefined : Date.parse(request.expiresAt);
  const start = Math.max(now, notBefore ?? now);
  if (notBefore !== undefined && notBefore - now > MAX_SCHEDULE_AHEAD_MS) return { field: 'notBefore', message: 'notBefore is more than 30 days ahead' };
  if (expiresAt === undefined) return null;
  if (expiresAt <= now) return { field: 'expiresAt', message: 'expiresAt is in the past' };
  if (notBefore !== undefined && expiresAt <= notBefore) return { field: 'expiresAt', message: 'expiresAt must be later than notBefore' };
  if (expiresAt - start > MAX_SCHEDULE_AHEAD_MS) return { field: 'expiresAt', message: 'expiresAt is more than 30 days after the job may first run' };
  return null;
}

/**
 * The queue's idempotency keys, one namespace per source, so a client's `Idempotency-Key` can never
 * name (and so read back, or block) a job a signed webhook or a Bitrix24 event created.
 */
export const idempotencyKey = {
  client: (key: string): string => `client:${key}`,
  webhook: (webhookId: string): string => `webhook:${webhookId}`,
  bitrix24: (callId: string): string => `bitrix24:${callId}`,
  amocrm: (requestId: string): string => `amocrm:${requestId}`,
  /** A key an org API client sent (POST /v1/orgs/{org}/callbacks): never meets the PBX's own clients' keys. */
  org: (key: string): string => `org:${key}`,
} as const;

export const ATTEMPT_STATUSES = ['offered', 'accepted', 'originating', 'ringing', 'answered', 'ended', 'abandoned'] as const;
export type AttemptStatus = (typeof ATTEMPT_STATUSES)[number];

export const LEGS = ['operator', 'customer'] as const;
export type Leg = (typeof LEGS)[number];

export const attemptView = z.object({
  id: z.string(),
  number: z.int(),
  status: z.enum(ATTEMPT_STATUSES),
  outcome: z.enum(OUTCOMES).nullable(),
  /** `unknown`: the end was not observed and the customer may have been rung; never retried by itself. Null until the attempt ends. */
  certainty: z.enum(CERTAINTIES).nullable(),
  /** Q.850 cause from the Hangup event of the leg that decided the outcome. */
  cause: z.int().nullable(),
  causeText: z.string().nullable(),
  /** Which leg decided a failed outcome (the operator did not answer, or the customer did not). */
  failedLeg: z.enum(LEGS).nullable(),
  dispatchedAt: z.string().nullable(),
  originatedAt: z.string().nullable(),
  answeredAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  /** Talk time after the customer leg connected, milliseconds. */
  durationMs: z.int().nullable(),
  note: z.string().nullable(),
});
export type AttemptView = z.infer<typeof attemptView>;

export const jobView = z.object({
  id: z.string(),
  pbx: z.string(),
  type: z.literal('callback'),
  status: z.enum(JOB_STATUSES),
  request: callbackRequest,
  requestedAt: z.string(),
  notBefore: z.string().nullable(),
  expiresAt: z.string(),
  nextAttemptAt: z.string().nullable(),
  attempts: z.array(attemptView),
  lastError: z.string().nullable(),
});
export type JobView = z.infer<typeof jobView>;

export const jobListQuery = z.strictObject({
  status: z.enum(JOB_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().regex(/^[0-9]{1,15}$/).optional(),
});
