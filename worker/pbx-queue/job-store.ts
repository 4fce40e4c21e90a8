// All SQL of a PBX queue: each operation is one named function over parameterised statements, with
// row types kept apart from the API's views. Only the queue (pbx-queue.ts, dispatcher.ts) calls it.
// Invariant: no value from outside is ever interpolated into SQL text.
import type { AttemptStatus, JobStatus } from '../../shared/jobs.js';
import type { Outcome } from '../../shared/pbx.js';

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

type Row = Record<string, SqlStorageValue>;

export class JobStore {
  constructor(private readonly sql: SqlStorage) {}

  getMeta(key: string): string | undefined {
    return this.one<{ value: string }>('SELECT value FROM meta WHERE key = ?', key)?.value;
  }

  setMeta(key: string, value: string): void {
    this.sql.exec('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', key, value);
  }

  insertApiKey(id: string, hash: string, label: string | null, now: number): void {
    this.sql.exec('INSERT INTO api_keys (id, hash, label, created_at) VALUES (?, ?, ?, ?)', id, hash, label, now);
  }

  apiKeys(): Array<{ id: string; label: string | null; created_at: number }> {
    return this.all('SELECT id, label, created_at FROM api_keys ORDER BY created_at, id');
  }

  deleteApiKey(id: string): boolean {
    const cursor = this.sql.exec('DELETE FROM api_keys WHERE id = ?', id);
    cursor.toArray();
    return cursor.rowsWritten > 0;
  }

  hasApiKey(hash: string): boolean {
    return this.one('SELECT id FROM api_keys WHERE hash = ?', hash) !== undefined;
  }

