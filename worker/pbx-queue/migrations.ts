// Numbered schema migrations of a PBX queue's SQLite database, run once per Durable Object start
// inside blockConcurrencyWhile. Append a new entry for every change; never edit a shipped one.

const MIGRATIONS: ReadonlyArray<string> = [
  // 1: settings, credentials, jobs, attempts and their event log.
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE api_keys (id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, label TEXT, created_at INTEGER NOT NULL);
   CREATE TABLE jobs (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     id TEXT NOT NULL UNIQUE,
     type TEXT NOT NULL,
     status TEXT NOT NULL,
     request TEXT NOT NULL,
     idempotency_key TEXT UNIQUE,
     request_hash TEXT NOT NULL,
     requested_at INTEGER NOT NULL,
     not_before INTEGER,
     run_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     attempts_used INTEGER NOT NULL DEFAULT 0,
     max_attempts INTEGER NOT NULL,
     last_error TEXT,
     updated_at INTEGER NOT NULL
   );
   CREATE INDEX jobs_by_status ON jobs (status, run_at, seq);
   CREATE TABLE attempts (
     id TEXT PRIMARY KEY,
     job_id TEXT NOT NULL,
     number INTEGER NOT NULL,
     fence INTEGER NOT NULL,
     status TEXT NOT NULL,
     session_id TEXT,
     relay_id TEXT,
     outcome TEXT,
     cause INTEGER,
     cause_text TEXT,
     failed_leg TEXT,
     dispatched_at INTEGER NOT NULL,
     accepted_at INTEGER,
     originated_at INTEGER,
     answered_at INTEGER,
     ended_at INTEGER,
     duration_ms INTEGER,
     lease_until INTEGER,
     cancel_requested INTEGER NOT NULL DEFAULT 0,
     note TEXT,
     UNIQUE (job_id, number)
   );
   CREATE INDEX attempts_by_job ON attempts (job_id, number);
   CREATE INDEX attempts_open ON attempts (status, lease_until);
   CREATE TABLE job_events (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     job_id TEXT NOT NULL,
     attempt_id TEXT,
     type TEXT NOT NULL,
     data TEXT,
     at INTEGER NOT NULL
   );
   CREATE INDEX job_events_by_job ON job_events (job_id, seq);`,
  // 2: conferences (groups, assemblies, members, permanent-participant rules). Filled by that feature.
  `CREATE TABLE conference_groups (
     id TEXT PRIMARY KEY,
     code TEXT NOT NULL UNIQUE,
     name TEXT NOT NULL,
     caller_id_name TEXT,
     members TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   );
   CREATE TABLE conferences (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     id TEXT NOT NULL UNIQUE,
     room TEXT NOT NULL,
     group_id TEXT,
     source TEXT NOT NULL,
     source_key TEXT UNIQUE,
     caller_id_name TEXT NOT NULL,
     bridge_profile TEXT NOT NULL,
     user_profile TEXT NOT NULL,
     ring_timeout_ms INTEGER NOT NULL,
     created_at INTEGER NOT NULL
   );
   CREATE TABLE conference_members (
     id TEXT PRIMARY KEY,
     conference_id TEXT NOT NULL,
     position INTEGER NOT NULL,
     name TEXT NOT NULL,
     extension TEXT,
     number TEXT,
     context TEXT NOT NULL,
     status TEXT NOT NULL,
     attempt INTEGER NOT NULL DEFAULT 0,
     cause INTEGER,
     note TEXT,
     updated_at INTEGER NOT NULL
   );
   CREATE INDEX conference_members_by_conference ON conference_members (conference_id, position);
   CREATE INDEX conference_members_by_status ON conference_members (status);
   CREATE TABLE room_rules (room TEXT PRIMARY KEY, input TEXT NOT NULL, rule TEXT NOT NULL, updated_at INTEGER NOT NULL);
   CREATE TABLE room_participants (room TEXT PRIMARY KEY, participants TEXT NOT NULL, at INTEGER NOT NULL);`,
  // 3: callers (widget keys, rate limits, webhook secrets, status-callback outbox). Filled by that feature.
  `SELECT 1`,
];

export function migrate(sql: SqlStorage): void {
  sql.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const row = sql.exec<{ version: number }>('SELECT version FROM schema_version').toArray()[0];
  let version = row?.version ?? 0;
  if (row === undefined) sql.exec('INSERT INTO schema_version (version) VALUES (0)');
  for (; version < MIGRATIONS.length; version++) {
    const step = MIGRATIONS[version];
    if (step !== undefined) sql.exec(step);
    sql.exec('UPDATE schema_version SET version = ?', version + 1);
  }
}
