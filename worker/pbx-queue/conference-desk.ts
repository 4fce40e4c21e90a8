// The conference side of a PBX queue: groups, assemblies and their members' dials, room rules and
// room participants. Called by the Durable Object for its conference RPC methods and for every
// relay frame. Invariant: a member is handed to the relay only from `queued`, which it leaves in the
// same statement that numbers the new attempt, so no (member, attempt) is ever sent twice.
import { z } from 'zod';
import type { ConferenceDial, MemberLeg } from '../../shared/conference-frames.js';
import {
  conferenceMember, externalParticipantInput, memberRetry, participantView, REDIALLABLE, roomRule, type ConferenceGroupInput, type ConferenceGroupView,
  type ConferenceMember, type ConferenceRequest, type ConferenceView, type ExternalParticipantInput, type MemberRetry, type MemberStatus, type RoomRule,
} from '../../shared/conferences.js';
import { callerIdName } from '../../shared/dial.js';
import { isDestinationAllowed, type PbxSettings } from '../../shared/pbx.js';
import type { RelayFrame } from '../../shared/relay-protocol.js';
import { newId } from '../auth/tokens.js';
import type { ConferenceRow, ConferenceStore, GroupRow, MemberRow } from './conference-store.js';
import { earliest } from './earliest.js';
import type { RelaySessions } from './relay-sessions.js';

export type GroupResult = { kind: 'ok'; group: ConferenceGroupView } | { kind: 'code-taken' } | { kind: 'destination-not-allowed'; field: string } | { kind: 'not-found' };
export type ConferenceResult = { kind: 'created'; conference: ConferenceView } | { kind: 'no-group' } | { kind: 'no-members' } | { kind: 'destination-not-allowed'; field: string };
export type RuleResult = { kind: 'ok'; rule: RoomRule } | { kind: 'destination-not-allowed' };

type MemberFrame = Extract<RelayFrame, { type: 'conference.member' }>;
type ConferenceFrame = Extract<RelayFrame, { type: 'conference.member' | 'conference.requested' | 'room.participants' | 'rooms.running' }>;

const storedMembers = z.array(conferenceMember);
const storedParticipants = z.array(participantView);

/** The note on a member whose dial nobody reported in time; a later report of that attempt still counts. */
export const UNREPORTED_DIAL = 'outcome unknown: the relay did not report this dial in time';

/** Which reported status may follow which: a late `answered` never undoes `joined`. */
const NEXT: Readonly<Record<MemberStatus, ReadonlyArray<MemberStatus>>> = {
  queued: [],
  dialling: ['answered', 'joined', 'busy', 'no-answer', 'failed'],
  answered: ['joined', 'left', 'failed'],
  joined: ['left'],
  left: [],
  busy: [],
  'no-answer': [],
  failed: [],
};

export class ConferenceDesk {
  constructor(
    private readonly store: ConferenceStore,
    private readonly sessions: RelaySessions,
    private readonly settings: () => PbxSettings | undefined,
    private readonly pbx: () => string,
  ) {}

  // ── groups ──
  saveGroup(input: ConferenceGroupInput, id: string | null, now: number): GroupResult {
    const settings = this.settings();
    const existing = id === null ? undefined : this.store.group(id);
    if (settings === undefined || (id !== null && existing === undefined)) return { kind: 'not-found' };
    const taken = this.store.groupByCode(input.code);
    if (taken !== undefined && taken.id !== id) return { kind: 'code-taken' };
    const bad = input.members.findIndex((m) => 'number' in m && !isDestinationAllowed(settings.destinations, m.number));
    if (bad >= 0) return { kind: 'destination-not-allowed', field: `members.${bad}.number` };
    const row: GroupRow = {
      id: existing?.id ?? newId('grp_'), code: input.code, name: input.name, caller_id_name: input.callerIdName ?? null,
      members: JSON.stringify(input.members), retry: input.retry === undefined ? null : JSON.stringify(input.retry), created_at: existing?.created_at ?? now, updated_at: now,
    };
    if (existing === undefined) this.store.insertGroup(row);
    else this.store.updateGroup(row);
    return { kind: 'ok', group: groupView(row) };
  }

