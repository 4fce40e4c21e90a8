// The SQL of a PBX's conference rooms: the permanent-external-participant rule of each room and the
// participants the relay last reported in it. Called by room-desk.ts.
// Invariant: parameterised statements only; a participant snapshot never replaces a newer one.
import { SqlRows } from './sql-rows.js';

export interface RoomRuleRow {
  room: string;
  input: string;
  rule: string;
  updated_at: number;
}

export class RoomStore {
  private readonly rows: SqlRows;

  constructor(sql: SqlStorage) {
    this.rows = new SqlRows(sql);
  }

  putRule(room: string, input: string, rule: string, now: number): void {
    this.rows.run('INSERT INTO room_rules (room, input, rule, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (room) DO UPDATE SET input = excluded.input, rule = excluded.rule, updated_at = excluded.updated_at',
      room, input, rule, now);
  }

  rule(room: string): RoomRuleRow | undefined {
    return this.rows.one<RoomRuleRow>('SELECT * FROM room_rules WHERE room = ?', room);
  }

  rules(): RoomRuleRow[] {
    return this.rows.all<RoomRuleRow>('SELECT * FROM room_rules ORDER BY room');
  }

  deleteRule(room: string): boolean {
    return this.rows.run('DELETE FROM room_rules WHERE room = ?', room) > 0;
  }

  /** Keeps the newest snapshot: one resent by the relay after a reconnect never replaces a later one. */
  putParticipants(room: string, participants: string, at: number): void {
    this.rows.run('INSERT INTO room_participants (room, participants, at) VALUES (?, ?, ?) ON CONFLICT (room) DO UPDATE SET participants = excluded.participants, at = excluded.at WHERE excluded.at >= room_participants.at',
      room, participants, at);
  }

  /** Empties every room not in `running` whose snapshot is older than `at` (the PBX ended it meanwhile). */
  emptyRoomsOtherThan(running: ReadonlyArray<string>, at: number): void {
    for (const row of this.rows.all<{ room: string }>("SELECT room FROM room_participants WHERE participants != '[]' AND at < ?", at)) {
      if (!running.includes(row.room)) this.putParticipants(row.room, '[]', at);
    }
  }

  participants(room: string): { participants: string; at: number } | undefined {
    return this.rows.one<{ participants: string; at: number }>('SELECT participants, at FROM room_participants WHERE room = ?', room);
  }
}
