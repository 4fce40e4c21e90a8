// Who is in which ConfBridge room, from ConfbridgeJoin/Leave/End as they arrive and from
// ConfbridgeListRooms + ConfbridgeList after every (re)login. Used by the conference module (rules, assemblies, reports).
// Invariants: a participant is counted only once we know which leg it is; it is `external` only if this relay originated it as one (its Uniqueid is our
// ChannelId, recorded in the LegRegistry) or its PEREZVON_LEG variable says so; never by its name.
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { AmiConnection } from '../ami/connection.js';
import { sendList } from '../ami/event-list.js';
import { validateChannelName, validateVariableName } from '../ami/validation.js';
import { header, type AmiMessage } from '../ami/wire.js';

/** How often, and how far apart, the leg variable of a joining participant is tried before it is left uncounted. */
const IDENTIFY_TRIES = 3;
const IDENTIFY_PAUSE_MS = 200;

export type LegKind = 'internal' | 'external';

export interface LegRecord {
  leg: LegKind;
  room: string;
  memberId: string | null;
}

/** The legs this relay originated, by ChannelId (= the Uniqueid of the `;1` that enters the room). */
export class LegRegistry {
  private readonly legs = new Map<string, LegRecord>();
  add(channelId: string, record: LegRecord): void {
    this.legs.set(channelId, record);
  }
  get(uniqueid: string): LegRecord | undefined {
    return this.legs.get(uniqueid);
  }
  delete(channelId: string): void {
    this.legs.delete(channelId);
  }
}

/** The channel variable the relay sets on every leg it originates. */
export const LEG_VARIABLE = 'PEREZVON_LEG';

export interface RoomParticipant {
  uniqueid: string;
  channel: string;
  callerIdNum: string | null;
  leg: LegKind;
  memberId: string | null;
}

export type RoomChange =
  | { kind: 'join' | 'leave'; room: string; who: RoomParticipant; at: number }
  | { kind: 'snapshot'; room: string; participants: RoomParticipant[]; at: number };

export class RoomWatch extends EventEmitter<{ change: [RoomChange] }> {
  private readonly rooms = new Map<string, Map<string, RoomParticipant>>();
  private readonly onEvent = (ev: AmiMessage): void => this.handle(ev);
  /** Uniqueids of joined participants whose PEREZVON_LEG is being read. */
  private readonly identifying = new Set<string>();

  constructor(
    private readonly ami: AmiConnection,
    private readonly registry: LegRegistry,
    private readonly logger: Logger,
  ) {
    super();
    ami.on('event', this.onEvent);
  }

  stop(): void {
    this.ami.off('event', this.onEvent);
  }

  /** Rooms with someone in them as far as we know (what a reconnect must re-read, as some may have ended meanwhile). */
  knownRooms(): string[] {
    return [...this.rooms].filter(([, members]) => members.size > 0).map(([room]) => room);
  }

  /** The rooms the PBX has running now (ConfbridgeListRooms; none is an error, capture 05). */
  async activeRooms(): Promise<string[]> {
    const list = await sendList(this.ami, { Action: 'ConfbridgeListRooms' }, { emptyOnKnownErrors: true });
    return list.items.map((item) => header(item, 'Conference')).filter((room): room is string => room !== undefined);
  }

  participants(room: string): RoomParticipant[] {
    return [...(this.rooms.get(room)?.values() ?? [])];
  }

  /** Reads the room with ConfbridgeList (an unknown room is an empty one, capture 05) and replaces what we knew. */
  async reconcile(room: string): Promise<RoomParticipant[]> {
    const list = await sendList(this.ami, { Action: 'ConfbridgeList', Conference: room }, { emptyOnKnownErrors: true });
    const found: RoomParticipant[] = [];
    for (const item of list.items) {
      const p = this.fromEvent(item);
      if (p === undefined) continue;
      if (this.registry.get(p.uniqueid) === undefined) {
        const leg = await this.legOf(p.channel);
        // A participant we cannot tell apart could be our own external leg: counting it as internal would
        // dial a second one. The read fails instead, and a failed read dials nothing.
        if (leg === undefined) throw new Error(`could not read ${LEG_VARIABLE} of a participant of room ${room}`);
        p.leg = leg;
      }
      found.push(p);
    }
    this.rooms.set(room, new Map(found.map((p) => [p.uniqueid, p])));
    this.logger.info({ room, internals: found.filter((p) => p.leg === 'internal').length, externals: found.filter((p) => p.leg === 'external').length }, 'room read');
    this.emit('change', { kind: 'snapshot', room, participants: found, at: Date.now() });
    return found;
  }