  group(id: string): ConferenceGroupView | null {
    const row = this.store.group(id);
    return row === undefined ? null : groupView(row);
  }

  groups(): ConferenceGroupView[] {
    return this.store.groups().map(groupView);
  }

  deleteGroup(id: string): boolean {
    return this.store.deleteGroup(id);
  }

  // ── conferences ──
  createConference(req: ConferenceRequest, now: number): ConferenceResult {
    const group = req.group === undefined ? undefined : this.store.group(req.group) ?? this.store.groupByCode(req.group);
    if (req.group !== undefined && group === undefined) return { kind: 'no-group' };
    const listed = group === undefined ? req.members ?? [] : storedMembers.parse(JSON.parse(group.members));
    const caller: ConferenceMember[] = req.caller === undefined ? [] : [{ name: 'Caller', extension: req.caller }];
    const members = [...caller, ...listed.filter((m) => !('extension' in m) || m.extension !== req.caller)];
    const room = req.room ?? req.caller ?? '';
    return this.create({
      room, group, members, source: 'api', sourceKey: null, callerIdName: req.callerIdName,
      bridgeProfile: req.bridgeProfile, userProfile: req.userProfile, ringTimeoutSec: req.ringTimeoutSec, retry: req.retry,
    }, now);
  }

  conference(id: string): ConferenceView | null {
    const row = this.store.conference(id);
    return row === undefined ? null : this.view(row);
  }

  conferences(limit: number): ConferenceView[] {
    return this.store.listConferences(limit).map((r) => this.view(r));
  }

  /** Puts members that are not in the room or being dialled back in the queue; returns null for an unknown conference. */
  redial(id: string, memberIds: ReadonlyArray<string> | undefined, now: number): { view: ConferenceView; requeued: number } | null {
    const row = this.store.conference(id);
    if (row === undefined) return null;
    let requeued = 0;
    for (const m of this.store.membersOf(id)) {
      const waiting = m.status === 'queued' && m.run_at !== null; // an automatic retry, brought forward
      if ((memberIds !== undefined && !memberIds.includes(m.id)) || !(REDIALLABLE.has(m.status) || waiting)) continue;
      this.store.setMemberStatus(m.id, 'queued', null, null, now);
      requeued++;
    }
    this.pump(now);
    return { view: this.view(row), requeued };
  }

  // ── room rules ──
  putRule(room: string, input: ExternalParticipantInput): RuleResult {
    const settings = this.settings();
    const parsed = externalParticipantInput.parse(input);
    if (settings === undefined || !isDestinationAllowed(settings.destinations, parsed.number)) return { kind: 'destination-not-allowed' };
    const rule = roomRule.parse({
      room, number: parsed.number, context: parsed.context ?? settings.customerContext, callerId: parsed.callerId ?? settings.customerCallerId ?? null,
      dtmf: parsed.dtmf ?? null, dtmfDelayMs: parsed.dtmfDelayMs, bridgeProfile: parsed.bridgeProfile, userProfile: parsed.userProfile,
      ringTimeoutMs: parsed.ringTimeoutSec * 1000, maxRedials: parsed.redial.maxAttempts, backoffMs: parsed.redial.backoffSec.map((s) => Math.round(s * 1000)),
    });
    this.store.putRoomRule(room, JSON.stringify(parsed), JSON.stringify(rule), Date.now());
    this.sendRules();
    return { kind: 'ok', rule };
  }

  rule(room: string): RoomRule | null {
    const row = this.store.roomRule(room);
    return row === undefined ? null : roomRule.parse(JSON.parse(row.rule));
  }

  rules(): RoomRule[] {
    return this.store.roomRules().map((r) => roomRule.parse(JSON.parse(r.rule)));
  }

  deleteRule(room: string): boolean {
    const deleted = this.store.deleteRoomRule(room);
    if (deleted) this.sendRules();
    return deleted;
  }

  room(room: string): { room: string; participants: ConferenceView['participants']; at: string | null; rule: RoomRule | null } {
    const p = this.store.participants(room);
    return { room, participants: p === undefined ? [] : storedParticipants.parse(JSON.parse(p.participants)), at: p === undefined ? null : iso(p.at), rule: this.rule(room) };
  }

