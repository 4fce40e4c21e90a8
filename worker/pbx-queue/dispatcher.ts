// Moves a PBX's jobs through their attempts: offers ready jobs to the active relay session within
// the concurrency limit, applies the relay's attempt frames (progress batched in heartbeats, reject,
// result) under fencing, and handles leases that run out. Called by the Durable Object's frame
// routes, its close handler and its alarm.
// Invariant (protocol 2, see shared/relay-protocol.ts): an offer authorises the dial, so an offered
// attempt may have been dialled and is never re-offered on a guess; only the relay's word (a refusal,
// a result that says it never reached Originate, or its journal in `hello`) can free it, or the
// reconcile timeout fails it with certainty `unknown`.
import { callbackRequest, type AttemptStatus } from '../../shared/jobs.js';
import type { PbxSettings, RetryPolicy } from '../../shared/pbx.js';
import { jobPlan, type AttemptProgress, type CallbackPlan, type RelayFrame } from '../../shared/relay-protocol.js';
import { newId } from '../auth/tokens.js';
import { callbackPlan } from './call-plan.js';
import type { AttemptRow, JobStore } from './job-store.js';
import type { RelaySessions, SessionInfo } from './relay-sessions.js';
import { nextStep } from './retry.js';

/** Pause before re-offering a job the relay refused, so a refusing relay is not hammered. */
const REJECT_BACKOFF_MS = 2_000;

type ResultFrame = Extract<RelayFrame, { type: 'attempt.result' }>;
type HeartbeatFrame = Extract<RelayFrame, { type: 'heartbeat' }>;

/** How far along an attempt is; progress only moves it forward. */
const PHASE_RANK: Record<AttemptStatus, number> = { offered: 0, accepted: 0, originating: 1, ringing: 2, answered: 3, ended: 9, abandoned: 9 };

/** Offered (`accepted` is protocol 1's, left in old rows) and not yet acknowledged: the relay has not said it dialled. */
const isUnacknowledged = (a: AttemptRow): boolean => a.status === 'offered' || a.status === 'accepted';

export class Dispatcher {
  constructor(
    private readonly store: JobStore,
    private readonly sessions: RelaySessions,
    private readonly settings: () => PbxSettings | undefined,
    /** Free call slots (call-slots.ts), shared with conference member dials. */
    private readonly freeSlots: () => number,
  ) {}

  /**
   * A session went away (closed, errored, displaced or distrusted): whatever it was offered may be
   * journalled and dialling, so every open attempt it holds waits for that relay's word (its results,
   * or its journal in the next hello) until the reconcile timeout.
   */
  release(session: SessionInfo, now: number): void {
    const until = now + this.reconcileMs();
    for (const a of this.store.openAttempts()) {
      if (a.session_id === session.sessionId) this.store.advanceAttempt(a.id, a.status, { leaseUntil: until });
    }
  }

