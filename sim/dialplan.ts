// The PBX model: the dialplan of the captures (README "The PBX behind the captures") plus the
// product extras in `from-internal`. Runs one channel through its extension step by step.
// Invariant: every step emits Newexten with the substituted AppData before it acts, and any
// hangup request ends the channel with SoftHangupRequest 16 + Hangup (ownCause ?? requested cause).
import { chanFields, type Channel } from './channels';
import type { Conferences } from './confbridge';
import { ev, newexten, varSet, CALL, bridgeFields, type BridgeInfo } from './events';
import { createLocalPair, dialStatusForCause, endPbxChannel, hangupHalf, type LocalPair } from './local';
import { randomUUID } from 'node:crypto';
import type { Pbx } from './pbx';
import { answerIfNeeded, busyOrCongestion, runPhone, step } from './phone-apps';
import { defaultPhone, type PhoneBehaviour } from './phones';

export interface Dialplan {
  pbx: Pbx;
  confs: Conferences;
  /** Present on the engine (originate.ts); the `from-trunk` context needs it to reach a queue. */
  queues?: { queues: Map<string, unknown>; enter(ch: Channel, name: string): Promise<void> };
}

const EXTERNAL = /^\+?\d{5,}$/;

/** The phone behaviour of `phones` extension n (test override first), undefined if it does not exist. */
export function phoneFor(pbx: Pbx, n: string): PhoneBehaviour | undefined {
  return pbx.phone(n) ?? defaultPhone(n);
}

export function extenExists(pbx: Pbx, context: string, exten: string): boolean {
  switch (context) {
    case 'phones':
      return phoneFor(pbx, exten) !== undefined;
    case 'outbound':
    case 'outbound-mapped':
      return EXTERNAL.test(exten) || /^\d+$/.test(exten);
    case 'conf':
      return /^\d+$/.test(exten);
    case 'from-internal':
      return /^\*100\d+$/.test(exten) || /^[12]\d\d$/.test(exten) || EXTERNAL.test(exten);
    case 'from-trunk':
      return /^[12]\d\d$/.test(exten) || exten === 'support' || exten === 'sales';
    default:
      return false;
  }
}

/** Runs ch (usually a Local `;2`) through context/exten; pair is set when ch is a pair's `;2`. */
export async function runDialplan(d: Dialplan, ch: Channel, pair: LocalPair | undefined): Promise<void> {
  const { pbx } = d;
  const { context, exten } = ch;
  if (context === 'phones') await runPhone(d.pbx, ch, pair, phoneFor(pbx, exten));
  else if (context === 'conf') {
    step(d.pbx, ch, 1, 'ConfBridge', `${exten},default_bridge,default_user`);
    answerIfNeeded(d.pbx, ch, pair);
    await d.confs.run(ch, `${exten},default_bridge,default_user`);
  } else if (context === 'from-internal') {
    const svc = /^\*100(\d+)$/.exec(exten);
    if (svc) await serviceCode(d, ch, pair, svc[1] ?? '');
    // An office extension is reached through Dial(), as FreePBX (Dial(PJSIP/101)), MikoPBX and the
    // real-PBX kit (Dial(Local/101@phones,60)) do: the `;2` running this has its own DialBegin/DialEnd.
    else if (/^[12]\d\d$/.test(exten)) await dialOut(d, ch, pair, 60, false);
    else await dialOut(d, ch, pair, 60, true);
  } else if (context === 'outbound') await dialOut(d, ch, pair, /^8\d{10}$/.test(exten) ? 60 : 30, false);
  else if (context === 'outbound-mapped') await dialOut(d, ch, pair, 60, true);
  else if (context === 'from-trunk') await inbound(d, ch, pair);
  pair?.settle({ kind: 'hangup', cause: ch.hangupCause });
  if (!ch.gone) endPbxChannel(pbx, ch);
}

/** `*100G`: UserEvent ConferenceAssembly, Answer, ConfBridge(<caller id>) (capture 10). */
async function serviceCode(d: Dialplan, ch: Channel, pair: LocalPair | undefined, group: string): Promise<void> {
  const cid = ch.cidNum;
  step(d.pbx, ch, 1, 'UserEvent', `ConferenceAssembly,Group: ${group},Room: ${cid},Caller: ${cid}`);
  d.pbx.emit(ev('UserEvent', 'user,all', chanFields(ch), [['UserEvent', 'ConferenceAssembly'], ['Group', group], ['Room', cid], ['Caller', cid]]));
  step(d.pbx, ch, 2, 'Answer', '');
  answerIfNeeded(d.pbx, ch, pair);
  step(d.pbx, ch, 3, 'ConfBridge', cid);
  await d.confs.run(ch, cid);
}

