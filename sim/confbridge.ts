// ConfBridge rooms: the softmix bridge with its CBAnn announcer, members in arrival order, the
// ~3 s "only person" prompt for the first default_user, the ~2.4 s "removed" prompt on kick.
// Invariant: ConfbridgeStart precedes every Join of a room and ConfbridgeEnd follows its last Leave (FACTS 8).
import { randomUUID } from 'node:crypto';
import { chanFields, type Channel } from './channels';
import { bridgeFields, ev, varSet, CALL, type BridgeInfo } from './events';
import type { Fields } from './frame';
import type { Pbx } from './pbx';

export const PROMPT_ONLY_PERSON_MS = 3160;
export const PROMPT_KICKED_MS = 2380;
const TEARDOWN_MS = 390;

export interface Member {
  ch: Channel;
  muted: boolean;
  joinedAt: number;
  kicked: boolean;
  /**
   * Kicked while still hearing its join prompt, before it entered the bridge: Asterisk sets the
   * kicked flag and removes it from a bridge it is not in, so nothing happens — and, flagged, it can
   * never be kicked again (app_confbridge.c kick_conference_participant; seen on 22.10.1).
   */
  kickIgnored: boolean;
  wake: (() => void) | undefined;
}

export interface Room {
  name: string;
  bridge: BridgeInfo;
  announcer: string;
  /** Channel names in the bridge, in enter order; the announcer's `;2` is first. */
  inBridge: string[];
  members: Member[];
  locked: boolean;
}

export class Conferences {
  readonly rooms = new Map<string, Room>();
  constructor(private readonly pbx: Pbx) {}

  /** Runs the ConfBridge application for ch until it leaves (hangup or kick). */
  async run(ch: Channel, data: string): Promise<void> {
    const [name = '', , userProfile = 'default_user'] = data.split(',');
    const pbx = this.pbx;
    const room = this.rooms.get(name) ?? this.create(name);
    const member: Member = { ch, muted: false, joinedAt: Date.now(), kicked: false, kickIgnored: false, wake: undefined };
    room.members.push(member);
    ch.bridgeId = room.bridge.id;
    if (room.members.length === 1 && userProfile !== 'quiet_user') await pbx.sleep(PROMPT_ONLY_PERSON_MS, ch);
    const jitter = pbx.jitter('bridge-enter', ch);
    if (jitter > 0) await pbx.rawSleep(jitter);
    room.inBridge.push(ch.name);
    room.bridge.count = room.inBridge.length;
    pbx.emit(ev('BridgeEnter', CALL, bridgeFields(room.bridge), chanFields(ch)));
    this.updatePeers(room);
    pbx.emit(ev('ConfbridgeJoin', CALL, [['Conference', name]], bridgeFields(room.bridge), chanFields(ch), [['Admin', 'No'], ['Muted', member.muted ? 'Yes' : 'No']]));
    if (!ch.hangupRequested) await new Promise<void>((resolve) => {
      member.wake = resolve;
      void ch.interrupted().then(resolve);
    });
    ch.ownCause = 16;
    if (member.kicked && !member.kickIgnored) {
      // Left the bridge in kick(); the "you have been removed" prompt plays before the app returns.
      await pbx.sleep(PROMPT_KICKED_MS, ch);
      this.removeMember(room, member, 1);
    } else {
      pbx.emit(varSet(ch, 'BRIDGEPEER', ''));
      pbx.emit(ev('ConfbridgeLeave', CALL, [['Conference', name]], bridgeFields(room.bridge), chanFields(ch), [['Admin', 'No']]));
      this.leaveBridge(room, ch);
      ch.vars.set('CONFBRIDGE_RESULT', 'HANGUP');
      pbx.emit(varSet(ch, 'CONFBRIDGE_RESULT', 'HANGUP'));
      if (this.removeMember(room, member, TEARDOWN_MS)) await pbx.sleep(TEARDOWN_MS + 5);
    }
    ch.bridgeId = '';
  }

  /** PBX shutdown: the announcers leave first, so members leave an otherwise empty bridge (13). */
  shutdown(): void {
    for (const r of this.rooms.values()) {
      r.inBridge = r.inBridge.filter((n) => !n.startsWith('CBAnn/'));
      r.bridge.count = r.inBridge.length;
    }
  }

