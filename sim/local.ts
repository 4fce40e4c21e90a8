// Local channel pairs (`Local/EXT@CTX-0000001b;1` / `;2`): creation events in Asterisk's order,
// and the signalling between the dialplan on `;2` and whoever dialled `;1` (Originate, Dial, Queue).
// Invariant: a half that hangs up first sends HangupRequest to its partner before its own Hangup.
import { Channel, chanFields } from './channels';
import { chanEvent, ev, newexten, varSet, CALL } from './events';
import type { Pbx } from './pbx';

export type Outcome = { kind: 'answer' } | { kind: 'busy' } | { kind: 'congestion' } | { kind: 'hangup'; cause: number };

export interface PairOptions {
  uid1?: string;
  uid2?: string;
  linkedid?: string;
  vars?: Array<[string, string]>;
  callerId?: { num: string; name: string };
  /** The channel that runs Dial()/Queue() towards this pair; absent for Originate. */
  caller?: Channel;
  dialApp: 'AppDial2' | 'AppDial' | 'AppQueue';
  /** The target extension does not exist: the pair is torn down before LocalBridge (04 e09/e10). */
  noExten?: boolean;
}

export class LocalPair {
  onRinging: (() => void) | undefined;
  beforeRinging: (() => void) | undefined;
  /** Dialled by a synchronous Originate (changes one ordering, capture 12). */
  sync = false;
  private settleFn: ((o: Outcome) => void) | undefined;
  readonly outcome: Promise<Outcome>;
  settled = false;

  constructor(
    readonly pbx: Pbx,
    readonly one: Channel,
    readonly two: Channel,
  ) {
    this.outcome = new Promise((resolve) => (this.settleFn = resolve));
  }

  settle(o: Outcome): void {
    if (this.settled) return;
    this.settled = true;
    this.settleFn?.(o);
  }

  ringing(): void {
    this.beforeRinging?.();
    this.pbx.setState(this.one, 5);
    this.onRinging?.();
  }

  answer(): void {
    this.pbx.setState(this.one, 6);
    this.settle({ kind: 'answer' });
  }

  /** The dialler hangs up `;1` (cause → HangupRequest on `;2`, then `;1`'s Hangup). */
  hangupOne(cause: number): void {
    hangupHalf(this.pbx, this.one, cause);
  }
}

/** Hangs up one half of a Local pair: partner first gets HangupRequest with the cause. */
export function hangupHalf(pbx: Pbx, ch: Channel, cause: number): void {
  if (ch.gone) return;
  const p = ch.partner;
  if (p && !p.gone) {
    // chan_local copies the `;2` side's DIALSTATUS to `;1` as CHANLOCALSTATUS (03h, 03i, 03k).
    const status = ch.name.endsWith(';2') ? ch.vars.get('DIALSTATUS') : undefined;
    if (status) {
      p.vars.set('CHANLOCALSTATUS', status);
      pbx.emit(varSet(p, 'CHANLOCALSTATUS', status));
    }
    p.requestedCause = cause;
    pbx.hangupRequest(p, cause);
  }
  pbx.finishHangup(ch, cause);
}

/** A channel that ran dialplan ends: SoftHangupRequest 16, then partner request + Hangup. */
export function endPbxChannel(pbx: Pbx, ch: Channel, cause?: number): void {
  if (ch.gone) return;
  pbx.softHangupRequest(ch, 16);
  hangupHalf(pbx, ch, cause ?? ch.ownCause ?? ch.requestedCause ?? 0);
}

