// Contracts of the signed-webhook integrations: webhook secrets (inbound verification, outbound
// signing), the PBX's status-callback settings, the status events sent to a statusCallbackUrl and
// the delivery records the API shows. Used by the Worker (validation, rendering) and by tests/receivers.
// Invariant: a status event's id is stable across retries: `${jobId}.${sequence}`.
import { freeText } from './free-text.js';
import { z } from 'zod';
import { callbackUrl } from './callback-url.js';
import { JOB_STATUSES, attemptView } from './jobs.js';

export const SECRET_PURPOSES = ['inbound', 'outbound'] as const;
export type SecretPurpose = (typeof SECRET_PURPOSES)[number];

/** Body of `POST /v1/admin/pbxes/{pbx}/webhook-secrets`. */
export const webhookSecretRequest = z.strictObject({
  /** `inbound`: verifies webhooks sent to us; `outbound`: signs status callbacks we send. */
  purpose: z.enum(SECRET_PURPOSES),
  label: freeText(100).optional(),
});

export interface WebhookSecretView {
  id: string;
  purpose: SecretPurpose;
  label: string | null;
  createdAt: string;
}

/** Standard Webhooks signature tolerance: a timestamp further than this from now is refused. */
export const WEBHOOK_TOLERANCE_SEC = 300;

/** Default retry schedule of a status callback: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h. */
export const DEFAULT_DELIVERY_BACKOFF_SEC = [5, 300, 1800, 7200, 18_000, 36_000];

/** Body of `PUT /v1/admin/pbxes/{pbx}/status-callbacks`. */
export const statusCallbackSettings = z.strictObject({
  /** Default receiver for jobs that name none; null: only jobs with their own statusCallbackUrl. */
  url: callbackUrl.nullable().default(null),
  /** Waits between delivery attempts; one attempt more than entries in all. Seconds. */
  backoffSec: z.array(z.int().min(1).max(86_400)).min(1).max(10).default(DEFAULT_DELIVERY_BACKOFF_SEC),
  /** How long one delivery attempt may take. Milliseconds. */
  timeoutMs: z.int().min(500).max(30_000).default(10_000),
});
export type StatusCallbackSettings = z.infer<typeof statusCallbackSettings>;

export const STATUS_EVENT_TYPES = [
  'job.queued', 'job.dialling', 'job.ringing', 'job.answered', 'job.retrying',
  'job.completed', 'job.failed', 'job.cancelled', 'job.expired',
  /** A campaign contact reached its final state after a call (answered, or failed by the retry rules); see `campaignContact`. */
  'campaign.contact.completed',
] as const;
export type StatusEventType = (typeof STATUS_EVENT_TYPES)[number];

/** The JSON body POSTed to a statusCallbackUrl. Receivers deduplicate on `id` (or jobId + sequence). */
export const statusEvent = z.object({
  id: z.string(),
  type: z.enum(STATUS_EVENT_TYPES),
  timestamp: z.string(),
  data: z.object({
    pbx: z.string(),
    jobId: z.string(),
    /** Position of this event in the job's history; increases with every event of the job. */
    sequence: z.int(),
    status: z.enum(JOB_STATUSES),
    /** The attempt the event is about (ringing, answered, ended), with its cause and durations. */
    attempt: attemptView.nullable(),
    nextAttemptAt: z.string().nullable(),
    lastError: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()).nullable(),
    /** Only in `campaign.contact.completed`: the contact's final state after this job's call. */
    campaignContact: z.object({ campaignId: z.string(), contactId: z.string(), number: z.string(), state: z.string(), attempts: z.int() }).optional(),
  }),
});
export type StatusEvent = z.infer<typeof statusEvent>;

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;

export interface DeliveryAttemptView {
  number: number;
  at: string;
  /** HTTP status of the receiver's answer; null when none came (timeout, refused, bad URL). */
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export const WRITE_BACK_TYPES = ['bitrix24.register', 'bitrix24.finish', 'amocrm.call'] as const;
export type WriteBackType = (typeof WRITE_BACK_TYPES)[number];

export interface DeliveryView {
  id: string;
  jobId: string;
  /**
   * A status event, or a CRM write-back: to the Bitrix24 portal (`bitrix24.register` when dialling starts,
   * `bitrix24.finish` at the end), to amoCRM (`amocrm.call`, POST /api/v4/calls at the end).
   */
  type: StatusEventType | WriteBackType;
  url: string;
  status: (typeof DELIVERY_STATUSES)[number];
  nextAttemptAt: string | null;
  createdAt: string;
  deliveredAt: string | null;
  attempts: DeliveryAttemptView[];
}
