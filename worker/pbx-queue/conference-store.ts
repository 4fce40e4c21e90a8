// The SQL of a PBX's conference groups and assemblies (conferences and their members). Called by
// group-desk.ts and assembly-desk.ts. Invariant: no value from outside is ever interpolated into
// SQL text; every statement is parameterised.
import type { MemberStatus } from '../../shared/conferences.js';
import { SqlRows } from './sql-rows.js';

export interface GroupRow {
  id: string;
  code: string;
  name: string;
  caller_id_name: string | null;
  members: string;
  /** The group's member retry (JSON of MemberRetry), or null. */
  retry: string | null;
  created_at: number;
  updated_at: number;
}

export interface ConferenceRow {
  seq: number;
  id: string;
  room: string;
  group_id: string | null;
  source: 'api' | 'service-code';
  source_key: string | null;
  caller_id_name: string;
  bridge_profile: string;
  user_profile: string;
  ring_timeout_ms: number;
  created_at: number;
  /** Dials per member in all (1: no automatic retry). */
  max_attempts: number;
  retry_after_ms: number;
}

export interface MemberRow {
  id: string;
  conference_id: string;
  position: number;
  name: string;
  extension: string | null;
  number: string | null;
  context: string;
  status: MemberStatus;
  attempt: number;
  cause: number | null;
  note: string | null;
  updated_at: number;
  /** A queued member waiting for an automatic retry is dialled from then on; null: at once. */
  run_at: number | null;
}

export class ConferenceStore {
  private readonly rows: SqlRows;

  constructor(sql: SqlStorage) {
    this.rows = new SqlRows(sql);
  }

  // ── groups ──
  insertGroup(g: GroupRow): void {
    this.rows.run('INSERT INTO conference_groups (id, code, name, caller_id_name, members, retry, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      g.id, g.code, g.name, g.caller_id_name, g.members, g.retry, g.created_at, g.updated_at);
  }

  updateGroup(g: GroupRow): void {
    this.rows.run('UPDATE conference_groups SET code = ?, name = ?, caller_id_name = ?, members = ?, retry = ?, updated_at = ? WHERE id = ?',
      g.code, g.name, g.caller_id_name, g.members, g.retry, g.updated_at, g.id);
  }

  deleteGroup(id: string): boolean {
    return this.rows.run('DELETE FROM conference_groups WHERE id = ?', id) > 0;
  }

  group(id: string): GroupRow | undefined {
    return this.rows.one<GroupRow>('SELECT * FROM conference_groups WHERE id = ?', id);
  }

  groupByCode(code: string): GroupRow | undefined {
    return this.rows.one<GroupRow>('SELECT * FROM conference_groups WHERE code = ?', code);
  }

  groups(): GroupRow[] {
    return this.rows.all<GroupRow>('SELECT * FROM conference_groups ORDER BY code');
  }

  // ── conferences and members ──
  insertConference(c: Omit<ConferenceRow, 'seq'>): void {
    this.rows.run(
      `INSERT INTO conferences (id, room, group_id, source, source_key, caller_id_name, bridge_profile, user_profile, ring_timeout_ms, created_at, max_attempts, retry_after_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      c.id, c.room, c.group_id, c.source, c.source_key, c.caller_id_name, c.bridge_profile, c.user_profile, c.ring_timeout_ms, c.created_at, c.max_attempts, c.retry_after_ms,
    );
  }

  conference(id: string): ConferenceRow | undefined {
    return this.rows.one<ConferenceRow>('SELECT * FROM conferences WHERE id = ?', id);
  }

  conferenceBySourceKey(key: string): ConferenceRow | undefined {
    return this.rows.one<ConferenceRow>('SELECT * FROM conferences WHERE source_key = ?', key);
  }

  listConferences(limit: number): ConferenceRow[] {
    return this.rows.all<ConferenceRow>('SELECT * FROM conferences ORDER BY seq DESC LIMIT ?', limit);
  }

  insertMember(m: MemberRow): void {
    this.rows.run(
      `INSERT INTO conference_members (id, conference_id, position, name, extension, number, context, status, attempt, cause, note, updated_at, run_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      m.id, m.conference_id, m.position, m.name, m.extension, m.number, m.context, m.status, m.attempt, m.cause, m.note, m.updated_at, m.run_at,
    );
  }

  membersOf(conferenceId: string): MemberRow[] {
    return this.rows.all<MemberRow>('SELECT * FROM conference_members WHERE conference_id = ? ORDER BY position', conferenceId);
  }

  member(id: string): MemberRow | undefined {
    return this.rows.one<MemberRow>('SELECT * FROM conference_members WHERE id = ?', id);
  }

  /** Queued members due now (a retry waits for its run_at). */
  /** Members due to be dialled, oldest assembly first, at most `limit`. */
  queuedMembers(now: number, limit: number): MemberRow[] {
    return this.rows.all<MemberRow>(
      `SELECT m.* FROM conference_members m JOIN conferences c ON c.id = m.conference_id
       WHERE m.status = 'queued' AND (m.run_at IS NULL OR m.run_at <= ?) ORDER BY c.seq, m.position LIMIT ?`, now, limit);
  }

  /** Member legs the relay has placed and not yet reported ended: each holds one of the PBX's call slots. */
  countLiveMembers(): number {
    return this.rows.one<{ n: number }>("SELECT COUNT(*) AS n FROM conference_members WHERE status IN ('dialling', 'answered', 'joined')")?.n ?? 0;
  }

  /** When the next member waiting for a retry is due. */
  nextRetry(now: number): number | undefined {
    return this.rows.one<{ t: number | null }>("SELECT MIN(run_at) AS t FROM conference_members WHERE status = 'queued' AND run_at > ?", now)?.t ?? undefined;
  }

  /** Queues a member for another dial at `runAt`, keeping what the last dial ended with. */
  queueRetry(id: string, cause: number | null, note: string, runAt: number, now: number): void {
    this.rows.run("UPDATE conference_members SET status = 'queued', cause = ?, note = ?, run_at = ?, updated_at = ? WHERE id = ?", cause, note, runAt, now, id);
  }

  /** Marks a queued member as being dialled under a new attempt number; false if it was not queued any more. */
  startDial(id: string, attempt: number, now: number): boolean {
    return this.rows.run("UPDATE conference_members SET status = 'dialling', attempt = ?, cause = NULL, note = NULL, run_at = NULL, updated_at = ? WHERE id = ? AND status = 'queued'",
      attempt, now, id) > 0;
  }

  /** Members dialled or answered whose last report is older than their conference's ring time plus `graceMs`. */
  silentDials(now: number, graceMs: number): MemberRow[] {
    return this.rows.all<MemberRow>(
      `SELECT m.* FROM conference_members m JOIN conferences c ON c.id = m.conference_id
       WHERE m.status IN ('dialling', 'answered') AND m.updated_at + c.ring_timeout_ms + ? <= ?`, graceMs, now);
  }

  /** When the next silent dial will be due (see silentDials). */
  nextSilentDial(graceMs: number): number | undefined {
    return this.rows.one<{ t: number | null }>(
      `SELECT MIN(m.updated_at + c.ring_timeout_ms + ?) AS t FROM conference_members m JOIN conferences c ON c.id = m.conference_id
       WHERE m.status IN ('dialling', 'answered')`, graceMs)?.t ?? undefined;
  }

  setMemberStatus(id: string, status: MemberStatus, cause: number | null, note: string | null, now: number): void {
    this.rows.run('UPDATE conference_members SET status = ?, cause = ?, note = ?, run_at = NULL, updated_at = ? WHERE id = ?', status, cause, note, now, id);
  }
}
