// Moves a PBX's jobs through their attempts: offers ready jobs to the active relay session within
// the concurrency limit, applies the relay's attempt frames (accept, reject, progress, result) under
// fencing, and handles leases that run out. Called by the Durable Object's frame routes, its close
// handler and its alarm.
// Invariant: an attempt that may have been dialled (status accepted or later) is never re-offered;
// only the relay's own journal, reported in `hello`, can clear it, or the reconcile timeout fails it.
import { callbackRequest } from '../../shared/jobs.js';
import type { PbxSettings, RetryPolicy } from '../../shared/pbx.js';
import type { RelayFrame } from '../../shared/relay-protocol.js';
import { newId } from '../auth/tokens.js';
import { callbackPlan } from './call-plan.js';
import type { AttemptRow, JobStore } from './job-store.js';
import type { RelaySessions, SessionInfo } from './relay-sessions.js';
import { nextStep } from './retry.js';

/** Pause before re-offering a job the relay refused, so a refusing relay is not hammered. */
const REJECT_BACKOFF_MS = 2_000;

type ResultFrame = Extract<RelayFrame, { type: 'attempt.result' }>;

export class Dispatcher {
  constructor(
    private readonly store: JobStore,
    private readonly sessions: RelaySessions,
    private readonly settings: () => PbxSettings | undefined,
    /** Free call slots (call-slots.ts), shared with conference member dials. */
    private readonly freeSlots: () => number,
  ) {}

  /** A session went away (closed, errored or displaced): free what it never started, park the rest. */
  release(session: SessionInfo, now: number): void {
    const reconcileMs = (this.settings()?.reconcileTimeoutSec ?? 300) * 1000;
    for (const a of this.store.openAttempts()) {
      if (a.session_id !== session.sessionId) continue;
      if (a.status === 'offered') this.abandon(a, 'the relay went away before accepting', now, now);
      else this.store.advanceAttempt(a.id, a.status, { leaseUntil: now + reconcileMs });
    }
  }

  /** The relay (re)introduced itself: what its journal still tracks is handed to this session. */
  hello(ws: WebSocket, frame: Extract<RelayFrame, { type: 'hello' }>, now: number): void {
    const info = this.sessions.update(ws, { relayId: frame.relayId, ami: frame.ami, capacity: frame.capacity, lastSeenAt: now });
    if (info === undefined) return;
    const journal = new Map(frame.inFlight.map((e) => [e.attemptId, e.fence]));
    for (const a of this.store.openAttemptsOfRelay(frame.relayId)) {
      if (journal.get(a.id) === a.fence) {
        // The relay still tracks it: it will reconcile with the PBX and report. Hand it to this session.
        this.store.advanceAttempt(a.id, a.status, { leaseUntil: null, sessionId: info.sessionId });
      } else if (a.status === 'offered' || a.status === 'accepted') {
        // Not in the journal, so never dialled (the relay journals before Originate): safe to offer again.
        this.abandon(a, 'the relay restarted before dialling', now, now);
      } else {
        this.finish(a, { outcome: 'failed', certainty: 'unknown', note: 'the relay lost track of this call; outcome unknown' }, now);
      }
    }
    for (const [attemptId, fence] of journal) {
      const a = this.store.attempt(attemptId);
      if (a !== undefined && (a.status === 'ended' || a.status === 'abandoned')) {
        this.sessions.send(ws, { type: 'result.ack', attemptId, fence });
      }
    }
  }

  heartbeat(ws: WebSocket, frame: Extract<RelayFrame, { type: 'heartbeat' }>, now: number): void {
    this.sessions.update(ws, { ami: frame.ami, lastSeenAt: now, ownCalls: frame.ownCalls ?? 0 });
  }

