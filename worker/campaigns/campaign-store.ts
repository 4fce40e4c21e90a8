// All SQL of campaigns inside a PBX queue: campaigns, their contacts, outcome tallies and the PBX's
// do-not-call list. Only the campaign desk calls it. The next due contacts and the live calls of a
// campaign are read through the (campaign_id, state, next_at, seq) index, so their cost does not grow
// with the list. Invariant: parameterised statements only.
import type { CampaignState, ContactState } from '../../shared/campaigns.js';
import { SqlRows } from '../pbx-queue/sql-rows.js';
import type { CheckedContact } from './contact-import.js';

export interface CampaignRow {
  seq: number;
  id: string;
  state: CampaignState;
  request: string;
  caller_id_turn: number;
  attempts: number;
  answered: number;
  talk_ms: number;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  updated_at: number;
}

export interface ContactRow {
  seq: number;
  id: string;
  campaign_id: string;
  number: string;
  name: string | null;
  time_zone: string;
  variables: string;
  state: ContactState;
  attempts: number;
  day: string | null;
  attempts_day: number;
  next_at: number | null;
  job_id: string | null;
  last_outcome: string | null;
  last_cause: number | null;
  note: string | null;
  /** The digit the robot last reported ('' for none pressed); null if it never reported. */
  robot_digit: string | null;
  updated_at: number;
}

export class CampaignStore {
  private readonly rows: SqlRows;

  constructor(sql: SqlStorage) {
    this.rows = new SqlRows(sql);
  }

  insertCampaign(id: string, request: string, now: number): void {
    this.rows.run(`INSERT INTO campaigns (id, state, request, created_at, updated_at) VALUES (?, 'draft', ?, ?, ?)`, id, request, now, now);
  }

  campaign(id: string): CampaignRow | undefined {
    return this.rows.one<CampaignRow>('SELECT * FROM campaigns WHERE id = ?', id);
  }

  campaigns(limit: number): CampaignRow[] {
    return this.rows.all<CampaignRow>('SELECT * FROM campaigns ORDER BY seq DESC LIMIT ?', limit);
  }

  /** Campaigns with calls to settle or make: running or paused, or stopped with calls still going. */
  live(): CampaignRow[] {
    return this.rows.all<CampaignRow>(
      `SELECT * FROM campaigns WHERE state IN ('running', 'paused')
         OR (state = 'stopped' AND EXISTS (SELECT 1 FROM campaign_contacts WHERE campaign_id = campaigns.id AND state = 'calling'))
       ORDER BY seq`,
    );
  }

  running(): CampaignRow[] {
    return this.rows.all<CampaignRow>(`SELECT * FROM campaigns WHERE state = 'running' ORDER BY seq`);
  }

  setState(id: string, state: CampaignState, now: number): void {
    this.rows.run(
      `UPDATE campaigns SET state = ?, updated_at = ?,
         started_at = CASE WHEN ? = 'running' THEN COALESCE(started_at, ?) ELSE started_at END,
         ended_at = CASE WHEN ? IN ('stopped', 'completed') THEN ? ELSE ended_at END
       WHERE id = ?`,
      state, now, state, now, state, now, id,
    );
  }

  /** The next caller ID of the pool, in turn. */
  takeCallerIdTurn(id: string): number {
    const row = this.rows.one<{ turn: number }>('UPDATE campaigns SET caller_id_turn = caller_id_turn + 1 WHERE id = ? RETURNING caller_id_turn - 1 AS turn', id);
    return row?.turn ?? 0;
  }

  tallyCall(id: string, answered: boolean, talkMs: number, outcome: string, cause: number | null): void {
    this.rows.run('UPDATE campaigns SET attempts = attempts + 1, answered = answered + ?, talk_ms = talk_ms + ? WHERE id = ?', answered ? 1 : 0, talkMs, id);
    this.bump(id, 'outcome', outcome);
    if (cause !== null) this.bump(id, 'cause', String(cause));
  }

  tallies(id: string): Array<{ kind: string; key: string; n: number }> {
    return this.rows.all('SELECT kind, key, n FROM campaign_outcomes WHERE campaign_id = ?', id);
  }

