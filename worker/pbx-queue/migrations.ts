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
  `CREATE TABLE hook_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE hook_secrets (id TEXT PRIMARY KEY, purpose TEXT NOT NULL, secret TEXT NOT NULL, label TEXT, created_at INTEGER NOT NULL);
   CREATE TABLE hook_seen (source TEXT NOT NULL, webhook_id TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (source, webhook_id));
   CREATE INDEX hook_seen_by_age ON hook_seen (at);
   CREATE TABLE status_deliveries (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     id TEXT NOT NULL UNIQUE,
     job_id TEXT NOT NULL,
     type TEXT NOT NULL,
     url TEXT NOT NULL,
     payload TEXT NOT NULL,
     status TEXT NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     next_at INTEGER,
     created_at INTEGER NOT NULL,
     delivered_at INTEGER
   );
   CREATE INDEX status_deliveries_due ON status_deliveries (status, next_at);
   CREATE INDEX status_deliveries_by_job ON status_deliveries (job_id, seq);
   CREATE TABLE status_delivery_attempts (
     delivery_id TEXT NOT NULL,
     number INTEGER NOT NULL,
     at INTEGER NOT NULL,
     status_code INTEGER,
     error TEXT,
     duration_ms INTEGER NOT NULL,
     PRIMARY KEY (delivery_id, number)
   );
   CREATE TABLE missed_calls (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     id TEXT NOT NULL UNIQUE,
     number TEXT NOT NULL,
     target TEXT,
     count INTEGER NOT NULL,
     first_at INTEGER NOT NULL,
     last_at INTEGER NOT NULL,
     status TEXT NOT NULL,
     job_id TEXT,
     reason TEXT
   );
   CREATE INDEX missed_calls_by_number ON missed_calls (number, status);
   CREATE INDEX missed_calls_by_job ON missed_calls (job_id);`,
  // 4: website widget (widget keys, their jobs and status tokens, rate-limit counters).
  `CREATE TABLE widget_keys (key TEXT PRIMARY KEY, id TEXT NOT NULL UNIQUE, config TEXT NOT NULL, created_at INTEGER NOT NULL);
   CREATE TABLE widget_jobs (job_id TEXT PRIMARY KEY, widget_key TEXT NOT NULL, number_hash TEXT NOT NULL, created_at INTEGER NOT NULL);
   CREATE INDEX widget_jobs_by_number ON widget_jobs (number_hash, created_at);
   CREATE TABLE widget_tokens (token_hash TEXT PRIMARY KEY, job_id TEXT NOT NULL, widget_key TEXT NOT NULL, created_at INTEGER NOT NULL);
   CREATE TABLE widget_rate_counters (bucket TEXT NOT NULL, window_start INTEGER NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (bucket, window_start));`,
  // 5: missed calls are matched by the number's E.164 form (`8916…` and `+7916…` are one caller).
  `ALTER TABLE missed_calls ADD COLUMN number_key TEXT;
   UPDATE missed_calls SET number_key = number;
   CREATE INDEX missed_calls_by_key ON missed_calls (number_key, status);`,
  // 6: automatic member retries of conference assemblies.
  `ALTER TABLE conferences ADD COLUMN max_attempts INTEGER NOT NULL DEFAULT 1;
   ALTER TABLE conferences ADD COLUMN retry_after_ms INTEGER NOT NULL DEFAULT 60000;
   ALTER TABLE conference_members ADD COLUMN run_at INTEGER;
   ALTER TABLE conference_groups ADD COLUMN retry TEXT;`,
  // 7: an unreported member dial has a status of its own instead of a note that decisions compared.
  `UPDATE conference_members SET status = 'unknown' WHERE status = 'failed' AND note LIKE 'outcome unknown%';`,
  // 8: whether an attempt's end was observed, as the field decisions read (notes are for people).
  `ALTER TABLE attempts ADD COLUMN certainty TEXT;
   UPDATE attempts SET certainty = CASE WHEN note LIKE '%outcome unknown%' THEN 'unknown' ELSE 'known' END WHERE status = 'ended';`,
  // 9: clients' Idempotency-Keys get a namespace of their own (shared/jobs.ts idempotencyKey); keys the
  // queue derived keep theirs, so a retried request after the upgrade still finds its job.
  `UPDATE jobs SET idempotency_key = 'client:' || idempotency_key
   WHERE idempotency_key IS NOT NULL AND idempotency_key NOT LIKE 'webhook:%' AND idempotency_key NOT LIKE 'bitrix24:%';`,
  // 10: campaigns, their contacts (picked by an index on state and due time, never by a scan), the
  // per-PBX do-not-call list, and a plan a job carries ready-made (campaign calls) instead of a request to build one from.
  `CREATE TABLE campaigns (
     seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, state TEXT NOT NULL, request TEXT NOT NULL,
     caller_id_turn INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0, answered INTEGER NOT NULL DEFAULT 0,
     talk_ms INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL, started_at INTEGER, ended_at INTEGER, updated_at INTEGER NOT NULL
   );
   CREATE INDEX campaigns_by_state ON campaigns (state);
   CREATE TABLE campaign_contacts (
     seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, campaign_id TEXT NOT NULL, number TEXT NOT NULL,
     name TEXT, time_zone TEXT NOT NULL, variables TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
     day TEXT, attempts_day INTEGER NOT NULL DEFAULT 0, next_at INTEGER, job_id TEXT, last_outcome TEXT, last_cause INTEGER,
     note TEXT, robot_digit TEXT, updated_at INTEGER NOT NULL,
     UNIQUE (campaign_id, number)
   );
   CREATE INDEX campaign_contacts_due ON campaign_contacts (campaign_id, state, next_at, seq);
   CREATE INDEX campaign_contacts_changed ON campaign_contacts (campaign_id, updated_at, seq);
   CREATE TABLE campaign_outcomes (campaign_id TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (campaign_id, kind, key));
   CREATE TABLE dnc (number TEXT PRIMARY KEY, added_at INTEGER NOT NULL);
   ALTER TABLE jobs ADD COLUMN plan TEXT;`,
];

/**
 * Whether this object's database has a schema: false for an object nobody created a PBX in (a request
 * to a made-up PBX id), which must stay without storage, so nothing is migrated or written for it.
 */
export function hasSchema(sql: SqlStorage): boolean {
  return sql.exec(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'`).toArray().length > 0;
}

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