  accept(ws: WebSocket, frame: Extract<RelayFrame, { type: 'job.accept' }>, now: number): void {
    const { attemptId, fence } = frame;
    const a = this.held(ws, attemptId, fence);
    if (a?.status === 'offered' && a.cancel_requested === 0) {
      this.store.advanceAttempt(a.id, 'accepted', { acceptedAt: now, leaseUntil: null });
      this.store.addEvent(a.job_id, a.id, 'accepted', undefined, now);
      this.sessions.send(ws, { type: 'job.start', attemptId, fence });
    } else {
      // Too late (the offer lapsed or was cancelled) or not this session's: it must not dial.
      this.sessions.send(ws, { type: 'job.cancel', attemptId, fence });
    }
  }

  reject(ws: WebSocket, frame: Extract<RelayFrame, { type: 'job.reject' }>, now: number): void {
    const a = this.held(ws, frame.attemptId, frame.fence);
    if (a?.status === 'offered') this.abandon(a, `refused by the relay: ${frame.reason}`, now, now + REJECT_BACKOFF_MS);
  }

  progress(ws: WebSocket, frame: Extract<RelayFrame, { type: 'attempt.progress' }>, now: number): void {
    const { phase, at } = frame;
    const a = this.held(ws, frame.attemptId, frame.fence);
    if (a === undefined || a.status === 'offered') return;
    const fields = phase === 'originating' ? { originatedAt: at } : phase === 'answered' ? { answeredAt: at } : {};
    this.store.advanceAttempt(a.id, phase, { ...fields, leaseUntil: null });
    if (phase === 'originating') {
      this.store.countAttemptUsed(a.job_id);
      this.store.setJobStatus(a.job_id, 'running', now);
    }
    this.store.addEvent(a.job_id, a.id, phase, { at }, now);
  }

  result(ws: WebSocket, r: ResultFrame, now: number): void {
    const info = this.sessions.info(ws);
    const a = this.store.attempt(r.attemptId);
    const ack = (): void => void this.sessions.send(ws, { type: 'result.ack', attemptId: r.attemptId, fence: r.fence });
    if (a === undefined) return ack();
    if (info === undefined || a.fence !== r.fence || a.session_id !== info.sessionId) {
      this.store.addEvent(a.job_id, a.id, 'stale-result-ignored', { fence: r.fence, outcome: r.outcome }, now);
      return ack();
    }
    if (a.status === 'ended' || a.status === 'abandoned') return ack(); // a repeated report changes nothing
    if (a.status === 'offered' || a.status === 'accepted') {
      if (r.originatedAt === null) {
        // It ended before Originate (cancelled, or refused locally): it never rang, so it costs no attempt.
        if (a.cancel_requested === 1) this.finish(a, { outcome: 'cancelled', certainty: 'known', note: r.note }, now);
        else this.abandon(a, r.note ?? 'ended before dialling', now, now + REJECT_BACKOFF_MS);
        return ack();
      }
      this.store.countAttemptUsed(a.job_id);
    }
    this.finish(a, { ...r, outcome: a.cancel_requested === 1 && r.outcome !== 'answered' ? 'cancelled' : r.outcome }, now);
    ack();
  }

  /** Records an attempt's end and decides its job's next step (done, retry later, failed). */
  finish(a: AttemptRow, r: Partial<ResultFrame> & Pick<ResultFrame, 'outcome' | 'certainty'>, now: number): void {
    this.store.endAttempt(a.id, {
      status: 'ended', outcome: r.outcome, certainty: r.certainty, cause: r.cause ?? null, causeText: r.causeText ?? null,
      failedLeg: r.failedLeg ?? null, originatedAt: r.originatedAt ?? null, answeredAt: r.answeredAt ?? null,
      endedAt: r.endedAt ?? now, durationMs: r.durationMs ?? null, note: r.note ?? null,
    });
    this.store.addEvent(a.job_id, a.id, 'ended', { outcome: r.outcome, cause: r.cause ?? null }, now);
    const job = this.store.job(a.job_id);
    const settings = this.settings();
    if (job === undefined || settings === undefined) return;
    // An unknown outcome (no report) might have rung the customer: never retry it blindly.
    const step = r.certainty === 'unknown'
      ? { kind: 'failed' as const, reason: r.note ?? 'outcome unknown' }
      : nextStep({ outcome: r.outcome, attemptsUsed: job.attempts_used }, jobPolicy(job.request) ?? settings.retry, job.max_attempts, job.expires_at, now);
    if (step.kind === 'retry') this.store.requeueJob(job.id, step.runAt, now, `${r.outcome}; retrying`);
    else if (step.kind === 'failed') this.store.setJobStatus(job.id, 'failed', now, step.reason);
    else this.store.setJobStatus(job.id, step.kind, now);
  }