  // ── relay ──
  /** After every hello: the rules (the relay reconciles its rooms with them), then any queued dials. */
  onHello(now: number): void {
    this.sendRules();
    this.pump(now);
  }

  onFrame(frame: ConferenceFrame, now: number): void {
    switch (frame.type) {
      case 'conference.requested':
        return this.requested(frame, now);
      case 'conference.member':
        return this.memberReport(frame, now);
      case 'room.participants':
        this.store.putParticipants(frame.room, JSON.stringify(frame.participants), frame.at);
        return;
      case 'rooms.running':
        this.store.emptyRoomsOtherThan(frame.rooms, frame.at);
        return;
    }
  }

  /** Hands every queued member to the active relay, one `conference.dial` per conference. */
  pump(now: number): void {
    const active = this.sessions.active();
    if (active === undefined || active.info.relayId === null || active.info.ami !== 'ready') return;
    const byConference = new Map<string, MemberLeg[]>();
    for (const m of this.store.queuedMembers(now)) {
      const attempt = m.attempt + 1;
      if (!this.store.startDial(m.id, attempt, now)) continue;
      const legs = byConference.get(m.conference_id) ?? [];
      legs.push({ memberId: m.id, attempt, exten: m.extension ?? m.number ?? '', context: m.context });
      byConference.set(m.conference_id, legs);
    }
    for (const [id, legs] of byConference) {
      const c = this.store.conference(id);
      if (c === undefined) continue;
      const frame: ConferenceDial = {
        type: 'conference.dial', conferenceId: c.id, room: c.room, bridgeProfile: c.bridge_profile, userProfile: c.user_profile,
        callerIdName: c.caller_id_name, ringTimeoutMs: c.ring_timeout_ms, legs,
      };
      this.sessions.send(active.ws, frame);
    }
  }

  /**
   * Fails member dials nobody reported on within their ring time plus the PBX's reconcile timeout
   * (a relay killed mid-dial), so no member stays `dialling` for ever. Never redials by itself:
   * the member may have been rung, so only a person asking for a redial rings them again.
   */
  expireSilentDials(now: number): number {
    const silent = this.store.silentDials(now, this.graceMs());
    for (const m of silent) this.store.setMemberStatus(m.id, 'failed', null, UNREPORTED_DIAL, now);
    return silent.length;
  }

  nextWake(now: number): number | undefined {
    return earliest(this.store.nextSilentDial(this.graceMs()), this.store.nextRetry(now));
  }

  private graceMs(): number {
    return (this.settings()?.reconcileTimeoutSec ?? 300) * 1000;
  }

  private sendRules(): void {
    const active = this.sessions.active();
    if (active !== undefined) this.sessions.send(active.ws, { type: 'conference.rules', rules: this.rules() });
  }

  private requested(frame: Extract<RelayFrame, { type: 'conference.requested' }>, now: number): void {
    const key = `svc:${frame.key}`;
    if (this.store.conferenceBySourceKey(key) !== undefined) return;
    const group = this.store.groupByCode(frame.group);
    if (group === undefined) return;
    // The caller is entering the room already (the dialplan's ConfBridge); everyone else is dialled.
    const members = storedMembers.parse(JSON.parse(group.members)).filter((m) => !('extension' in m) || m.extension !== frame.caller);
    this.create({ room: frame.room, group, members, source: 'service-code', sourceKey: key, callerIdName: undefined, bridgeProfile: 'default_bridge', userProfile: 'default_user', ringTimeoutSec: undefined, retry: undefined }, now);
  }

