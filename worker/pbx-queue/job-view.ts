// Renders stored rows as the API's job view (shared/jobs.ts). Row → domain happens only here.
import { callbackRequest, type AttemptView, type JobView } from '../../shared/jobs.js';
import { LEGS, type Leg } from '../../shared/jobs.js';
import type { AttemptRow, JobRow } from './job-store.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function jobView(pbx: string, job: JobRow, attempts: AttemptRow[]): JobView {
  return {
    id: job.id,
    pbx,
    type: 'callback',
    status: job.status,
    // Stored by us after validation; parsing again keeps a corrupted row from reaching a client untyped.
    request: callbackRequest.parse(JSON.parse(job.request)),
    requestedAt: new Date(job.requested_at).toISOString(),
    notBefore: iso(job.not_before),
    expiresAt: new Date(job.expires_at).toISOString(),
    nextAttemptAt: job.status === 'queued' ? new Date(job.run_at).toISOString() : null,
    attempts: attempts.map(attemptView),
    lastError: job.last_error,
  };
}

function attemptView(a: AttemptRow): AttemptView {
  return {
    id: a.id,
    number: a.number,
    status: a.status,
    outcome: a.outcome,
    certainty: a.certainty,
    cause: a.cause,
    causeText: a.cause_text,
    failedLeg: isLeg(a.failed_leg) ? a.failed_leg : null,
    dispatchedAt: iso(a.dispatched_at),
    originatedAt: iso(a.originated_at),
    answeredAt: iso(a.answered_at),
    endedAt: iso(a.ended_at),
    durationMs: a.duration_ms,
    note: a.note,
  };
}

const isLeg = (v: string | null): v is Leg => (LEGS as ReadonlyArray<string | null>).includes(v);
