// Conference assemblies of a PBX: a group or a member list dialled into one room, by API or by the
// `*100G` service code; each member's dials and outcomes, automatic retries, and dials nobody
// reported on. Called by the queue's conference RPC methods, its frame routes and its alarm.
// Invariant: a member is handed to the relay only from `queued`, which it leaves in the same
// statement that numbers the new attempt, so no (member, attempt) is ever sent twice.
import type { ConferenceDial, MemberLeg } from '../../shared/conference-frames.js';
import { REDIALLABLE, type ConferenceMember, type ConferenceRequest, type ConferenceView, type MemberRetry, type MemberStatus } from '../../shared/conferences.js';
import { callerIdName } from '../../shared/dial.js';
import type { NumberRefusal } from '../../shared/numbering/number-refusal.js';
import type { PbxSettings } from '../../shared/pbx.js';
import type { RelayFrame } from '../../shared/relay-protocol.js';
import { newId } from '../auth/tokens.js';
import type { ConferenceRow, ConferenceStore, GroupRow, MemberRow } from './conference-store.js';
import { earliest } from './earliest.js';
import { groupMembers, groupRetry } from './group-desk.js';
import { gateExtension, gateMembers, policyOf } from './number-gate.js';
import type { RelaySessions } from './relay-sessions.js';
import type { RoomDesk } from './room-desk.js';

export type ConferenceResult = { kind: 'created'; conference: ConferenceView } | { kind: 'no-group' } | { kind: 'no-members' } | NumberRefusal;

type MemberFrame = Extract<RelayFrame, { type: 'conference.member' }>;
type RequestedFrame = Extract<RelayFrame, { type: 'conference.requested' }>;

/** Which reported status may follow which: a late `answered` never undoes `joined`; an unreported dial still takes its report. */
const NEXT: Readonly<Record<MemberStatus, ReadonlyArray<MemberStatus>>> = {
  queued: [],
  dialling: ['answered', 'joined', 'busy', 'no-answer', 'failed'],
  unknown: ['answered', 'joined', 'busy', 'no-answer', 'failed'],
  answered: ['joined', 'left', 'failed'],
  joined: ['left'],
  left: [],
  busy: [],
  'no-answer': [],
  failed: [],
};

interface NewAssembly {
  room: string;
  group: GroupRow | undefined;
  members: ConferenceMember[];
  source: ConferenceRow['source'];
  sourceKey: string | null;
  callerIdName: string | undefined;
  bridgeProfile: string;
  userProfile: string;
  ringTimeoutSec: number | undefined;
  retry: MemberRetry | undefined;
}

export class AssemblyDesk {
  constructor(
    private readonly store: ConferenceStore,
    private readonly rooms: RoomDesk,
    private readonly sessions: RelaySessions,
    private readonly settings: () => PbxSettings | undefined,
    private readonly pbx: () => string,
    /** Free call slots (call-slots.ts), shared with callbacks: members beyond them stay queued. */
    private readonly freeSlots: () => number,
  ) {}

  create(req: ConferenceRequest, now: number): ConferenceResult {
    const group = req.group === undefined ? undefined : this.store.group(req.group) ?? this.store.groupByCode(req.group);
    if (req.group !== undefined && group === undefined) return { kind: 'no-group' };
    const listed = group === undefined ? req.members ?? [] : groupMembers(group);
    const refused = this.refusalIn(req);
    if (refused !== undefined) return refused;
    const caller: ConferenceMember[] = req.caller === undefined ? [] : [{ name: 'Caller', extension: req.caller }];
    const members = [...caller, ...listed.filter((m) => !('extension' in m) || m.extension !== req.caller)];
    return this.assemble({
      room: req.room ?? req.caller ?? '', group, members, source: 'api', sourceKey: null, callerIdName: req.callerIdName,
      bridgeProfile: req.bridgeProfile, userProfile: req.userProfile, ringTimeoutSec: req.ringTimeoutSec, retry: req.retry,
    }, now);
  }