  private memberReport(frame: MemberFrame, now: number): void {
    const m = this.store.member(frame.memberId);
    // Fenced by the attempt: a report about an earlier dial of this member changes nothing.
    if (m === undefined || m.conference_id !== frame.conferenceId || m.attempt !== frame.attempt) return;
    const from = m.status === 'failed' && m.note === UNREPORTED_DIAL ? 'dialling' : m.status;
    if (!NEXT[from].includes(frame.status)) return;
    const c = this.store.conference(m.conference_id);
    if ((frame.status === 'busy' || frame.status === 'no-answer') && c !== undefined && m.attempt < c.max_attempts) {
      // Only an outcome that proves nobody picked up is retried; a failed or unknown dial is left to a person.
      const runAt = now + c.retry_after_ms;
      this.store.queueRetry(m.id, frame.cause, `${frame.status}; dialling again at ${iso(runAt)}`, runAt, now);
      return;
    }
    this.store.setMemberStatus(m.id, frame.status, frame.cause, null, now);
  }

  private create(c: {
    room: string; group: GroupRow | undefined; members: ConferenceMember[]; source: ConferenceRow['source']; sourceKey: string | null;
    callerIdName: string | undefined; bridgeProfile: string; userProfile: string; ringTimeoutSec: number | undefined; retry: MemberRetry | undefined;
  }, now: number): ConferenceResult {
    const settings = this.settings();
    if (settings === undefined) return { kind: 'no-group' };
    if (c.members.length === 0) return { kind: 'no-members' };
    const bad = c.members.findIndex((m) => 'number' in m && !isDestinationAllowed(settings.destinations, m.number));
    if (bad >= 0) return { kind: 'destination-not-allowed', field: `members.${bad}.number` };
    const id = newId('cnf_');
    const retry = c.retry ?? groupRetry(c.group) ?? { maxAttempts: 1, afterSec: 60 };
    this.store.insertConference({
      id, room: c.room, group_id: c.group?.id ?? null, source: c.source, source_key: c.sourceKey,
      caller_id_name: c.callerIdName ?? c.group?.caller_id_name ?? validName(c.group?.name) ?? 'Conference',
      bridge_profile: c.bridgeProfile, user_profile: c.userProfile, ring_timeout_ms: (c.ringTimeoutSec ?? settings.ringTimeoutSec) * 1000, created_at: now,
      max_attempts: retry.maxAttempts, retry_after_ms: retry.afterSec * 1000,
    });
    c.members.forEach((m, position) => this.store.insertMember({
      id: newId('mem_'), conference_id: id, position, name: m.name, extension: 'extension' in m ? m.extension : null, number: 'number' in m ? m.number : null,
      context: 'extension' in m ? settings.operatorContext : settings.customerContext, status: 'queued', attempt: 0, cause: null, note: null, updated_at: now, run_at: null,
    }));
    this.pump(now);
    const view = this.conference(id);
    return view === null ? { kind: 'no-members' } : { kind: 'created', conference: view };
  }

  private view(row: ConferenceRow): ConferenceView {
    const room = this.room(row.room);
    return {
      id: row.id, pbx: this.pbx(), room: row.room, group: row.group_id, source: row.source, callerIdName: row.caller_id_name,
      bridgeProfile: row.bridge_profile, userProfile: row.user_profile, createdAt: iso(row.created_at),
      members: this.store.membersOf(row.id).map(memberView), participants: room.participants, participantsAt: room.at,
    };
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();
const groupRetry = (group: GroupRow | undefined): MemberRetry | undefined =>
  group?.retry == null ? undefined : memberRetry.parse(JSON.parse(group.retry));
const validName = (name: string | undefined): string | undefined => (name !== undefined && callerIdName.safeParse(name).success ? name : undefined);

function groupView(row: GroupRow): ConferenceGroupView {
  return {
    id: row.id, name: row.name, code: row.code, ...(row.caller_id_name !== null ? { callerIdName: row.caller_id_name } : {}),
    members: storedMembers.parse(JSON.parse(row.members)), ...(row.retry !== null ? { retry: memberRetry.parse(JSON.parse(row.retry)) } : {}),
    createdAt: iso(row.created_at), updatedAt: iso(row.updated_at),
  };
}

function memberView(m: MemberRow): ConferenceView['members'][number] {
  return {
    id: m.id, name: m.name, extension: m.extension, number: m.number, status: m.status, attempts: m.attempt, cause: m.cause, note: m.note,
    nextAttemptAt: m.status === 'queued' && m.run_at !== null ? iso(m.run_at) : null, updatedAt: iso(m.updated_at),
  };
}