export function createLocalPair(pbx: Pbx, exten: string, context: string, o: PairOptions): LocalPair {
  const seq = pbx.nextSeq();
  const base = `Local/${exten}@${context}-${seq}`;
  const uid1 = o.uid1 ?? pbx.newUid();
  const uid2 = o.uid2 ?? (o.uid1 !== undefined ? `${o.uid1};2` : pbx.newUid());
  const linked = o.linkedid ?? uid1;
  const one = new Channel(`${base};1`, uid1, linked, context, exten);
  const two = new Channel(`${base};2`, uid2, linked, context, exten);
  one.partner = two;
  two.partner = one;
  one.device = two.device = `Local/${exten}@${context}`;
  two.state = 4;
  two.inPbx = true;
  const pair = new LocalPair(pbx, one, two);
  pbx.addChannel(one);
  pbx.addChannel(two);
  const vars = o.vars ?? [];
  if (o.caller && o.dialApp === 'AppQueue') {
    // Queue(): the member channel shows the queue caller's id and, once rung, the caller's exten (09).
    const c = o.caller;
    const peer = `${exten}@${context}`;
    one.cidNum = c.cidNum;
    one.cidName = c.cidName;
    pbx.emit(newexten(one, o.dialApp, '(Outgoing Line)'));
    pbx.emit(chanEvent('NewCallerid', one, [['CID-CallingPres', CID_PRES]]));
    for (const ch of [one, two]) {
      ch.vars.set('DIALEDPEERNUMBER', peer);
      pbx.emit(varSet(ch, 'DIALEDPEERNUMBER', peer));
    }
    two.cidNum = two.connNum = c.cidNum;
    two.cidName = two.connName = c.cidName;
    pbx.emit(chanEvent('NewCallerid', two, [['CID-CallingPres', CID_PRES]]));
    pbx.emit(chanEvent('NewConnectedLine', two));
  } else if (o.caller) {
    // Dial(): DIALEDPEERNUMBER first; the callee shows the dialled number as caller id (03h, 03i).
    const peer = `${exten}@${context}`;
    const c = o.caller;
    one.vars.set('DIALEDPEERNUMBER', peer);
    pbx.emit(varSet(one, 'DIALEDPEERNUMBER', peer));
    one.cidNum = exten;
    one.cidName = c.cidName;
    one.connNum = c.cidNum;
    one.connName = c.cidName;
    pbx.emit(newexten(one, o.dialApp, '(Outgoing Line)'));
    pbx.emit(chanEvent('NewCallerid', one, [['CID-CallingPres', CID_PRES]]));
    pbx.emit(chanEvent('NewConnectedLine', one));
    two.vars.set('DIALEDPEERNUMBER', peer);
    pbx.emit(varSet(two, 'DIALEDPEERNUMBER', peer));
    two.cidNum = c.cidNum;
    two.cidName = c.cidName;
    two.connNum = exten;
    two.connName = c.cidName;
    pbx.emit(chanEvent('NewCallerid', two, [['CID-CallingPres', CID_PRES]]));
    pbx.emit(chanEvent('NewConnectedLine', two));
  } else {
    pbx.emit(newexten(one, o.dialApp, '(Outgoing Line)'));
    // Originate variables: ;1 lists them in reverse, ;2 in the given order (02a).
    for (const [k, v] of [...vars].reverse()) {
      one.vars.set(k, v);
      pbx.emit(varSet(one, k, v));
    }
    if (o.callerId) {
      one.cidNum = o.callerId.num;
      one.cidName = o.callerId.name;
      pbx.emit(chanEvent('NewCallerid', one, [['CID-CallingPres', CID_PRES]]));
      one.connNum = o.callerId.num;
      one.connName = o.callerId.name;
      pbx.emit(chanEvent('NewConnectedLine', one));
    }
    for (const [k, v] of vars) {
      two.vars.set(k, v);
      pbx.emit(varSet(two, k, v));
    }
    if (o.callerId) {
      two.cidNum = two.connNum = o.callerId.num;
      two.cidName = two.connName = o.callerId.name;
      pbx.emit(chanEvent('NewCallerid', two, [['CID-CallingPres', CID_PRES]]));
      pbx.emit(chanEvent('NewConnectedLine', two));
    }
  }
  if (o.noExten) return pair;
  pbx.emit(
    ev('LocalBridge', CALL, chanFields(one, 'LocalOne'), chanFields(two, 'LocalTwo'), [
      ['Context', context],
      ['Exten', exten],
      ['LocalOptimization', 'Yes'],
    ]),
  );
  return pair;
}

const CID_PRES = '0 (Presentation Allowed, Not Screened)';

/** DialStatus reported for a callee that hung up with cause before answering (03d-03g). */
export function dialStatusForCause(cause: number): string {
  if (cause === 17) return 'BUSY';
  if (cause === 34) return 'CONGESTION';
  return 'NOANSWER';
}