  /**
   * ConfbridgeKick of one member or `all`: every target gets CONFBRIDGE_RESULT/BRIDGEPEER first, then
   * all ConfbridgeLeave events, then the bridge leaves (capture 05, kick-all).
   */
  kick(room: Room, targets: Member[]): void {
    const pbx = this.pbx;
    for (const m of targets.filter((x) => !x.kicked && !room.inBridge.includes(x.ch.name))) {
      m.kicked = m.kickIgnored = true;
      m.ch.vars.set('CONFBRIDGE_RESULT', 'KICKED');
      pbx.emit(varSet(m.ch, 'CONFBRIDGE_RESULT', 'KICKED'));
    }
    const ms = targets.filter((m) => !m.kicked && room.inBridge.includes(m.ch.name));
    for (const m of ms) {
      m.kicked = true;
      m.ch.vars.set('CONFBRIDGE_RESULT', 'KICKED');
      pbx.emit(varSet(m.ch, 'CONFBRIDGE_RESULT', 'KICKED'));
      pbx.emit(varSet(m.ch, 'BRIDGEPEER', ''));
    }
    // Each participant leaves on its own thread: usually all ConfbridgeLeave events come first (05),
    // but a member may only get there after the previous ones left the bridge (08) — the jitter hook.
    let pending: Member[] = [];
    for (const m of ms) {
      if (pbx.jitter('kick-leave', m.ch) > 0) {
        for (const p of pending) this.leaveBridge(room, p.ch);
        pending = [];
      }
      pbx.emit(ev('ConfbridgeLeave', CALL, [['Conference', room.name]], bridgeFields(room.bridge), chanFields(m.ch), [['Admin', 'No']]));
      pending.push(m);
    }
    for (const p of pending) this.leaveBridge(room, p.ch);
    for (const m of ms) m.wake?.();
  }

  setMuted(room: Room, m: Member, muted: boolean): void {
    m.muted = muted;
    const fields: Fields = [['Conference', room.name], ...bridgeFields(room.bridge), ...chanFields(m.ch), ['Admin', 'No']];
    this.pbx.emit(ev(muted ? 'ConfbridgeMute' : 'ConfbridgeUnmute', CALL, fields));
  }

  private create(name: string): Room {
    const pbx = this.pbx;
    const bridge: BridgeInfo = { id: randomUUID(), type: 'base', tech: 'softmix', creator: 'ConfBridge', name, count: 0 };
    // The announcer channel takes a channel-name sequence number and two uniqueids but emits no Newchannel.
    const announcer = `CBAnn/${name}-${pbx.nextSeq()}`;
    pbx.newUid();
    pbx.newUid();
    const room: Room = { name, bridge, announcer, inBridge: [], members: [], locked: false };
    this.rooms.set(name, room);
    pbx.emit(ev('BridgeCreate', CALL, bridgeFields(bridge)));
    room.inBridge.push(`${announcer};2`);
    bridge.count = 1;
    pbx.emit(ev('ConfbridgeStart', CALL, [['Conference', name]], bridgeFields(bridge)));
    pbx.deviceState(`confbridge:${name}`, 'INUSE');
    return room;
  }

  private leaveBridge(room: Room, ch: Channel): void {
    room.inBridge = room.inBridge.filter((n) => n !== ch.name);
    room.bridge.count = room.inBridge.length;
    this.pbx.emit(ev('BridgeLeave', CALL, bridgeFields(room.bridge), chanFields(ch)));
    this.updatePeers(room);
  }

  /** BRIDGEPEER on every member still in the bridge: the other channels, in bridge order. */
  private updatePeers(room: Room): void {
    for (const name of room.inBridge) {
      const ch = this.pbx.channels.get(name);
      if (!ch || ch.gone) continue;
      const peers = room.inBridge.filter((n) => n !== name).join(',');
      ch.vars.set('BRIDGEPEER', peers);
      this.pbx.emit(varSet(ch, 'BRIDGEPEER', peers));
    }
  }

  /** Returns true when this was the last member (the room ended). */
  private removeMember(room: Room, m: Member, destroyAfterMs: number): boolean {
    room.members = room.members.filter((x) => x !== m);
    if (room.members.length > 0) return false;
    const pbx = this.pbx;
    this.rooms.delete(room.name);
    pbx.deviceState(`confbridge:${room.name}`, 'NOT_INUSE');
    pbx.emit(ev('ConfbridgeEnd', CALL, [['Conference', room.name]], bridgeFields(room.bridge)));
    pbx.later(destroyAfterMs, () => {
      pbx.deviceState(`CBAnn/${room.name}`, 'INUSE');
      pbx.emit(ev('BridgeDestroy', CALL, bridgeFields(room.bridge, 0)));
      pbx.deviceState(`CBAnn/${room.name}`, 'UNKNOWN');
    });
    return true;
  }
}
