// The Originate engine: dials a Local channel, waits for answer/failure/timeout, reports
// OriginateResponse (async) and runs the application or dialplan on `;1` once answered.
// Invariant: Reason is only 4/5/8/3/0 (FACTS 2); on Failure, Channel is the requested dial string.
import { chanFields, type Channel } from './channels';
import { extenExists, runDialplan, type Dialplan } from './dialplan';
import { ev, CALL } from './events';
import type { Fields } from './frame';
import { createLocalPair, dialStatusForCause, endPbxChannel, hangupHalf, type Outcome } from './local';
import type { Queues } from './queues';

export interface OriginateRequest {
  dialString: string;
  tech: string;
  resource: string;
  app?: string;
  data?: string;
  context?: string;
  exten?: string;
  priority?: number;
  timeoutMs: number;
  vars: Array<[string, string]>;
  callerId?: { num: string; name: string };
  channelId?: string;
  otherChannelId?: string;
  actionId?: string;
  async: boolean;
}

export interface OriginateResult {
  ok: boolean;
  reason: number;
  channel?: Channel;
}

export interface Engine extends Dialplan {
  queues: Queues;
}

/** Runs an Originate to completion of its dial phase; the answered call keeps running afterwards. */
export async function originate(e: Engine, r: OriginateRequest): Promise<OriginateResult> {
  const { pbx } = e;
  const fail = (reason: number): OriginateResult => {
    if (r.async) pbx.emit(originateResponse(r, false, r.dialString, reason, r.channelId ?? '<unknown>'));
    return { ok: false, reason };
  };
  const m = /^([^@]*)@([^/]*)/.exec(r.resource);
  if (r.tech.toLowerCase() !== 'local' || !m) return fail(0);
  if (r.channelId !== undefined && pbx.uniqueidInUse(r.channelId)) return fail(0);
  const [, exten = '', context = ''] = m;
  const exists = extenExists(pbx, context, exten);
  const pair = createLocalPair(pbx, exten, context, {
    uid1: r.channelId, uid2: r.otherChannelId, vars: r.vars, callerId: r.callerId, dialApp: 'AppDial2', noExten: !exists,
  });
  pair.sync = !r.async;
  const { one, two } = pair;
  if (!exists) {
    pbx.finishHangup(two, 0);
    const res = fail(0);
    pbx.finishHangup(one, 0);
    return res;
  }
  const dialEv = (name: string, extra: Fields) => pbx.emit(ev(name, CALL, chanFields(one, 'Dest'), extra));
  dialEv('DialBegin', [['DialString', `${exten}@${context}`]]);
  pair.onRinging = () => dialEv('DialState', [['DialStatus', 'RINGING']]);
  void runDialplan(e, two, pair);
  const timer = pbx.rawSleep(r.timeoutMs, one).then((full): Outcome | 'timeout' | 'cancelled' => (full ? 'timeout' : two.gone ? { kind: 'hangup', cause: one.requestedCause ?? 0 } : 'cancelled'));
  const outcome = await Promise.race([pair.outcome, timer]);
  if (outcome === 'timeout') {
    if (two.gone) return fail(0);
    hangupHalf(pbx, one, 19);
    return fail(3);
  }
  if (outcome === 'cancelled') {
    // `;1` hung up from outside while ringing (AMI Hangup, sim.hangup): not in the captures. The dial
    // is cancelled, `;2` is told, and the Originate fails with the catch-all Reason 0 (FACTS 2).
    dialEv('DialEnd', [['DialStatus', 'CANCEL']]);
    const res = fail(0);
    hangupHalf(pbx, one, one.requestedCause ?? 0);
    return res;
  }
  switch (outcome.kind) {
    case 'answer':
      dialEv('DialEnd', [['DialStatus', 'ANSWER']]);
      if (r.async) pbx.emit(originateResponse(r, true, one.name, 4, one.uniqueid, one));
      void runOnAnswer(e, r, one);
      return { ok: true, reason: 4, channel: one };
    case 'busy':
    case 'congestion':
      dialEv('DialEnd', [['DialStatus', outcome.kind === 'busy' ? 'BUSY' : 'CONGESTION']]);
      hangupHalf(pbx, one, 0);
      return fail(outcome.kind === 'busy' ? 5 : 8);
    case 'hangup': {
      const cause = one.requestedCause ?? outcome.cause;
      dialEv('DialEnd', [['DialStatus', dialStatusForCause(cause)]]);
      const res = fail(0);
      pbx.finishHangup(one, cause);
      return res;
    }
  }
}

function originateResponse(r: OriginateRequest, ok: boolean, channel: string, reason: number, uid: string, ch?: Channel): Fields {
  const target: Fields = r.app !== undefined
    ? [['Application', r.app], ['Data', r.data ?? '']]
    : [['Context', r.context ?? ''], ['Exten', r.exten ?? '']];
  return ev('OriginateResponse', CALL, r.actionId !== undefined ? [['ActionID', r.actionId]] : [], [
    ['Response', ok ? 'Success' : 'Failure'], ['Channel', channel], ...target, ['Reason', String(reason)], ['Uniqueid', uid],
    ['CallerIDNum', ch?.cidNum ?? r.callerId?.num ?? '<unknown>'], ['CallerIDName', ch?.cidName ?? r.callerId?.name ?? '<unknown>'],
  ]);
}

/** What `;1` does once answered: the Application, or the dialplan at Context/Exten/Priority. */
async function runOnAnswer(e: Engine, r: OriginateRequest, one: Channel): Promise<void> {
  const { pbx } = e;
  if (r.app === undefined) {
    if (r.context === undefined || r.exten === undefined) return hangupHalf(pbx, one, 0);
    one.context = r.context;
    one.exten = r.exten;
    one.priority = r.priority ?? 1;
    one.inPbx = true;
    await runDialplan(e, one, undefined);
    return;
  }
  one.app = r.app;
  one.appData = r.data ?? '';
  const app = r.app.toLowerCase();
  if (app === 'confbridge') await e.confs.run(one, r.data ?? '');
  else if (app === 'wait') await pbx.sleep(Number(r.data ?? '0') * 1000, one);
  else if (app === 'queue') await e.queues.enter(one, (r.data ?? '').split(',')[0] ?? '');
  else if (app === 'playback' || app === 'echo' || app === 'milliwatt') await pbx.sleep(60_000, one);
  if (one.inPbx) endPbxChannel(pbx, one);
  else hangupHalf(pbx, one, one.ownCause ?? one.requestedCause ?? 0);
}
