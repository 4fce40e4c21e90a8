// The SQL of one organisation's directory: its plan, API key hashes, which PBX holds each job created
// through the org, and the last known state of every site's extensions. Parameterised statements only.
import type { Presence } from '../../shared/orgs.js';
import { SqlRows } from '../pbx-queue/sql-rows.js';

export interface PresenceRow {
  pbx: string;
  exten: string;
  state: Presence;
  at: number;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS api_keys (id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, label TEXT, created_at INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS job_index (job_id TEXT PRIMARY KEY, pbx TEXT NOT NULL, created_at INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS presence (pbx TEXT NOT NULL, exten TEXT NOT NULL, state TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (pbx, exten));
  CREATE TABLE IF NOT EXISTS sites_up (pbx TEXT PRIMARY KEY);`;

export class OrgStore {
  private readonly rows: SqlRows;

  constructor(sql: SqlStorage) {
    sql.exec(SCHEMA);
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

  hasApiKey(hash: string): boolean {
    return this.rows.one('SELECT 1 AS x FROM api_keys WHERE hash = ?', hash) !== undefined;
  }

  recordJob(jobId: string, pbx: string, now: number): void {
    this.rows.run('INSERT OR IGNORE INTO job_index (job_id, pbx, created_at) VALUES (?, ?, ?)', jobId, pbx, now);
  }

  pbxOfJob(jobId: string): string | undefined {
    return this.rows.one<{ pbx: string }>('SELECT pbx FROM job_index WHERE job_id = ?', jobId)?.pbx;
  }

  /** Replaces (full) or updates a site's extension states. */
  savePresence(pbx: string, full: boolean, states: ReadonlyArray<{ exten: string; state: Presence }>, now: number): void {
    if (full) this.rows.run('DELETE FROM presence WHERE pbx = ?', pbx);
    for (const s of states) {
      this.rows.run('INSERT INTO presence (pbx, exten, state, at) VALUES (?, ?, ?, ?) ON CONFLICT (pbx, exten) DO UPDATE SET state = excluded.state, at = excluded.at', pbx, s.exten, s.state, now);
    }
  }

  presence(pbx?: string): PresenceRow[] {
    return pbx === undefined
      ? this.rows.all<PresenceRow>('SELECT pbx, exten, state, at FROM presence ORDER BY pbx, exten')
      : this.rows.all<PresenceRow>('SELECT pbx, exten, state, at FROM presence WHERE pbx = ? ORDER BY exten', pbx);
  }

  setUp(pbx: string, up: boolean): void {
    if (up) this.rows.run('INSERT OR IGNORE INTO sites_up (pbx) VALUES (?)', pbx);
    else this.rows.run('DELETE FROM sites_up WHERE pbx = ?', pbx);
  }

  isUp(pbx: string): boolean {
    return this.rows.one('SELECT 1 AS x FROM sites_up WHERE pbx = ?', pbx) !== undefined;
  }
}