  /** The attempt never reached the PBX: close it and put its job back in line. */
  abandon(a: AttemptRow, note: string, now: number, runAt: number): void {
    this.store.endAttempt(a.id, {
      status: 'abandoned', outcome: null, certainty: null, cause: null, causeText: null, failedLeg: null,
      originatedAt: null, answeredAt: null, endedAt: now, durationMs: null, note,
    });
    this.store.addEvent(a.job_id, a.id, 'abandoned', { note }, now);
    const job = this.store.job(a.job_id);
    if (job !== undefined && (job.status === 'dispatched' || job.status === 'running')) this.store.requeueJob(job.id, runAt, now, null);
  }

  /** Leases that ran out: unanswered offers go back in line; silent started attempts fail. */
  expireLeases(now: number): void {
    for (const a of this.store.dueLeases(now)) {
      if (a.status === 'offered') this.abandon(a, 'the relay did not accept the offer in time', now, now);
      else this.finish(a, { outcome: 'failed', certainty: 'unknown', note: 'the relay did not come back to report; outcome unknown' }, now);
    }
  }

  /** Offers ready jobs to the active session, oldest first, up to the concurrency limit. */
  pump(now: number): void {
    this.store.expireDue(now);
    const settings = this.settings();
    const active = this.sessions.active();
    if (settings === undefined || active === undefined) return;
    const { ws, info } = active;
    const free = this.freeSlots();
    if (info.relayId === null || free <= 0) return;
    for (const job of this.store.readyJobs(now, free)) {
      const planned = callbackPlan(callbackRequest.parse(JSON.parse(job.request)), settings);
      if (!planned.ok) {
        this.store.setJobStatus(job.id, 'failed', now, planned.message);
        this.store.addEvent(job.id, null, 'refused', { reason: planned.message }, now);
        continue;
      }
      const attempt = {
        id: newId('att_'), job_id: job.id, number: this.store.lastAttemptNumber(job.id) + 1,
        fence: this.store.nextFence(), session_id: info.sessionId, relay_id: info.relayId,
        dispatched_at: now, lease_until: now + settings.offerTimeoutSec * 1000,
      };
      this.store.insertAttempt(attempt);
      this.store.setJobStatus(job.id, 'dispatched', now);
      this.store.addEvent(job.id, attempt.id, 'offered', { fence: attempt.fence }, now);
      this.sessions.send(ws, { type: 'job.offer', attemptId: attempt.id, fence: attempt.fence, jobId: job.id, attempt: attempt.number, plan: planned.plan });
    }
  }

  /** The attempt if this session holds it under this fence; frames about anything else are ignored. */
  private held(ws: WebSocket, attemptId: string, fence: number): AttemptRow | undefined {
    const info = this.sessions.info(ws);
    const a = this.store.attempt(attemptId);
    if (a === undefined || info === undefined || a.fence !== fence || a.session_id !== info.sessionId) {
      if (a !== undefined) this.store.addEvent(a.job_id, a.id, 'stale-frame-ignored', { fence }, Date.now());
      return undefined;
    }
    return a;
  }
}

/** The job's own retry policy, if its request carried one. */
function jobPolicy(request: string): RetryPolicy | undefined {
  return callbackRequest.parse(JSON.parse(request)).retry;
}