  private handle(ev: AmiMessage): void {
    const name = header(ev, 'Event');
    if (name !== 'ConfbridgeJoin' && name !== 'ConfbridgeLeave' && name !== 'ConfbridgeEnd') return;
    const room = header(ev, 'Conference');
    if (room === undefined) return;
    if (name === 'ConfbridgeEnd') {
      this.rooms.delete(room);
      return;
    }
    const p = this.fromEvent(ev);
    if (p === undefined) return;
    if (name === 'ConfbridgeJoin') {
      if (this.registry.get(p.uniqueid) !== undefined) this.admit(room, p);
      else void this.identify(room, p);
      return;
    }
    const wasIdentifying = this.identifying.delete(p.uniqueid);
    const members = this.rooms.get(room);
    const known = members?.get(p.uniqueid);
    // It left before we knew what it was (and no room read listed it meanwhile): it was never counted.
    if (known === undefined && wasIdentifying) return;
    members?.delete(p.uniqueid);
    this.emit('change', { kind: 'leave', room, who: known ?? p, at: Date.now() });
  }

  private admit(room: string, p: RoomParticipant): void {
    const members = this.rooms.get(room) ?? new Map<string, RoomParticipant>();
    this.rooms.set(room, members);
    members.set(p.uniqueid, p);
    this.emit('change', { kind: 'join', room, who: p, at: Date.now() });
  }

  /**
   * A participant this run did not originate is a dial-in, or a leg of ours from before a restart that
   * joins late (its join prompt outlasted the restart). Only its PEREZVON_LEG tells which; until it is
   * read the participant counts for nothing, because counting our own external leg as an employee would
   * dial a second one. Unreadable after a few tries, it stays uncounted until the room is read again.
   */
  private async identify(room: string, p: RoomParticipant): Promise<void> {
    this.identifying.add(p.uniqueid);
    let leg: LegKind | undefined;
    for (let attempt = 0; leg === undefined && attempt < IDENTIFY_TRIES; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, IDENTIFY_PAUSE_MS * attempt));
      if (!this.identifying.has(p.uniqueid)) return;
      leg = await this.legOf(p.channel);
    }
    if (!this.identifying.delete(p.uniqueid)) return;
    if (leg === undefined) {
      this.logger.warn({ room }, 'a room participant whose leg variable cannot be read is not counted until the room is read again');
      return;
    }
    this.admit(room, { ...p, leg });
  }

  private fromEvent(ev: AmiMessage): RoomParticipant | undefined {
    const uniqueid = header(ev, 'Uniqueid');
    const channel = header(ev, 'Channel');
    if (uniqueid === undefined || channel === undefined) return undefined;
    const record = this.registry.get(uniqueid);
    return { uniqueid, channel, callerIdNum: header(ev, 'CallerIDNum') ?? null, leg: record?.leg ?? 'internal', memberId: record?.memberId ?? null };
  }

  /** PEREZVON_LEG of a channel we have no record of (we restarted since we originated it); undefined when it could not be read. */
  private async legOf(channel: string): Promise<LegKind | undefined> {
    try {
      const res = await this.ami.send({ Action: 'Getvar', Channel: validateChannelName(channel), Variable: validateVariableName(LEG_VARIABLE) });
      return header(res, 'Value') === 'external' ? 'external' : 'internal';
    } catch (err) {
      this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not read the leg variable of a room participant');
      return undefined;
    }
  }
}
