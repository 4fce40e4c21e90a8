// All SQL of the website widget inside a PBX queue: widget keys, which jobs came from a widget (by a
// hash of the number, for deduplication), status tokens (hashes only) and rate-limit counters.
// Only widget-intake.ts calls it. Invariant: parameterised statements only; no raw IP is ever stored.
import { FINAL_STATUSES, JOB_STATUSES } from '../../shared/jobs.js';

export interface WidgetKeyRow {
  key: string;
  id: string;
  config: string;
  created_at: number;
}

type Row = Record<string, SqlStorageValue>;
const PENDING_IN = `(${JOB_STATUSES.filter((s) => !FINAL_STATUSES.has(s)).map((s) => `'${s}'`).join(',')})`;

export class WidgetStore {
  constructor(private readonly sql: SqlStorage) {}

  insertWidget(row: WidgetKeyRow): void {
    this.sql.exec('INSERT INTO widget_keys (key, id, config, created_at) VALUES (?, ?, ?, ?)', row.key, row.id, row.config, row.created_at);
  }

  widget(key: string): WidgetKeyRow | undefined {
    return this.all<WidgetKeyRow>('SELECT * FROM widget_keys WHERE key = ?', key)[0];
  }

  widgetById(id: string): WidgetKeyRow | undefined {
    return this.all<WidgetKeyRow>('SELECT * FROM widget_keys WHERE id = ?', id)[0];
  }

  widgets(): WidgetKeyRow[] {
    return this.all<WidgetKeyRow>('SELECT * FROM widget_keys ORDER BY created_at, id');
  }

  deleteWidget(id: string): boolean {
    return this.sql.exec('DELETE FROM widget_keys WHERE id = ?', id).rowsWritten > 0;
  }

  /** A widget job for this number that has not reached a final status, if any. */
  pendingJobFor(numberHash: string): string | undefined {
    return this.all<{ job_id: string }>(
      `SELECT w.job_id FROM widget_jobs w JOIN jobs j ON j.id = w.job_id
       WHERE w.number_hash = ? AND j.status IN ${PENDING_IN} ORDER BY w.created_at DESC LIMIT 1`,
      numberHash,
    )[0]?.job_id;
  }

  insertWidgetJob(jobId: string, widgetKey: string, numberHash: string, now: number): void {
    this.sql.exec('INSERT INTO widget_jobs (job_id, widget_key, number_hash, created_at) VALUES (?, ?, ?, ?)', jobId, widgetKey, numberHash, now);
  }

  insertToken(tokenHash: string, jobId: string, widgetKey: string, now: number): void {
    this.sql.exec('INSERT INTO widget_tokens (token_hash, job_id, widget_key, created_at) VALUES (?, ?, ?, ?)', tokenHash, jobId, widgetKey, now);
  }

  tokenTarget(tokenHash: string): { job_id: string; widget_key: string } | undefined {
    return this.all<{ job_id: string; widget_key: string }>('SELECT job_id, widget_key FROM widget_tokens WHERE token_hash = ?', tokenHash)[0];
  }

  count(bucket: string, windowStart: number): number {
    return this.all<{ count: number }>('SELECT count FROM widget_rate_counters WHERE bucket = ? AND window_start = ?', bucket, windowStart)[0]?.count ?? 0;
  }

  increment(bucket: string, windowStart: number): void {
    this.sql.exec(
      `INSERT INTO widget_rate_counters (bucket, window_start, count) VALUES (?, ?, 1)
       ON CONFLICT (bucket, window_start) DO UPDATE SET count = count + 1`,
      bucket, windowStart,
    );
  }

  /** Forgets counters of windows that ended before `before`, so the table stays small. */
  pruneCounters(before: number): void {
    this.sql.exec('DELETE FROM widget_rate_counters WHERE window_start < ?', before);
  }

  private all<T extends object>(query: string, ...params: SqlStorageValue[]): T[] {
    // Rows come back as plain records of SQL values; the tables' columns are exactly the row types.
    return this.sql.exec<Row>(query, ...params).toArray() as unknown as T[];
  }
}
