// The SQL of a PBX queue's core tables — meta (settings, fence, active session), api_keys, jobs,
// attempts and the job_events log — each operation one named function, with row types kept apart
// from the API's views. Called by the queue, its dispatcher and job desk, and by the outbox (which
// reads the event log). Invariant: no value from outside is ever interpolated into SQL text.
import { JOB_STATUSES, type AttemptStatus, type JobStatus } from '../../shared/jobs.js';
import type { Certainty, Outcome } from '../../shared/pbx.js';
import { SqlRows } from './sql-rows.js';

export interface JobRow {
  seq: number;
  id: string;
  type: string;
  status: JobStatus;
  request: string;
  idempotency_key: string | null;
  request_hash: string;
  requested_at: number;
  not_before: number | null;
  run_at: number;
  expires_at: number;
  attempts_used: number;
  max_attempts: number;
  last_error: string | null;
  updated_at: number;
  plan: string | null; // ready-made (campaign calls; its customer is judged again at dispatch); null: built from `request`
}

export interface AttemptRow {
  id: string;
  job_id: string;
  number: number;
  fence: number;
  status: AttemptStatus;
  session_id: string | null;
  relay_id: string | null;
  outcome: Outcome | null;
  certainty: Certainty | null;
  cause: number | null;
  cause_text: string | null;
  failed_leg: string | null;
  dispatched_at: number;
  accepted_at: number | null;
  originated_at: number | null;
  answered_at: number | null;
  ended_at: number | null;
  duration_ms: number | null;
  lease_until: number | null;
  cancel_requested: number;
  note: string | null;
}

/** Attempt states in which a call may exist on the PBX or is about to: they hold a concurrency slot. */
export const OPEN_ATTEMPT_STATUSES: ReadonlyArray<AttemptStatus> = ['offered', 'accepted', 'originating', 'ringing', 'answered'];
const OPEN_IN = `('offered','accepted','originating','ringing','answered')`;

/** A job_events row as the outbox reads it. */
export interface JobEventRow {
  seq: number;
  job_id: string;
  attempt_id: string | null;
  type: string;
  at: number;
  data: string | null; // the JSON the event was written with, if any
}

export class JobStore {
  private readonly rows: SqlRows;

  constructor(sql: SqlStorage) {
    this.rows = new SqlRows(sql);
  }

  getMeta(key: string): string | undefined {
    return this.rows.one<{ value: string }>('SELECT value FROM meta WHERE key = ?', key)?.value;
  }

  setMeta(key: string, value: string): void {
    this.rows.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', key, value);
  }

  insertApiKey(id: string, hash: string, label: string | null, now: number): void {
    this.rows.run('INSERT INTO api_keys (id, hash, label, created_at) VALUES (?, ?, ?, ?)', id, hash, label, now);
  }

  apiKeys(): Array<{ id: string; label: string | null; created_at: number }> {
    return this.rows.all('SELECT id, label, created_at FROM api_keys ORDER BY created_at, id');
  }

  deleteApiKey(id: string): boolean {
    return this.rows.run('DELETE FROM api_keys WHERE id = ?', id) > 0;
  }

  hasApiKey(hash: string): boolean {
    return this.rows.one('SELECT id FROM api_keys WHERE hash = ?', hash) !== undefined;
  }