/**
 * `from-trunk`, added for missed-call detection (beyond the captures): a call from outside arrives
 * with the DID as its Exten, as FreePBX inbound routes see it. A DID naming a queue runs
 * `Queue(<name>)` (its events as in capture 09); a DID of 1XX/2XX runs `Dial(Local/<n>@phones,20)`
 * then `Hangup()`, the Dial events as for outbound calls (03h/03j). Asterisk docs: Application_Queue,
 * Application_Dial; the DialBegin/DialEnd and QueueCaller* events are documented in the AMI event list.
 */
async function inbound(d: Dialplan, ch: Channel, pair: LocalPair | undefined): Promise<void> {
  const { pbx } = d;
  if (d.queues?.queues.has(ch.exten)) {
    step(d.pbx, ch, 1, 'Answer', '');
    answerIfNeeded(d.pbx, ch, pair);
    step(d.pbx, ch, 2, 'Queue', ch.exten);
    await d.queues.enter(ch, ch.exten);
    return;
  }
  step(d.pbx, ch, 1, 'Dial', `Local/${ch.exten}@phones,20`);
  for (const v of DIAL_VARS) setVar(pbx, ch, v, '');
  const { status } = await dial(d, ch, pair, ch.exten, 20_000, 'scaled');
  if (ch.hangupRequested || status === 'ANSWER' || status === 'CANCEL') return;
  step(d.pbx, ch, 2, 'Hangup', '');
  ch.ownCause = 16;
  endPbxChannel(pbx, ch, 16);
}

const DIAL_VARS = ['DIALSTATUS', 'DIALEDPEERNUMBER', 'DIALEDPEERNAME', 'ANSWEREDTIME', 'ANSWEREDTIME_MS', 'DIALEDTIME', 'DIALEDTIME_MS', 'RINGTIME', 'RINGTIME_MS', 'PROGRESSTIME', 'PROGRESSTIME_MS'];

/**
 * `Dial(Local/N@phones,T)` then either `Hangup()` (outbound, an extension) or the DIALSTATUS mapping
 * (outbound-mapped, outside numbers from from-internal). T runs on real time, not the scaled PBX
 * clock: it is what the relay's own ring bound (also real time) races, as a real route's 60 s do.
 * `routeTimeoutSec` replaces every route's T (a test of a shorter dialplan timeout).
 */
async function dialOut(d: Dialplan, ch: Channel, pair: LocalPair | undefined, routeTimeoutS: number, mapped: boolean): Promise<void> {
  const { pbx } = d;
  const n = ch.exten;
  const timeoutS = pbx.opts.routeTimeoutSec ?? routeTimeoutS;
  step(d.pbx, ch, 1, 'Dial', `Local/${n}@phones,${timeoutS}`);
  for (const v of DIAL_VARS) setVar(pbx, ch, v, '');
  const { status, cause } = await dial(d, ch, pair, n, timeoutS * 1000, 'real');
  // After a bridged call or a cancelled dial the channel just hangs up (03h, 03j).
  if (ch.hangupRequested || status === 'ANSWER' || status === 'CANCEL') return;
  if (!mapped) {
    step(d.pbx, ch, 2, 'Hangup', '');
    ch.ownCause = cause ?? 16;
    endPbxChannel(pbx, ch, ch.ownCause);
    return;
  }
  step(d.pbx, ch, 2, 'Goto', `ds-${status},1`);
  ch.exten = `ds-${status}`;
  if (status === 'BUSY' || status === 'CONGESTION') {
    // Behind an answered first leg (the originated `;1` runs this), Asterisk also reports a DialEnd
    // for the `;2` half, with no caller fields and no DialBegin before it (seen on 22.10.1).
    if (!pair && ch.partner && !ch.partner.gone) pbx.emit(ev('DialEnd', CALL, chanFields(ch.partner, 'Dest'), [['DialStatus', status]]));
    await busyOrCongestion(d.pbx, ch, pair, status === 'BUSY' ? 'busy' : 'congestion', 1, '10');
    return;
  }
  step(d.pbx, ch, 1, 'Hangup', '19');
  ch.ownCause = 19;
  endPbxChannel(pbx, ch, 19);
}

function setVar(pbx: Pbx, ch: Channel, name: string, value: string): void {
  ch.vars.set(name, value);
  pbx.emit(varSet(ch, name, value));
}

