// Detects missed calls from outside, and calls that got through, in the PBX's AMI event stream, so a
// PBX needs no custom dialplan: an inbound channel (Newchannel in a watched inbound context) that
// ends (Hangup) without an answer — no `DialEnd` ANSWER, no `AgentConnect` — after reaching a watched
// queue (`QueueCallerJoin`/`QueueCallerAbandon`, capture 09), extension (`DialBegin` DialString) or
// DID (its Exten) is missed. Pure: events in, frames out; missed-call-module.ts wires it to AMI.
// Invariant: each inbound channel yields at most one frame of each kind; our own originated channels
// (shared/channel-ids.ts) are never considered.
import { isOwnChannelId } from '../../shared/channel-ids.js';
import { PHONE_NUMBER } from '../../shared/dial.js';
import type { QueueFrame, RelayFrame } from '../../shared/relay-protocol.js';
import { header, type AmiMessage } from '../ami/wire.js';

type Watch = Extract<QueueFrame, { type: 'missed-calls.watch' }>;
type DetectorFrame = Extract<RelayFrame, { type: 'missed-call' | 'call-connected' }>;

interface Tracked {
  direction: 'inbound' | 'outbound';
  /** The outside number: the caller (inbound) or the dialled number (outbound). */
  number: string;
  did: string;
  extensions: Set<string>;
  queue: string | null;
  answered: boolean;
  reported: boolean;
}

/** Calls from outside have a real number: 5+ digits (shorter ones are extensions or service codes). */
const OUTSIDE = (n: string | undefined): n is string => n !== undefined && PHONE_NUMBER.test(n) && n.replace('+', '').length >= 5;
const LIMIT = 5000;

export class MissedCallDetector {
  private watch: Watch | undefined;
  private readonly calls = new Map<string, Tracked>();

  setWatch(w: Watch): void {
    this.watch = w;
  }

  get tracking(): number {
    return this.calls.size;
  }

  onEvent(ev: AmiMessage, now: number): DetectorFrame[] {
    const w = this.watch;
    if (w === undefined || !w.enabled) return []; // no watch: not even a header lookup per event
    const uid = header(ev, 'Uniqueid');
    if (uid === undefined) return [];
    switch (header(ev, 'Event')) {
      case 'Newchannel':
        this.track(ev, uid, w);
        return [];
      case 'NewCallerid': {
        // The caller's number may arrive after Newchannel (Local channels, some trunks).
        const call = this.calls.get(uid);
        const caller = header(ev, 'CallerIDNum');
        if (call?.direction === 'inbound' && caller !== undefined) call.number = caller;
        return [];
      }
      case 'DialBegin':
        this.calls.get(uid)?.extensions.add(dialledExtension(header(ev, 'DialString')));
        return [];
      case 'QueueCallerJoin': {
        const call = this.calls.get(uid);
        if (call !== undefined) call.queue = header(ev, 'Queue') ?? null;
        return [];
      }
      case 'DialEnd':
        return header(ev, 'DialStatus') === 'ANSWER' ? this.answered(uid, now) : [];
      case 'AgentConnect':
        return this.answered(uid, now);
      case 'QueueCallerAbandon':
        return this.abandoned(uid, header(ev, 'Queue'), w, now);
      case 'Hangup':
        return this.ended(uid, w, now);
      default:
        return [];
    }
  }

  private track(ev: AmiMessage, uid: string, w: Watch): void {
    const channel = header(ev, 'Channel') ?? '';
    const context = header(ev, 'Context') ?? '';
    // `;1` is the caller side of a Local pair; the relay's own calls carry its ChannelIds.
    if (channel.endsWith(';1') || isOwnChannelId(uid) || isOwnChannelId(header(ev, 'Linkedid') ?? '') || this.calls.size >= LIMIT) return;
    const exten = header(ev, 'Exten') ?? '';
    const base = { did: exten, extensions: new Set<string>(), queue: null, answered: false, reported: false };
    if (w.watch.inboundContexts.includes(context)) this.calls.set(uid, { ...base, direction: 'inbound', number: header(ev, 'CallerIDNum') ?? '' });
    else if (w.operatorContexts.includes(context) && OUTSIDE(exten)) this.calls.set(uid, { ...base, direction: 'outbound', number: exten });
  }

  private answered(uid: string, now: number): DetectorFrame[] {
    const call = this.calls.get(uid);
    if (call === undefined || call.answered || !OUTSIDE(call.number)) return [];
    call.answered = true;
    return [{ type: 'call-connected', number: call.number, direction: call.direction, at: now, uniqueid: uid.slice(0, 64) }];
  }

  private abandoned(uid: string, queue: string | undefined, w: Watch, now: number): DetectorFrame[] {
    const call = this.calls.get(uid);
    if (call === undefined || call.direction !== 'inbound' || call.answered || call.reported || !OUTSIDE(call.number) || queue === undefined || !w.watch.queues.includes(queue)) return [];
    call.reported = true;
    return [missed(call, queue, 'queue', uid, now)];
  }

  private ended(uid: string, w: Watch, now: number): DetectorFrame[] {
    const call = this.calls.get(uid);
    this.calls.delete(uid);
    if (call === undefined || call.direction !== 'inbound' || call.answered || call.reported || !OUTSIDE(call.number)) return [];
    if (call.queue !== null && w.watch.queues.includes(call.queue)) return [missed(call, call.queue, 'queue', uid, now)];
    const ext = [...call.extensions].find((e) => w.watch.extensions.includes(e));
    if (ext !== undefined) return [missed(call, ext, 'extension', uid, now)];
    if (w.watch.dids.includes(call.did)) return [missed(call, call.did, 'did', uid, now)];
    return [];
  }
}

function missed(call: Tracked, target: string, kind: 'queue' | 'extension' | 'did', uid: string, now: number): DetectorFrame {
  return { type: 'missed-call', caller: call.number, target, kind, at: now, uniqueid: uid.slice(0, 64) };
}

/** `PJSIP/101`, `101@phones`, `Local/101@from-internal` → `101`. */
function dialledExtension(dialString: string | undefined): string {
  return /^(?:[A-Za-z]+\/)?([0-9*#]+)/.exec(dialString ?? '')?.[1] ?? '';
}