  insertJob(job: Omit<JobRow, 'seq' | 'attempts_used' | 'last_error'>): void {
    this.sql.exec(
      `INSERT INTO jobs (id, type, status, request, idempotency_key, request_hash, requested_at, not_before, run_at, expires_at, max_attempts, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      job.id, job.type, job.status, job.request, job.idempotency_key, job.request_hash, job.requested_at,
      job.not_before, job.run_at, job.expires_at, job.max_attempts, job.updated_at,
    );
  }

  job(id: string): JobRow | undefined {
    return this.one<JobRow>('SELECT * FROM jobs WHERE id = ?', id);
  }

  jobByIdempotencyKey(key: string): JobRow | undefined {
    return this.one<JobRow>('SELECT * FROM jobs WHERE idempotency_key = ?', key);
  }

  listJobs(status: JobStatus | undefined, limit: number, afterSeq: number): JobRow[] {
    return status === undefined
      ? this.all<JobRow>('SELECT * FROM jobs WHERE seq > ? ORDER BY seq LIMIT ?', afterSeq, limit)
      : this.all<JobRow>('SELECT * FROM jobs WHERE status = ? AND seq > ? ORDER BY seq LIMIT ?', status, afterSeq, limit);
  }

  /** Queued jobs whose time has come, in order of arrival. */
  readyJobs(now: number, limit: number): JobRow[] {
    return this.all<JobRow>(
      `SELECT * FROM jobs WHERE status = 'queued' AND run_at <= ? AND expires_at > ? ORDER BY seq LIMIT ?`,
      now, now, limit,
    );
  }

  setJobStatus(id: string, status: JobStatus, now: number, lastError: string | null = null): void {
    this.sql.exec('UPDATE jobs SET status = ?, last_error = COALESCE(?, last_error), updated_at = ? WHERE id = ?', status, lastError, now, id);
  }

  requeueJob(id: string, runAt: number, now: number, lastError: string | null): void {
    this.sql.exec(
      `UPDATE jobs SET status = 'queued', run_at = ?, last_error = COALESCE(?, last_error), updated_at = ? WHERE id = ?`,
      runAt, lastError, now, id,
    );
  }

  countAttemptUsed(id: string): void {
    this.sql.exec('UPDATE jobs SET attempts_used = attempts_used + 1 WHERE id = ?', id);
  }

  /** Queued jobs past their expiry become `expired`; returns their ids. */
  expireDue(now: number): string[] {
    const rows = this.all<{ id: string }>(`SELECT id FROM jobs WHERE status = 'queued' AND expires_at <= ?`, now);
    if (rows.length > 0) {
      this.sql.exec(`UPDATE jobs SET status = 'expired', last_error = 'expired before it could connect', updated_at = ? WHERE status = 'queued' AND expires_at <= ?`, now, now);
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
    this.sql.exec(
      `INSERT INTO attempts (id, job_id, number, fence, status, session_id, relay_id, dispatched_at, lease_until) VALUES (?, ?, ?, ?, 'offered', ?, ?, ?, ?)`,
      a.id, a.job_id, a.number, a.fence, a.session_id, a.relay_id, a.dispatched_at, a.lease_until,
    );
  }

  attempt(id: string): AttemptRow | undefined {
    return this.one<AttemptRow>('SELECT * FROM attempts WHERE id = ?', id);
  }

  attemptsOf(jobId: string): AttemptRow[] {
    return this.all<AttemptRow>('SELECT * FROM attempts WHERE job_id = ? ORDER BY number', jobId);
  }

  lastAttemptNumber(jobId: string): number {
    return this.one<{ n: number | null }>('SELECT MAX(number) AS n FROM attempts WHERE job_id = ?', jobId)?.n ?? 0;
  }

  openAttempts(): AttemptRow[] {
    return this.all<AttemptRow>(`SELECT * FROM attempts WHERE status IN ${OPEN_IN} ORDER BY dispatched_at`);
  }

  /** Open attempts that a relay (by its stable id) holds or held, whatever session it used. */
  openAttemptsOfRelay(relayId: string): AttemptRow[] {
    return this.all<AttemptRow>(`SELECT * FROM attempts WHERE relay_id = ? AND status IN ${OPEN_IN}`, relayId);
  }

  dueLeases(now: number): AttemptRow[] {
    return this.all<AttemptRow>(`SELECT * FROM attempts WHERE lease_until IS NOT NULL AND lease_until <= ? AND status IN ${OPEN_IN}`, now);
  }

  openAttemptOf(jobId: string): AttemptRow | undefined {
    return this.one<AttemptRow>(`SELECT * FROM attempts WHERE job_id = ? AND status IN ${OPEN_IN}`, jobId);
  }

  countOpenAttempts(): number {
    return this.one<{ n: number }>(`SELECT COUNT(*) AS n FROM attempts WHERE status IN ${OPEN_IN}`)?.n ?? 0;
  }

  /** Moves an attempt forward; timestamps only fill in once (a repeated frame changes nothing). */
  advanceAttempt(id: string, status: AttemptStatus, fields: { acceptedAt?: number; originatedAt?: number; answeredAt?: number; leaseUntil?: number | null; sessionId?: string }): void {
    this.sql.exec(
      `UPDATE attempts SET status = ?,
         accepted_at = COALESCE(accepted_at, ?), originated_at = COALESCE(originated_at, ?), answered_at = COALESCE(answered_at, ?),
         lease_until = ?, session_id = COALESCE(?, session_id)
       WHERE id = ?`,
      status, fields.acceptedAt ?? null, fields.originatedAt ?? null, fields.answeredAt ?? null,
      fields.leaseUntil ?? null, fields.sessionId ?? null, id,
    );
  }

  endAttempt(id: string, r: { status: 'ended' | 'abandoned'; outcome: Outcome | null; cause: number | null; causeText: string | null; failedLeg: string | null; originatedAt: number | null; answeredAt: number | null; endedAt: number; durationMs: number | null; note: string | null }): void {
    this.sql.exec(
      `UPDATE attempts SET status = ?, outcome = ?, cause = ?, cause_text = ?, failed_leg = ?,
         originated_at = COALESCE(originated_at, ?), answered_at = COALESCE(answered_at, ?), ended_at = ?, duration_ms = ?,
         note = ?, lease_until = NULL
       WHERE id = ?`,
      r.status, r.outcome, r.cause, r.causeText, r.failedLeg, r.originatedAt, r.answeredAt, r.endedAt, r.durationMs, r.note, id,
    );
  }

  requestCancel(attemptId: string): void {
    this.sql.exec('UPDATE attempts SET cancel_requested = 1 WHERE id = ?', attemptId);
  }

  addEvent(jobId: string, attemptId: string | null, type: string, data: unknown, now: number): void {
    this.sql.exec(
      'INSERT INTO job_events (job_id, attempt_id, type, data, at) VALUES (?, ?, ?, ?, ?)',
      jobId, attemptId, type, data === undefined ? null : JSON.stringify(data), now,
    );
  }

  eventsOf(jobId: string): Array<{ type: string; attempt_id: string | null; data: string | null; at: number }> {
    return this.all('SELECT type, attempt_id, data, at FROM job_events WHERE job_id = ? ORDER BY seq', jobId);
  }

  /**
   * The earliest future instant at which timed work is due: a queued job's `notBefore`/retry time or
   * expiry, or an attempt's lease. Jobs ready now are not timed work: they wait for a relay or a free
   * slot, which arrive as frames, so they must not make the alarm spin.
   */
  nextWake(now: number): number | undefined {
    const row = this.one<{ t: number | null }>(
      `SELECT MIN(t) AS t FROM (
         SELECT MIN(run_at) AS t FROM jobs WHERE status = 'queued' AND run_at > ?
         UNION ALL SELECT MIN(expires_at) FROM jobs WHERE status = 'queued'
         UNION ALL SELECT MIN(lease_until) FROM attempts WHERE lease_until IS NOT NULL AND status IN ${OPEN_IN})`,
      now,
    );
    return row?.t ?? undefined;
  }

  private one<T extends object>(query: string, ...params: SqlStorageValue[]): T | undefined {
    return this.all<T>(query, ...params)[0];
  }

  private all<T extends object>(query: string, ...params: SqlStorageValue[]): T[] {
    // Rows come back as plain records of SQL values; the tables' columns are exactly the row types.
    return this.sql.exec<Row>(query, ...params).toArray() as unknown as T[];
  }
}