/** Dial() from ch to Local/N@phones: DIALSTATUS, plus the callee's cause when it hung up unanswered. */
async function dial(d: Dialplan, ch: Channel, outer: LocalPair | undefined, n: string, timeoutMs: number, clock: 'real' | 'scaled'): Promise<{ status: string; cause?: number }> {
  const { pbx } = d;
  const started = Date.now();
  const done = (status: string, cause?: number) => {
    setVar(pbx, ch, 'DIALSTATUS', status);
    return { status, cause };
  };
  if (!extenExists(pbx, 'phones', n)) return done('CHANUNAVAIL');
  const inner = createLocalPair(pbx, n, 'phones', { caller: ch, dialApp: 'AppDial', linkedid: ch.linkedid });
  const dialEv = (name: string, extra: Array<[string, string]>) => pbx.emit(ev(name, CALL, chanFields(ch), chanFields(inner.one, 'Dest'), extra));
  dialEv('DialBegin', [['DialString', `${n}@phones`]]);
  inner.onRinging = () => {
    outer?.ringing();
    const ms = Date.now() - started;
    setVar(pbx, ch, 'RINGTIME', String(Math.floor(ms / 1000)));
    setVar(pbx, ch, 'RINGTIME_MS', String(ms));
    dialEv('DialState', [['DialStatus', 'RINGING']]);
  };
  void runDialplan(d, inner.two, inner);
  const timedOut = (clock === 'real' ? pbx.rawSleep(timeoutMs, ch) : pbx.sleep(timeoutMs, ch)).then((full) => (full ? 'timeout' : 'caller'));
  const first = await Promise.race([inner.outcome, timedOut]);
  if (first === 'caller') {
    dialEv('DialEnd', [['DialStatus', 'CANCEL']]);
    hangupHalf(pbx, inner.one, ch.requestedCause ?? 0);
    return done('CANCEL');
  }
  if (first === 'timeout') {
    dialEv('DialEnd', [['DialStatus', 'NOANSWER']]);
    hangupHalf(pbx, inner.one, 0);
    return done('NOANSWER');
  }
  if (first.kind !== 'answer') {
    const status = first.kind === 'busy' ? 'BUSY' : first.kind === 'congestion' ? 'CONGESTION' : dialStatusForCause(first.cause);
    dialEv('DialEnd', [['DialStatus', status]]);
    if (first.kind === 'hangup') {
      pbx.finishHangup(inner.one, first.cause);
      // DialEnd says NOANSWER but DIALSTATUS is CHANUNAVAIL, and Hangup() inherits the cause (03k).
      return done(status === 'NOANSWER' ? 'CHANUNAVAIL' : status, first.cause);
    }
    hangupHalf(pbx, inner.one, 0);
    return done(status);
  }
  // The answered callee's exten is already cleared in DialEnd (03h).
  inner.one.exten = '';
  dialEv('DialEnd', [['DialStatus', 'ANSWER']]);
  setVar(pbx, ch, 'DIALSTATUS', 'ANSWER');
  setVar(pbx, ch, 'DIALEDPEERNAME', inner.one.name);
  setVar(pbx, ch, 'DIALEDPEERNUMBER', `${n}@phones`);
  answerIfNeeded(d.pbx, ch, outer);
  const answeredAt = Date.now();
  await bridgeCall(d, ch, inner.one);
  const now = Date.now();
  setVar(pbx, ch, 'ANSWEREDTIME', String(Math.floor((now - answeredAt) / 1000)));
  setVar(pbx, ch, 'ANSWEREDTIME_MS', String(now - answeredAt));
  setVar(pbx, ch, 'DIALEDTIME', String(Math.floor((now - started) / 1000)));
  setVar(pbx, ch, 'DIALEDTIME_MS', String(now - started));
  return done('ANSWER');
}

/** The basic two-party bridge between the dialling channel and the answered callee (03h). */
export async function bridgeCall(d: Dialplan, caller: Channel, callee: Channel): Promise<void> {
  const { pbx } = d;
  const b: BridgeInfo = { id: randomUUID(), type: 'basic', tech: 'simple_bridge', creator: '<unknown>', name: '<unknown>', count: 0 };
  pbx.emit(ev('BridgeCreate', CALL, bridgeFields(b)));
  pbx.emit(newexten(callee, 'AppDial', '(Outgoing Line)'));
  for (const c of [callee, caller]) {
    b.count++;
    c.bridgeId = b.id;
    pbx.emit(ev('BridgeEnter', CALL, bridgeFields(b), chanFields(c)));
  }
  setVar(pbx, callee, 'BRIDGEPEER', caller.name);
  setVar(pbx, caller, 'BRIDGEPEER', callee.name);
  await Promise.race([callee.interrupted(), caller.interrupted()]);
  const [first, second] = callee.hangupRequested ? [callee, caller] : [caller, callee];
  setVar(pbx, first, 'BRIDGEPEER', '');
  b.count--;
  pbx.emit(ev('BridgeLeave', CALL, bridgeFields(b), chanFields(first)));
  if (first === callee) pbx.finishHangup(callee, callee.requestedCause ?? 16);
  else hangupHalf(pbx, callee, 16);
  if (!second.gone) setVar(pbx, second, 'BRIDGEPEER', '');
  b.count--;
  pbx.emit(ev('BridgeLeave', CALL, bridgeFields(b), chanFields(second)));
  pbx.emit(ev('BridgeDestroy', CALL, bridgeFields(b)));
  for (const c of [caller, callee]) c.bridgeId = '';
  caller.ownCause = 16;
}
