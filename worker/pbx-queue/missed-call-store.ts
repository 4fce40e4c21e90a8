// All SQL of missed-call callbacks inside a PBX queue: one row per pending callback (a number, its
// count of merged missed calls, the job that will call back) and its end (called or cancelled).
// Only missed-call-desk.ts calls it. Invariant: parameterised statements only.
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

type Row = Record<string, SqlStorageValue>;

export class MissedCallStore {
  constructor(private readonly sql: SqlStorage) {}

  insert(r: Omit<MissedCallRow, 'seq'>): void {
    this.sql.exec(
      'INSERT INTO missed_calls (id, number, number_key, target, count, first_at, last_at, status, job_id, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      r.id, r.number, r.number_key, r.target, r.count, r.first_at, r.last_at, r.status, r.job_id, r.reason,
    );
  }

  pendingFor(numberKey: string): MissedCallRow | undefined {
    return this.all<MissedCallRow>(`SELECT * FROM missed_calls WHERE number_key = ? AND status = 'pending' ORDER BY seq DESC LIMIT 1`, numberKey)[0];
  }

  merge(id: string, at: number, target: string | null): void {
    this.sql.exec('UPDATE missed_calls SET count = count + 1, last_at = MAX(last_at, ?), target = COALESCE(?, target) WHERE id = ?', at, target, id);
  }

  end(id: string, status: 'called' | 'cancelled', reason: string | null): void {
    this.sql.exec('UPDATE missed_calls SET status = ?, reason = ? WHERE id = ?', status, reason, id);
  }

  byId(id: string): MissedCallRow | undefined {
    return this.all<MissedCallRow>('SELECT * FROM missed_calls WHERE id = ?', id)[0];
  }

  recent(limit: number): MissedCallRow[] {
    return this.all<MissedCallRow>('SELECT * FROM missed_calls ORDER BY seq DESC LIMIT ?', limit);
  }

  private all<T extends object>(query: string, ...params: SqlStorageValue[]): T[] {
    // Rows come back as plain records of SQL values; the table's columns are exactly the row type.
    return this.sql.exec<Row>(query, ...params).toArray() as unknown as T[];
  }
}
