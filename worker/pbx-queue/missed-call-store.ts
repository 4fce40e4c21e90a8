// All SQL of missed-call callbacks inside a PBX queue: one row per pending callback (a number, its
// count of merged missed calls, the job that will call back) and its end (called or cancelled).
// Only missed-call-desk.ts calls it. Invariant: parameterised statements only.
import { SqlRows } from './sql-rows.js';

export interface MissedCallRow {
  seq: number;
  id: string;
  number: string;
  /** The number in the form reports of it are matched by (E.164 when it normalises). */
  number_key: string;
  target: string | null;
  count: number;
  first_at: number;
  last_at: number;
  status: 'pending' | 'called' | 'cancelled';
  job_id: string | null;
  reason: string | null;
}


export class MissedCallStore {
  private readonly rows: SqlRows;

  constructor(sql: SqlStorage) {
    this.rows = new SqlRows(sql);
  }

  insert(r: Omit<MissedCallRow, 'seq'>): void {
    this.rows.run(
      'INSERT INTO missed_calls (id, number, number_key, target, count, first_at, last_at, status, job_id, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      r.id, r.number, r.number_key, r.target, r.count, r.first_at, r.last_at, r.status, r.job_id, r.reason,
    );
  }

  pendingFor(numberKey: string): MissedCallRow | undefined {
    return this.rows.all<MissedCallRow>(`SELECT * FROM missed_calls WHERE number_key = ? AND status = 'pending' ORDER BY seq DESC LIMIT 1`, numberKey)[0];
  }

  merge(id: string, at: number, target: string | null): void {
    this.rows.run('UPDATE missed_calls SET count = count + 1, last_at = MAX(last_at, ?), target = COALESCE(?, target) WHERE id = ?', at, target, id);
  }

  end(id: string, status: 'called' | 'cancelled', reason: string | null): void {
    this.rows.run('UPDATE missed_calls SET status = ?, reason = ? WHERE id = ?', status, reason, id);
  }

  byId(id: string): MissedCallRow | undefined {
    return this.rows.one<MissedCallRow>('SELECT * FROM missed_calls WHERE id = ?', id);
  }

  recent(limit: number): MissedCallRow[] {
    return this.rows.all<MissedCallRow>('SELECT * FROM missed_calls ORDER BY seq DESC LIMIT ?', limit);
  }
}
