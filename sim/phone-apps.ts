// The applications a simulated phone runs when the dialplan rings it (context `phones`): ring and
// answer, ring forever, Busy()/Congestion(), Hangup(cause) — and the dialplan step every app begins
// with (Newexten with the substituted AppData). Used by dialplan.ts. Invariant: the defaults
// reproduce the capture dialplan's Wait()/HOLDTIME timings; explicit test timings are real ms.
import type { Channel } from './channels';
import type { Pbx } from './pbx';
import { newexten } from './events';
import { endPbxChannel, type LocalPair } from './local';
import { isExternal, type PhoneBehaviour } from './phones';

export function step(pbx: Pbx, ch: Channel, priority: number, app: string, data: string): void {
  ch.priority = priority;
  ch.app = app;
  ch.appData = data;
  pbx.emit(newexten(ch, app, data));
}

export const secs = (ms: number): string => String(Math.round(ms) / 1000);

export function answerIfNeeded(pbx: Pbx, ch: Channel, pair: LocalPair | undefined): void {
  if (ch.state === 6) return;
  pbx.setState(ch, 6);
  if (pair && ch === pair.two) pair.answer();
}

export async function runPhone(pbx: Pbx, ch: Channel, pair: LocalPair | undefined, b: PhoneBehaviour | undefined): Promise<void> {
  const n = ch.exten;
  if (!b) return;
  switch (b.kind) {
    case 'answer': {
      const external = isExternal(n);
      const ringMs = b.ringMs ?? (external ? 2000 : 1000);
      const held = ch.vars.get('HOLDTIME');
      const holdMs = held !== undefined && held !== '' ? Number(held) * 1000 : b.holdMs ?? (external ? 60_000 : 30_000);
      step(pbx, ch, 1, 'NoOp', external ? `external ${n}` : `phone ${n} rings then answers`);
      step(pbx, ch, 2, 'Ringing', '');
      pair?.ringing();
      step(pbx, ch, 3, 'Wait', secs(ringMs));
      // Explicit ringMs/holdMs are what a test asked for, in real milliseconds; only the dialplan's
      // own defaults (Wait(1), HOLDTIME) run on the scaled PBX clock.
      if (!(await (b.ringMs !== undefined ? pbx.rawSleep(ringMs, ch) : pbx.sleep(ringMs, ch)))) return;
      const jitter = pbx.jitter('answer', ch);
      if (jitter > 0 && !(await pbx.rawSleep(jitter, ch))) return;
      step(pbx, ch, 4, 'Answer', '');
      answerIfNeeded(pbx, ch, pair);
      // Let the caller side react to the answer first (e.g. a missing Application hangs up at once, 04 e17).
      await pbx.yieldTurn();
      if (ch.hangupRequested) return;
      step(pbx, ch, 5, 'Wait', secs(holdMs));
      const explicitHold = (held === undefined || held === '') && b.holdMs !== undefined;
      if (!(await (explicitHold ? pbx.rawSleep(holdMs, ch) : pbx.sleep(holdMs, ch)))) return;
      step(pbx, ch, 6, 'Hangup', '16');
      ch.ownCause = 16;
      endPbxChannel(pbx, ch, 16);
      return;
    }
    case 'ring':
      step(pbx, ch, 1, 'Ringing', '');
      pair?.ringing();
      step(pbx, ch, 2, 'Wait', '60');
      // "Rings forever": only the caller's timeout or a hangup ends it (not the scaled clock).
      await ch.interrupted();
      return;
    case 'busy':
    case 'congestion':
      await busyOrCongestion(pbx, ch, pair, b.kind, 1, '');
      return;
    case 'hangup':
      step(pbx, ch, 1, 'Hangup', String(b.cause));
      ch.ownCause = b.cause;
      endPbxChannel(pbx, ch, b.cause);
      pair?.settle({ kind: 'hangup', cause: b.cause });
      return;
  }
}

/**
 * Busy()/Congestion(): state Busy, the dialler sees BUSY/CONGESTION, the channel waits to be hung up —
 * or, with a timeout (`Busy(10)`), hangs up by itself after it (main/pbx_builtins.c, Busy() and Congestion(); the
 * operator behind an answered callback hears the tone that long on 22.10.1). Dialplan time: scaled.
 */
export async function busyOrCongestion(pbx: Pbx, ch: Channel, pair: LocalPair | undefined, kind: 'busy' | 'congestion', prio: number, data: string): Promise<void> {
  step(pbx, ch, prio, kind === 'busy' ? 'Busy' : 'Congestion', data);
  ch.ownCause = kind === 'busy' ? 17 : 34;
  if (pair?.sync) {
    // A synchronous Originate hangs `;1` up before `;2` reports its Busy state (12).
    pair.settle({ kind });
    await pbx.yieldTurn();
  }
  pbx.setState(ch, 7);
  pair?.settle({ kind });
  const timeoutS = /^[0-9]+$/.test(data) ? Number(data) : null;
  if (timeoutS === null) return ch.interrupted();
  if (await pbx.sleep(timeoutS * 1000, ch)) endPbxChannel(pbx, ch, ch.ownCause);
}
