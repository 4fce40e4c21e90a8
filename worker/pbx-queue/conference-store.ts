// All SQL of a PBX's conferences: groups, conferences and their members, room rules and the last
// reported participants of each room. Only the conference desk (conference-desk.ts) calls it.
// Invariant: no value from outside is ever interpolated into SQL text; every statement is parameterised.
import type { MemberStatus } from '../../shared/conferences.js';

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

export interface RoomRuleRow {
  room: string;
  input: string;
  rule: string;
  updated_at: number;
}

type Row = Record<string, SqlStorageValue>;

export class ConferenceStore {
  constructor(private readonly sql: SqlStorage) {}

  // ── groups ──
  insertGroup(g: GroupRow): void {
    this.sql.exec('INSERT INTO conference_groups (id, code, name, caller_id_name, members, retry, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      g.id, g.code, g.name, g.caller_id_name, g.members, g.retry, g.created_at, g.updated_at);
  }

  updateGroup(g: GroupRow): void {
    this.sql.exec('UPDATE conference_groups SET code = ?, name = ?, caller_id_name = ?, members = ?, retry = ?, updated_at = ? WHERE id = ?',
      g.code, g.name, g.caller_id_name, g.members, g.retry, g.updated_at, g.id);
  }

  deleteGroup(id: string): boolean {
    return this.changed(this.sql.exec('DELETE FROM conference_groups WHERE id = ?', id));
  }

  group(id: string): GroupRow | undefined {
    return this.one<GroupRow>('SELECT * FROM conference_groups WHERE id = ?', id);
  }

  groupByCode(code: string): GroupRow | undefined {
    return this.one<GroupRow>('SELECT * FROM conference_groups WHERE code = ?', code);
  }

  groups(): GroupRow[] {
    return this.sql.exec<GroupRow & Row>('SELECT * FROM conference_groups ORDER BY code').toArray();
  }

  // ── conferences and members ──
  insertConference(c: Omit<ConferenceRow, 'seq'>): void {
    this.sql.exec(
      `INSERT INTO conferences (id, room, group_id, source, source_key, caller_id_name, bridge_profile, user_profile, ring_timeout_ms, created_at, max_attempts, retry_after_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      c.id, c.room, c.group_id, c.source, c.source_key, c.caller_id_name, c.bridge_profile, c.user_profile, c.ring_timeout_ms, c.created_at, c.max_attempts, c.retry_after_ms,
    );
  }

  conference(id: string): ConferenceRow | undefined {
    return this.one<ConferenceRow>('SELECT * FROM conferences WHERE id = ?', id);
  }

  conferenceBySourceKey(key: string): ConferenceRow | undefined {
    return this.one<ConferenceRow>('SELECT * FROM conferences WHERE source_key = ?', key);
  }

  listConferences(limit: number): ConferenceRow[] {
    return this.sql.exec<ConferenceRow & Row>('SELECT * FROM conferences ORDER BY seq DESC LIMIT ?', limit).toArray();
  }

  insertMember(m: MemberRow): void {
    this.sql.exec(
      `INSERT INTO conference_members (id, conference_id, position, name, extension, number, context, status, attempt, cause, note, updated_at, run_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      m.id, m.conference_id, m.position, m.name, m.extension, m.number, m.context, m.status, m.attempt, m.cause, m.note, m.updated_at, m.run_at,
    );
  }

  membersOf(conferenceId: string): MemberRow[] {
    return this.sql.exec<MemberRow & Row>('SELECT * FROM conference_members WHERE conference_id = ? ORDER BY position', conferenceId).toArray();
  }

  member(id: string): MemberRow | undefined {
    return this.one<MemberRow>('SELECT * FROM conference_members WHERE id = ?', id);
  }

  /** Queued members due now (a retry waits for its run_at). */
  queuedMembers(now: number): MemberRow[] {
    return this.sql.exec<MemberRow & Row>(
      "SELECT * FROM conference_members WHERE status = 'queued' AND (run_at IS NULL OR run_at <= ?) ORDER BY conference_id, position", now).toArray();
  }

  /** When the next member waiting for a retry is due. */
  nextRetry(now: number): number | undefined {
    const row = this.one<{ t: number | null }>("SELECT MIN(run_at) AS t FROM conference_members WHERE status = 'queued' AND run_at > ?", now);
    return row?.t ?? undefined;
  }

  /** Queues a member for another dial at `runAt`, keeping what the last dial ended with. */
  queueRetry(id: string, cause: number | null, note: string, runAt: number, now: number): void {
    this.sql.exec("UPDATE conference_members SET status = 'queued', cause = ?, note = ?, run_at = ?, updated_at = ? WHERE id = ?", cause, note, runAt, now, id);
  }

  /** Marks a queued member as being dialled under a new attempt number; false if it was not queued any more. */
  startDial(id: string, attempt: number, now: number): boolean {
    return this.changed(this.sql.exec("UPDATE conference_members SET status = 'dialling', attempt = ?, cause = NULL, note = NULL, run_at = NULL, updated_at = ? WHERE id = ? AND status = 'queued'",
      attempt, now, id));
  }

  /** Members dialled or answered whose last report is older than their conference's ring time plus `graceMs`. */
  silentDials(now: number, graceMs: number): MemberRow[] {
    return this.sql.exec<MemberRow & Row>(
      `SELECT m.* FROM conference_members m JOIN conferences c ON c.id = m.conference_id
       WHERE m.status IN ('dialling', 'answered') AND m.updated_at + c.ring_timeout_ms + ? <= ?`, graceMs, now).toArray();
  }

  /** When the next silent dial will be due (see silentDials). */
  nextSilentDial(graceMs: number): number | undefined {
    const row = this.one<{ t: number | null }>(
      `SELECT MIN(m.updated_at + c.ring_timeout_ms + ?) AS t FROM conference_members m JOIN conferences c ON c.id = m.conference_id
       WHERE m.status IN ('dialling', 'answered')`, graceMs);
    return row?.t ?? undefined;
  }

  setMemberStatus(id: string, status: MemberStatus, cause: number | null, note: string | null, now: number): void {
    this.sql.exec('UPDATE conference_members SET status = ?, cause = ?, note = ?, run_at = NULL, updated_at = ? WHERE id = ?', status, cause, note, now, id);
  }

  // ── room rules and participants ──
  putRoomRule(room: string, input: string, rule: string, now: number): void {
    this.sql.exec('INSERT INTO room_rules (room, input, rule, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (room) DO UPDATE SET input = excluded.input, rule = excluded.rule, updated_at = excluded.updated_at',
      room, input, rule, now);
  }

  roomRule(room: string): RoomRuleRow | undefined {
    return this.one<RoomRuleRow>('SELECT * FROM room_rules WHERE room = ?', room);
  }

  roomRules(): RoomRuleRow[] {
    return this.sql.exec<RoomRuleRow & Row>('SELECT * FROM room_rules ORDER BY room').toArray();
  }

  deleteRoomRule(room: string): boolean {
    return this.changed(this.sql.exec('DELETE FROM room_rules WHERE room = ?', room));
  }

  /** Keeps the newest snapshot: one resent by the relay after a reconnect never replaces a later one. */
  putParticipants(room: string, participants: string, at: number): void {
    this.sql.exec('INSERT INTO room_participants (room, participants, at) VALUES (?, ?, ?) ON CONFLICT (room) DO UPDATE SET participants = excluded.participants, at = excluded.at WHERE excluded.at >= room_participants.at',
      room, participants, at);
  }

  /** Empties every room not in `running` whose snapshot is older than `at` (the PBX ended it meanwhile). */
  emptyRoomsOtherThan(running: ReadonlyArray<string>, at: number): void {
    for (const row of this.sql.exec<{ room: string } & Row>("SELECT room FROM room_participants WHERE participants != '[]' AND at < ?", at).toArray()) {
      if (!running.includes(row.room)) this.putParticipants(row.room, '[]', at);
    }
  }

  participants(room: string): { participants: string; at: number } | undefined {
    return this.one<{ participants: string; at: number }>('SELECT participants, at FROM room_participants WHERE room = ?', room);
  }

  /** Whether a write statement touched a row (the cursor is drained first so the count is final). */
  private changed(cursor: SqlStorageCursor<Row>): boolean {
    cursor.toArray();
    return cursor.rowsWritten > 0;
  }

  private one<T>(query: string, ...params: SqlStorageValue[]): T | undefined {
    return this.sql.exec<T & Row>(query, ...params).toArray()[0];
  }
}