  /** Attempts held by sessions that vanished without a close (a Worker restart drops every socket) get the same wait. */
  releaseOrphans(now: number): void {
    const until = now + this.reconcileMs();
    for (const a of this.store.openAttempts()) {
      if (a.lease_until === null && (a.session_id === null || this.sessions.socketOf(a.session_id) === undefined)) {
        this.store.advanceAttempt(a.id, a.status, { leaseUntil: until });
      }
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
      } else if (isUnacknowledged(a)) {
        // Not in the journal, so never dialled (the relay journals before Originate): safe to offer again.
        this.neverDialled(a, 'the relay did not journal the offer (it restarted or the offer never reached it)', now, now);
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

  /** The AMI state (active session only) and the progress batched since the last heartbeat, each under its fence. */
  heartbeat(ws: WebSocket, frame: HeartbeatFrame, now: number): void {
    if (this.sessions.isActive(ws)) this.sessions.update(ws, { ami: frame.ami, lastSeenAt: now, ownCalls: frame.ownCalls ?? 0 });
    for (const p of frame.progress ?? []) this.progress(ws, p, now);
  }

  reject(ws: WebSocket, frame: Extract<RelayFrame, { type: 'job.reject' }>, now: number): void {
    const a = this.held(ws, frame.attemptId, frame.fence);
    if (a !== undefined && isUnacknowledged(a)) this.neverDialled(a, `refused by the relay: ${frame.reason}`, now, now + REJECT_BACKOFF_MS);
  }

  private progress(ws: WebSocket, p: AttemptProgress, now: number): void {
    const a = this.held(ws, p.attemptId, p.fence);
    // A repeated or late entry (the result came first) changes nothing.
    if (a === undefined || PHASE_RANK[p.phase] <= PHASE_RANK[a.status]) return;
    const fields = p.phase === 'originating' ? { originatedAt: p.at } : p.phase === 'answered' ? { answeredAt: p.at } : {};
    // A displaced session's attempts keep the reconcile lease release() gave them: it may die before reporting.
    const leaseUntil = this.sessions.isActive(ws) ? null : a.lease_until;
    this.store.advanceAttempt(a.id, p.phase, { ...fields, leaseUntil });
    if (isUnacknowledged(a)) {
      this.store.countAttemptUsed(a.job_id);
      this.store.setJobStatus(a.job_id, 'running', now);
    }
    this.store.addEvent(a.job_id, a.id, p.phase, { at: p.at }, now);
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
    if (isUnacknowledged(a)) {
      if (r.originatedAt === null) {
        // It ended before Originate (cancelled, or refused locally): it never rang, so it costs no attempt.
        this.neverDialled(a, r.note ?? 'ended before dialling', now, now + REJECT_BACKOFF_MS);
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

  /**
   * Leases that ran out. An offer the active session left unacknowledged: that session is no longer
   * trusted and is closed, so the relay's next hello settles it. Anything else: its relay did not come
   * back within the reconcile timeout, and it may have rung: failed as unknown, never retried.
   */
  expireLeases(now: number): void {
    for (const a of this.store.dueLeases(now)) {
      const ws = isUnacknowledged(a) && a.session_id !== null ? this.sessions.socketOf(a.session_id) : undefined;
      if (ws !== undefined && this.sessions.isActive(ws)) this.distrust(ws, a, now);
      else this.finish(a, { outcome: 'failed', certainty: 'unknown', note: 'the relay did not come back to report; outcome unknown' }, now);
    }
  }

  /** The cancel of an attempt that was never dialled, or its return to the line. */
  private neverDialled(a: AttemptRow, note: string, now: number, runAt: number): void {
    if (a.cancel_requested === 1) this.finish(a, { outcome: 'cancelled', certainty: 'known', note }, now);
    else this.abandon(a, note, now, runAt);
  }

  private distrust(ws: WebSocket, a: AttemptRow, now: number): void {
    const info = this.sessions.info(ws);
    this.store.addEvent(a.job_id, a.id, 'offer-unacknowledged', { fence: a.fence }, now);
    this.sessions.clearActive(ws);
    if (info !== undefined) this.release(info, now);
    ws.close(4008, 'an offer was not acknowledged in time; say hello again');
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
      // Judged again under today's rules: a number allowed when the job was made may not be any more.
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
      this.sessions.send(ws, { type: 'job.offer', attemptId: attempt.id, fence: attempt.fence, sessionId: info.sessionId, jobId: job.id, attempt: attempt.number, plan: offeredPlan(job.plan, planned.plan) });
    }
  }

  private reconcileMs(): number {
    return (this.settings()?.reconcileTimeoutSec ?? 300) * 1000;
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

/**
 * A campaign job carries its plan ready-made (caller ID from the pool, a dialplan destination's
 * context); its customer is still today's judged dial string, so every dial goes through the judge.
 */
function offeredPlan(stored: string | null, judged: CallbackPlan): CallbackPlan {
  return stored === null ? judged : { ...jobPlan.parse(JSON.parse(stored)), customer: judged.customer };
}
