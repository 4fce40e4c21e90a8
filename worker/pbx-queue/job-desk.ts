// Admission, reading and cancelling of a PBX's jobs, for the queue's RPC methods (pbx-queue.ts).
// Admission checks idempotency, the customer number and the operator's extension (number-gate.ts)
// and stores the job, its customer in E.164, before it returns;
// cancelling never touches a connected call and leaves a started one to the relay to hang up.
import { FINAL_STATUSES, type CallbackRequest, type JobView, type jobListQuery } from '../../shared/jobs.js';
import type { NumberRefusal } from '../../shared/numbering/number-refusal.js';
import type { PbxSettings } from '../../shared/pbx.js';
import type { QueueFrame } from '../../shared/relay-protocol.js';
import type { z } from 'zod';
import { newId } from '../auth/tokens.js';
import type { JobStore } from './job-store.js';
import { jobView } from './job-view.js';
import { gateNumber, gateOperator, policyOf } from './number-gate.js';

export type CreateResult =
  | { kind: 'created' | 'existing'; job: JobView }
  | { kind: 'idempotency-conflict' }
  | NumberRefusal
  | { kind: 'no-pbx' };

/** What a CRM's click-to-call (Bitrix24, amoCRM) comes to: a job, or why none was made. */
export type ClickToCallResult = CreateResult | { kind: 'unauthorized' } | { kind: 'unknown-user' };

export type CancelResult = { kind: 'cancelled' | 'cancelling'; job: JobView } | { kind: 'not-found' } | { kind: 'not-cancellable'; job: JobView };

type CancelFrame = Extract<QueueFrame, { type: 'job.cancel' }>;

export class JobDesk {
  constructor(
    private readonly store: JobStore,
    private readonly settings: () => PbxSettings | undefined,
    private readonly tellHolder: (sessionId: string | null, frame: CancelFrame) => void,
  ) {}

  /** Stores a new callback (or finds the one of an earlier request with the same key). */
  admit(request: CallbackRequest, idempotencyKey: string | null, requestHash: string, now: number): CreateResult {
    const settings = this.settings();
    if (settings === undefined || this.store.getMeta('pbx') === undefined) return { kind: 'no-pbx' };
    if (idempotencyKey !== null) {
      const existing = this.store.jobByIdempotencyKey(idempotencyKey);
      if (existing !== undefined) {
        return existing.request_hash === requestHash ? { kind: 'existing', job: this.mustView(existing.id) } : { kind: 'idempotency-conflict' };
      }
    }
    const policy = policyOf(settings);
    const customer = gateNumber(policy, request.customer, 'customer');
    if (!customer.ok) return customer.refusal;
    const operator = gateOperator(policy, request.operator, 'operator');
    if (operator !== undefined) return operator;
    // Stored in E.164: the dispatcher judges it again and derives the dial string when it offers it.
    const stored: CallbackRequest = { ...request, customer: customer.value.e164 };
    const notBefore = request.notBefore === undefined ? null : Date.parse(request.notBefore);
    // The TTL counts from when the job may first run, as for widget and missed-call jobs.
    const runAt = Math.max(now, notBefore ?? now);
    const expiresAt = request.expiresAt === undefined ? runAt + settings.jobTtlSec * 1000 : Date.parse(request.expiresAt);
    const id = newId('job_');
    this.store.insertJob({
      id, type: 'callback', status: 'queued', request: JSON.stringify(stored), idempotency_key: idempotencyKey,
      request_hash: requestHash, requested_at: now, not_before: notBefore, run_at: runAt,
      expires_at: expiresAt, max_attempts: (request.retry ?? settings.retry).maxAttempts, updated_at: now,
    });
    this.store.addEvent(id, null, 'queued', undefined, now);
    return { kind: 'created', job: this.mustView(id) };
  }

  list(query: z.output<typeof jobListQuery>): { jobs: JobView[]; nextCursor: string | null } {
    const rows = this.store.listJobs(query.status, query.limit, Number(query.cursor ?? '0'));
    const last = rows[rows.length - 1];
    return {
      jobs: rows.map((r) => this.mustView(r.id)),
      nextCursor: rows.length === query.limit && last !== undefined ? String(last.seq) : null,
    };
  }

  cancel(id: string, now: number): CancelResult {
    const job = this.store.job(id);
    if (job === undefined) return { kind: 'not-found' };
    const attempt = this.store.openAttemptOf(id);
    if (FINAL_STATUSES.has(job.status) || attempt?.status === 'answered') return { kind: 'not-cancellable', job: this.mustView(id) };
    if (attempt === undefined) {
      this.store.setJobStatus(id, 'cancelled', now, 'cancelled by request');
      this.store.addEvent(id, null, 'cancelled', undefined, now);
      return { kind: 'cancelled', job: this.mustView(id) };
    }
    // Offered or later: the offer authorised the dial, so only the relay can stop it (hang up the
    // ringing call, or report the offer it refused); the result will say `cancelled`.
    this.store.requestCancel(attempt.id);
    this.store.addEvent(id, attempt.id, 'cancel-requested', undefined, now);
    this.tellHolder(attempt.session_id, { type: 'job.cancel', attemptId: attempt.id, fence: attempt.fence });
    return { kind: 'cancelling', job: this.mustView(id) };
  }

  view(id: string): JobView | undefined {
    const job = this.store.job(id);
    const pbx = this.store.getMeta('pbx');
    return job === undefined || pbx === undefined ? undefined : jobView(pbx, job, this.store.attemptsOf(job.id));
  }

  private mustView(id: string): JobView {
    const v = this.view(id);
    if (v === undefined) throw new Error(`job ${id} vanished`);
    return v;
  }
}