  /** The request's own caller and members judged first, so a refusal names the field the request used. */
  private refusalIn(req: ConferenceRequest): NumberRefusal | undefined {
    const settings = this.settings();
    if (settings === undefined) return undefined;
    const policy = policyOf(settings);
    const caller = req.caller === undefined ? undefined : gateExtension(policy, req.caller, 'caller');
    if (caller !== undefined) return caller;
    const listed = req.members === undefined ? undefined : gateMembers(policy, req.members);
    return listed?.ok === false ? listed.refusal : undefined;
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

  /** A phone dialled the service code: one assembly per dial (the UserEvent's Uniqueid), however often reported. */
  onRequested(frame: RequestedFrame, now: number): void {
    const key = `svc:${frame.key}`;
    if (this.store.conferenceBySourceKey(key) !== undefined) return;
    const group = this.store.groupByCode(frame.group);
    if (group === undefined) return;
    // The caller is entering the room already (the dialplan's ConfBridge); everyone else is dialled.
    const members = groupMembers(group).filter((m) => !('extension' in m) || m.extension !== frame.caller);
    this.assemble({ room: frame.room, group, members, source: 'service-code', sourceKey: key, callerIdName: undefined, bridgeProfile: 'default_bridge', userProfile: 'default_user', ringTimeoutSec: undefined, retry: undefined }, now);
  }

  onMember(frame: MemberFrame, now: number): void {
    const m = this.store.member(frame.memberId);
    // Fenced by the attempt: a report about an earlier dial of this member changes nothing.
    if (m === undefined || m.conference_id !== frame.conferenceId || m.attempt !== frame.attempt) return;
    if (!NEXT[m.status].includes(frame.status)) return;
    const c = this.store.conference(m.conference_id);
    if ((frame.status === 'busy' || frame.status === 'no-answer') && c !== undefined && m.attempt < c.max_attempts) {
      // Only an outcome that proves nobody picked up is retried; a failed or unknown dial is left to a person.
      const runAt = now + c.retry_after_ms;
      this.store.queueRetry(m.id, frame.cause, `${frame.status}; dialling again at ${iso(runAt)}`, runAt, now);
      return;
    }
    this.store.setMemberStatus(m.id, frame.status, frame.cause, null, now);
  }

  /** Hands queued members to the active relay, as many as there are free call slots, one `conference.dial` per conference. */
  pump(now: number): void {
    const active = this.sessions.active();
    const free = this.freeSlots();
    if (active === undefined || free <= 0) return;
    const byConference = new Map<string, MemberLeg[]>();
    for (const m of this.store.queuedMembers(now, free)) {
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
   * Dials nobody reported on within their ring time plus the PBX's reconcile timeout (a relay killed
   * mid-dial) become `unknown`, so no member stays `dialling` for ever. Never redialled by itself:
   * the member may have been rung, so only a person asking for a redial rings them again.
   */
  expireSilentDials(now: number): number {
    const silent = this.store.silentDials(now, this.graceMs());
    for (const m of silent) this.store.setMemberStatus(m.id, 'unknown', null, 'the relay did not report this dial in time', now);
    return silent.length;
  }

  nextWake(now: number): number | undefined {
    return earliest(this.store.nextSilentDial(this.graceMs()), this.store.nextRetry(now));
  }

  private graceMs(): number {
    return (this.settings()?.reconcileTimeoutSec ?? 300) * 1000;
  }

  private assemble(c: NewAssembly, now: number): ConferenceResult {
    const settings = this.settings();
    if (settings === undefined) return { kind: 'no-group' };
    if (c.members.length === 0) return { kind: 'no-members' };
    // Outside numbers are stored as the dial strings the relay sends.
    const judged = gateMembers(policyOf(settings), c.members);
    if (!judged.ok) return judged.refusal;
    const members = judged.value;
    const id = newId('cnf_');
    const retry = c.retry ?? groupRetry(c.group) ?? { maxAttempts: 1, afterSec: 60 };
    this.store.insertConference({
      id, room: c.room, group_id: c.group?.id ?? null, source: c.source, source_key: c.sourceKey,
      caller_id_name: c.callerIdName ?? c.group?.caller_id_name ?? validName(c.group?.name) ?? 'Conference',
      bridge_profile: c.bridgeProfile, user_profile: c.userProfile, ring_timeout_ms: (c.ringTimeoutSec ?? settings.ringTimeoutSec) * 1000, created_at: now,
      max_attempts: retry.maxAttempts, retry_after_ms: retry.afterSec * 1000,
    });
    members.forEach((m, position) => this.store.insertMember({
      id: newId('mem_'), conference_id: id, position, name: m.name, extension: 'extension' in m ? m.extension : null, number: 'number' in m ? m.number : null,
      context: 'extension' in m ? settings.operatorContext : settings.customerContext, status: 'queued', attempt: 0, cause: null, note: null, updated_at: now, run_at: null,
    }));
    this.pump(now);
    const view = this.conference(id);
    return view === null ? { kind: 'no-members' } : { kind: 'created', conference: view };
  }

  private view(row: ConferenceRow): ConferenceView {
    const room = this.rooms.room(row.room);
    return {
      id: row.id, pbx: this.pbx(), room: row.room, group: row.group_id, source: row.source, callerIdName: row.caller_id_name,
      bridgeProfile: row.bridge_profile, userProfile: row.user_profile, createdAt: iso(row.created_at),
      members: this.store.membersOf(row.id).map(memberView), participants: room.participants, participantsAt: room.at,
    };
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();
const validName = (name: string | undefined): string | undefined => (name !== undefined && callerIdName.safeParse(name).success ? name : undefined);

function memberView(m: MemberRow): ConferenceView['members'][number] {
  return {
    id: m.id, name: m.name, extension: m.extension, number: m.number, status: m.status, attempts: m.attempt, cause: m.cause, note: m.note,
    nextAttemptAt: m.status === 'queued' && m.run_at !== null ? iso(m.run_at) : null, updatedAt: iso(m.updated_at),
  };
}