  /** Inserts new contacts; a number already in the campaign is merged (its fields updated while it has not been called). */
  upsertContacts(campaignId: string, contacts: ReadonlyArray<CheckedContact & { id: string; zone: string }>, now: number): { imported: number; merged: number } {
    let imported = 0;
    let merged = 0;
    for (const c of contacts) {
      const existing = this.rows.one<{ id: string }>('SELECT id FROM campaign_contacts WHERE campaign_id = ? AND number = ?', campaignId, c.number);
      if (existing !== undefined) {
        merged++;
        this.rows.run(
          // The later row's values win where it has them, as within one upload.
          `UPDATE campaign_contacts SET name = COALESCE(?, name), time_zone = CASE WHEN ? IS NULL THEN time_zone ELSE ? END,
             variables = json_patch(variables, ?), updated_at = ? WHERE id = ? AND state = 'pending' AND attempts = 0`,
          c.name, c.timeZone, c.zone, JSON.stringify(c.variables), now, existing.id,
        );
        continue;
      }
      imported++;
      this.rows.run(
        `INSERT INTO campaign_contacts (id, campaign_id, number, name, time_zone, variables, state, next_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
        c.id, campaignId, c.number, c.name, c.zone, JSON.stringify(c.variables), now, now,
      );
    }
    return { imported, merged };
  }

  countContacts(campaignId: string): number {
    return this.rows.one<{ n: number }>('SELECT COUNT(*) AS n FROM campaign_contacts WHERE campaign_id = ?', campaignId)?.n ?? 0;
  }

  countByState(campaignId: string): Array<{ state: ContactState; n: number }> {
    return this.rows.all('SELECT state, COUNT(*) AS n FROM campaign_contacts WHERE campaign_id = ? GROUP BY state', campaignId);
  }

  countInState(campaignId: string, state: ContactState): number {
    return this.rows.one<{ n: number }>('SELECT COUNT(*) AS n FROM campaign_contacts WHERE campaign_id = ? AND state = ?', campaignId, state)?.n ?? 0;
  }

  /** Pending contacts due by `now`, earliest first: a range of the due index. */
  dueContacts(campaignId: string, now: number, limit: number): ContactRow[] {
    return this.rows.all<ContactRow>(
      `SELECT * FROM campaign_contacts WHERE campaign_id = ? AND state = 'pending' AND next_at <= ? ORDER BY next_at, seq LIMIT ?`,
      campaignId, now, limit,
    );
  }

  /** The earliest instant a pending contact of the campaign comes due. */
  nextDue(campaignId: string): number | undefined {
    return this.rows.one<{ t: number | null }>(`SELECT MIN(next_at) AS t FROM campaign_contacts WHERE campaign_id = ? AND state = 'pending'`, campaignId)?.t ?? undefined;
  }

  calling(campaignId: string): ContactRow[] {
    return this.rows.all<ContactRow>(`SELECT * FROM campaign_contacts WHERE campaign_id = ? AND state = 'calling'`, campaignId);
  }

  contact(id: string): ContactRow | undefined {
    return this.rows.one<ContactRow>('SELECT * FROM campaign_contacts WHERE id = ?', id);
  }

  noteRobotDigit(id: string, digit: string, now: number): void {
    this.rows.run('UPDATE campaign_contacts SET robot_digit = ?, updated_at = ? WHERE id = ?', digit, now, id);
  }

  park(id: string, nextAt: number | null, now: number, note: string | null = null): void {
    this.rows.run('UPDATE campaign_contacts SET next_at = ?, note = COALESCE(?, note), updated_at = ? WHERE id = ?', nextAt, note, now, id);
  }

  startCall(id: string, jobId: string, day: string, attemptsDay: number, now: number): void {
    this.rows.run(`UPDATE campaign_contacts SET state = 'calling', job_id = ?, day = ?, attempts_day = ?, updated_at = ? WHERE id = ?`, jobId, day, attemptsDay, now, id);
  }

  endCall(id: string, r: { state: ContactState; attempts: number; attemptsDay: number; nextAt: number | null; outcome: string | null; cause: number | null; note: string | null }, now: number): void {
    this.rows.run(
      `UPDATE campaign_contacts SET state = ?, attempts = ?, attempts_day = ?, next_at = ?,
         last_outcome = COALESCE(?, last_outcome), last_cause = COALESCE(?, last_cause), note = ?, updated_at = ?
       WHERE id = ?`,
      r.state, r.attempts, r.attemptsDay, r.nextAt, r.outcome, r.cause, r.note, now, id,
    );
  }

  /** A pending contact becomes final without a call (do-not-call, stop, no window at all). */
  finishPending(id: string, state: ContactState, note: string, now: number): void {
    this.rows.run(`UPDATE campaign_contacts SET state = ?, next_at = NULL, note = ?, updated_at = ? WHERE id = ? AND state = 'pending'`, state, note, now, id);
  }

  cancelPending(campaignId: string, now: number): number {
    return this.rows.run(
      `UPDATE campaign_contacts SET state = 'cancelled', next_at = NULL, note = 'the campaign was stopped', updated_at = ? WHERE campaign_id = ? AND state = 'pending'`,
      now, campaignId,
    );
  }

  /** Contacts changed at or after `since`, in (updated_at, seq) order after the cursor. */
  changedContacts(campaignId: string, q: { state?: ContactState; since: number; after: [number, number]; limit: number }): ContactRow[] {
    const [at, seq] = q.after;
    return this.rows.all<ContactRow>(
      `SELECT * FROM campaign_contacts WHERE campaign_id = ? AND updated_at >= ? AND (updated_at > ? OR (updated_at = ? AND seq > ?))
         AND (? IS NULL OR state = ?) ORDER BY updated_at, seq LIMIT ?`,
      campaignId, q.since, at, at, seq, q.state ?? null, q.state ?? null, q.limit,
    );
  }

  addDnc(numbers: ReadonlyArray<string>, now: number): number {
    let added = 0;
    for (const n of numbers) added += this.rows.run('INSERT INTO dnc (number, added_at) VALUES (?, ?) ON CONFLICT (number) DO NOTHING', n, now);
    return added;
  }

  removeDnc(number: string): boolean {
    return this.rows.run('DELETE FROM dnc WHERE number = ?', number) > 0;
  }

  isDnc(number: string): boolean {
    return this.rows.one('SELECT number FROM dnc WHERE number = ?', number) !== undefined;
  }

  dnc(after: string, limit: number): Array<{ number: string; added_at: number }> {
    return this.rows.all('SELECT number, added_at FROM dnc WHERE number > ? ORDER BY number LIMIT ?', after, limit);
  }

  private bump(id: string, kind: string, key: string): void {
    this.rows.run(
      'INSERT INTO campaign_outcomes (campaign_id, kind, key, n) VALUES (?, ?, ?, 1) ON CONFLICT (campaign_id, kind, key) DO UPDATE SET n = n + 1',
      id, kind, key,
    );
  }
}
