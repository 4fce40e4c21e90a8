// All SQL of the website widget inside a PBX queue: widget keys, which jobs came from a widget (by a
// hash of the number, for deduplication), status tokens (hashes only) and rate-limit counters.
// Only widget-intake.ts calls it. Invariant: parameterised statements only; no raw IP is ever stored.
import { SqlRows } from './sql-rows.js';

export interface WidgetKeyRow {
  key: string;
  id: string;
  config: string;
  created_at: number;
}


export class WidgetStore {
  private readonly rows: SqlRows;

  constructor(sql: SqlStorage) {
    this.rows = new SqlRows(sql);
  }

  insertWidget(row: WidgetKeyRow): void {
    this.rows.run('INSERT INTO widget_keys (key, id, config, created_at) VALUES (?, ?, ?, ?)', row.key, row.id, row.config, row.created_at);
  }

  widget(key: string): WidgetKeyRow | undefined {
    return this.rows.one<WidgetKeyRow>('SELECT * FROM widget_keys WHERE key = ?', key);
  }

  widgetById(id: string): WidgetKeyRow | undefined {
    return this.rows.one<WidgetKeyRow>('SELECT * FROM widget_keys WHERE id = ?', id);
  }

  widgets(): WidgetKeyRow[] {
    return this.rows.all<WidgetKeyRow>('SELECT * FROM widget_keys ORDER BY created_at, id');
  }

  deleteWidget(id: string): boolean {
    return this.rows.run('DELETE FROM widget_keys WHERE id = ?', id) > 0;
  }

  /** The newest widget job for this number: a number gets a new one only once its last one is final. */
  latestJobFor(numberHash: string): string | undefined {
    return this.rows.one<{ job_id: string }>('SELECT job_id FROM widget_jobs WHERE number_hash = ? ORDER BY created_at DESC LIMIT 1', numberHash)?.job_id;
  }

  insertWidgetJob(jobId: string, widgetKey: string, numberHash: string, now: number): void {
    this.rows.run('INSERT INTO widget_jobs (job_id, widget_key, number_hash, created_at) VALUES (?, ?, ?, ?)', jobId, widgetKey, numberHash, now);
  }

  insertToken(tokenHash: string, jobId: string, widgetKey: string, now: number): void {
    this.rows.run('INSERT INTO widget_tokens (token_hash, job_id, widget_key, created_at) VALUES (?, ?, ?, ?)', tokenHash, jobId, widgetKey, now);
  }

  tokenTarget(tokenHash: string): { job_id: string; widget_key: string } | undefined {
    return this.rows.all<{ job_id: string; widget_key: string }>('SELECT job_id, widget_key FROM widget_tokens WHERE token_hash = ?', tokenHash)[0];
  }

  count(bucket: string, windowStart: number): number {
    return this.rows.all<{ count: number }>('SELECT count FROM widget_rate_counters WHERE bucket = ? AND window_start = ?', bucket, windowStart)[0]?.count ?? 0;
  }

  increment(bucket: string, windowStart: number): void {
    this.rows.run(
      `INSERT INTO widget_rate_counters (bucket, window_start, count) VALUES (?, ?, 1)
       ON CONFLICT (bucket, window_start) DO UPDATE SET count = count + 1`,
      bucket, windowStart,
    );
  }

  /** Forgets counters of windows that ended before `before`, so the table stays small. */
  pruneCounters(before: number): void {
    this.rows.run('DELETE FROM widget_rate_counters WHERE window_start < ?', before);
  }
}