  insertJob(job: Omit<JobRow, 'seq' | 'attempts_used' | 'last_error' | 'plan'> & { plan?: string }): void {
    this.rows.run(
      `INSERT INTO jobs (id, type, status, request, idempotency_key, request_hash, requested_at, not_before, run_at, expires_at, max_attempts, updated_at, plan) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      job.id, job.type, job.status, job.request, job.idempotency_key, job.request_hash, job.requested_at,
      job.not_before, job.run_at, job.expires_at, job.max_attempts, job.updated_at, job.plan ?? null,
    );
  }

  job(id: string): JobRow | undefined {
    return this.rows.one<JobRow>('SELECT * FROM jobs WHERE id = ?', id);
  }

  jobByIdempotencyKey(key: string): JobRow | undefined {
    return this.rows.one<JobRow>('SELECT * FROM jobs WHERE idempotency_key = ?', key);
  }

  listJobs(status: JobStatus | undefined, limit: number, afterSeq: number): JobRow[] {
    return status === undefined
      ? this.rows.all<JobRow>('SELECT * FROM jobs WHERE seq > ? ORDER BY seq LIMIT ?', afterSeq, limit)
      : this.rows.all<JobRow>('SELECT * FROM jobs WHERE status = ? AND seq > ? ORDER BY seq LIMIT ?', status, afterSeq, limit);
  }

  countJobs(status: JobStatus): number {
    return this.rows.one<{ n: number }>('SELECT COUNT(*) AS n FROM jobs WHERE status = ?', status)?.n ?? 0;
  }

  /** Jobs per state, every state present (0 when none): one COUNT over the status index. */
  countJobsByStatus(): Record<JobStatus, number> {
    const counts = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
    for (const r of this.rows.all<{ status: JobStatus; n: number }>('SELECT status, COUNT(*) AS n FROM jobs GROUP BY status')) counts[r.status] = r.n;
    return counts;
  }

  /** When the longest-waiting queued job became due (its run_at), or undefined: a job scheduled for later is not waiting. */
  oldestDueQueuedAt(now: number): number | undefined {
    return this.rows.one<{ t: number | null }>(`SELECT MIN(run_at) AS t FROM jobs WHERE status = 'queued' AND run_at <= ?`, now)?.t ?? undefined;
  }

  /** Queued jobs whose time has come, in order of arrival. */
  readyJobs(now: number, limit: number): JobRow[] {
    return this.rows.all<JobRow>(
      `SELECT * FROM jobs WHERE status = 'queued' AND run_at <= ? AND expires_at > ? ORDER BY seq LIMIT ?`,
      now, now, limit,
    );
  }

  setJobStatus(id: string, status: JobStatus, now: number, lastError: string | null = null): void {
    this.rows.run('UPDATE jobs SET status = ?, last_error = COALESCE(?, last_error), updated_at = ? WHERE id = ?', status, lastError, now, id);
  }

  requeueJob(id: string, runAt: number, now: number, lastError: string | null): void {
    this.rows.run(
      `UPDATE jobs SET status = 'queued', run_at = ?, last_error = COALESCE(?, last_error), updated_at = ? WHERE id = ?`,
      runAt, lastError, now, id,
    );
  }

  countAttemptUsed(id: string): void {
    this.rows.run('UPDATE jobs SET attempts_used = attempts_used + 1 WHERE id = ?', id);
  }

  /** Queued jobs past their expiry become `expired`; returns their ids. */
  expireDue(now: number): string[] {
    const rows = this.rows.all<{ id: string }>(`SELECT id FROM jobs WHERE status = 'queued' AND expires_at <= ?`, now);
    if (rows.length > 0) {
      this.rows.run(`UPDATE jobs SET status = 'expired', last_error = 'expired before it could connect', updated_at = ? WHERE status = 'queued' AND expires_at <= ?`, now, now);
      // Logged like every other transition, so status callbacks (outbox.ts) report expiry too.
      for (const r of rows) this.addEvent(r.id, null, 'expired', undefined, now);
    }
    return rows.map((r) => r.id);
  }

  nextFence(): number {
    const fence = Number(this.getMeta('fence') ?? '0') + 1;
    this.setMeta('fence', String(fence));
    return fence;
  }

  insertAttempt(a: Pick<AttemptRow, 'id' | 'job_id' | 'number' | 'fence' | 'session_id' | 'relay_id' | 'dispatched_at' | 'lease_until'>): void {
    this.rows.run(
      `INSERT INTO attempts (id, job_id, number, fence, status, session_id, relay_id, dispatched_at, lease_until) VALUES (?, ?, ?, ?, 'offered', ?, ?, ?, ?)`,
      a.id, a.job_id, a.number, a.fence, a.session_id, a.relay_id, a.dispatched_at, a.lease_until,
    );
  }

  attempt(id: string): AttemptRow | undefined {
    return this.rows.one<AttemptRow>('SELECT * FROM attempts WHERE id = ?', id);
  }

  attemptsOf(jobId: string): AttemptRow[] {
    return this.rows.all<AttemptRow>('SELECT * FROM attempts WHERE job_id = ? ORDER BY number', jobId);
  }

  lastAttemptNumber(jobId: string): number {
    return this.rows.one<{ n: number | null }>('SELECT MAX(number) AS n FROM attempts WHERE job_id = ?', jobId)?.n ?? 0;
  }

  openAttempts(): AttemptRow[] {
    return this.rows.all<AttemptRow>(`SELECT * FROM attempts WHERE status IN ${OPEN_IN} ORDER BY dispatched_at`);
  }

  /** Open attempts that a relay (by its stable id) holds or held, whatever session it used. */
  openAttemptsOfRelay(relayId: string): AttemptRow[] {
    return this.rows.all<AttemptRow>(`SELECT * FROM attempts WHERE relay_id = ? AND status IN ${OPEN_IN}`, relayId);
  }

  dueLeases(now: number): AttemptRow[] {
    return this.rows.all<AttemptRow>(`SELECT * FROM attempts WHERE lease_until IS NOT NULL AND lease_until <= ? AND status IN ${OPEN_IN}`, now);
  }

  openAttemptOf(jobId: string): AttemptRow | undefined {
    return this.rows.one<AttemptRow>(`SELECT * FROM attempts WHERE job_id = ? AND status IN ${OPEN_IN}`, jobId);
  }

  countOpenAttempts(): number {
    return this.rows.one<{ n: number }>(`SELECT COUNT(*) AS n FROM attempts WHERE status IN ${OPEN_IN}`)?.n ?? 0;
  }

  /** Moves an attempt forward; timestamps only fill in once (a repeated frame changes nothing). */
  advanceAttempt(id: string, status: AttemptStatus, fields: { acceptedAt?: number; originatedAt?: number; answeredAt?: number; leaseUntil?: number | null; sessionId?: string }): void {
    this.rows.run(
      `UPDATE attempts SET status = ?,
         accepted_at = COALESCE(accepted_at, ?), originated_at = COALESCE(originated_at, ?), answered_at = COALESCE(answered_at, ?),
         lease_until = ?, session_id = COALESCE(?, session_id)
       WHERE id = ?`,
      status, fields.acceptedAt ?? null, fields.originatedAt ?? null, fields.answeredAt ?? null,
      fields.leaseUntil ?? null, fields.sessionId ?? null, id,
    );
  }

  endAttempt(id: string, r: { status: 'ended' | 'abandoned'; outcome: Outcome | null; certainty: Certainty | null; cause: number | null; causeText: string | null; failedLeg: string | null; originatedAt: number | null; answeredAt: number | null; endedAt: number; durationMs: number | null; note: string | null }): void {
    this.rows.run(
      `UPDATE attempts SET status = ?, outcome = ?, certainty = ?, cause = ?, cause_text = ?, failed_leg = ?,
         originated_at = COALESCE(originated_at, ?), answered_at = COALESCE(answered_at, ?), ended_at = ?, duration_ms = ?,
         note = ?, lease_until = NULL
       WHERE id = ?`,
      r.status, r.outcome, r.certainty, r.cause, r.causeText, r.failedLeg, r.originatedAt, r.answeredAt, r.endedAt, r.durationMs, r.note, id,
    );
  }

  requestCancel(attemptId: string): void {
    this.rows.run('UPDATE attempts SET cancel_requested = 1 WHERE id = ?', attemptId);
  }

  addEvent(jobId: string, attemptId: string | null, type: string, data: unknown, now: number): void {
    this.rows.run(
      'INSERT INTO job_events (job_id, attempt_id, type, data, at) VALUES (?, ?, ?, ?, ?)',
      jobId, attemptId, type, data === undefined ? null : JSON.stringify(data), now,
    );
  }

  /** Job events after `afterSeq` of the given types, oldest first: the outbox's input. */
  eventsAfter(afterSeq: number, types: ReadonlyArray<string>, limit: number): JobEventRow[] {
    const marks = types.map(() => '?').join(',');
    return this.rows.all<JobEventRow>(
      `SELECT seq, job_id, attempt_id, type, at, data FROM job_events WHERE seq > ? AND type IN (${marks}) ORDER BY seq LIMIT ?`,
      afterSeq, ...types, limit,
    );
  }

  /** Jobs with events after `afterSeq`, the most recently changed last: what an open dashboard must redraw. */
  jobsChangedAfter(afterSeq: number, limit: number): string[] {
    return this.rows
      .all<{ job_id: string }>('SELECT job_id, MAX(seq) AS last FROM job_events WHERE seq > ? GROUP BY job_id ORDER BY last LIMIT ?', afterSeq, limit)
      .map((r) => r.job_id);
  }

  lastEventSeq(): number {
    return this.rows.one<{ n: number | null }>('SELECT MAX(seq) AS n FROM job_events')?.n ?? 0;
  }

  /**
   * Whether a job could have anything to deliver: its own statusCallbackUrl or Bitrix24 metadata.
   * Read straight from the stored JSON so the outbox skips building views for jobs nobody watches.
   */
  wantsDeliveries(jobId: string): boolean {
    const row = this.rows.one<{ url: string | null; source: string | null }>(
      "SELECT json_extract(request, '$.statusCallbackUrl') AS url, json_extract(request, '$.metadata.source') AS source FROM jobs WHERE id = ?",
      jobId,
    );
    return row !== undefined && (row.url !== null || row.source === 'bitrix24');
  }

  eventsOf(jobId: string): Array<{ type: string; attempt_id: string | null; data: string | null; at: number }> {
    return this.rows.all('SELECT type, attempt_id, data, at FROM job_events WHERE job_id = ? ORDER BY seq', jobId);
  }

  /**
   * The earliest future instant at which timed work is due: a queued job's `notBefore`/retry time or
   * expiry, or an attempt's lease. Jobs ready now are not timed work: they wait for a relay or a free
   * slot, which arrive as frames, so they must not make the alarm spin.
   */
  nextWake(now: number): number | undefined {
    const row = this.rows.one<{ t: number | null }>(
      `SELECT MIN(t) AS t FROM (
         SELECT MIN(run_at) AS t FROM jobs WHERE status = 'queued' AND run_at > ?
         UNION ALL SELECT MIN(expires_at) FROM jobs WHERE status = 'queued'
         UNION ALL SELECT MIN(lease_until) FROM attempts WHERE lease_until IS NOT NULL AND status IN ${OPEN_IN})`,
      now,
    );
    return row?.t ?? undefined;
  }
}
