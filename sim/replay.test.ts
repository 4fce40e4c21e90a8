// The fidelity judge: every capture in test/fixtures/ami-captures is replayed against the simulator and
// must produce the same messages, field names, field order and values (modulo the README's
// run-dependent values; order compared per channel/stream, see replay/normalise.ts).
import { CAPTURES_DIR } from '../testkit/captures-dir.js';
import { readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AmiSimulator } from './index';
import { replay, type ReplayOptions } from './replay/run';
import type { Token } from './replay/wire-lines';

const DIR = CAPTURES_DIR;

const firstToken = (pred: (text: string[]) => boolean) => (tokens: Token[]) =>
  tokens.findIndex((t) => t.kind === 'msg' && pred(t.lines.map((l) => l.text)));

/** A second client whose wrong password the observer session must see as InvalidPassword (01e). */
async function failedLogin(sim: AmiSimulator): Promise<void> {
  await new Promise<void>((resolve) => {
    const s = connect(sim.port, '127.0.0.1', () => s.write('Action: Login\r\nActionID: intruder\r\nUsername: relay\r\nSecret: wrongsecret\r\n\r\n'));
    s.on('close', () => resolve());
    s.on('error', () => resolve());
    s.resume();
  });
}

const PER_CAPTURE: Record<string, Partial<ReplayOptions>> = {
  '01e-observer-sees-failed-login': { hooks: [{ beforeToken: firstToken((l) => l[0] === 'Event: InvalidPassword'), run: failedLogin }] },
  // Unstable orders of simultaneous callers (README), reproduced: 103 entered the bridge before 102 …
  '05-confbridge-list-kick': { jitter: (point, ch) => (point === 'bridge-enter' && ch.startsWith('Local/102@') ? 30 : 0) },
  // … and 106 answered before 105; on kick-all, 105 reached ConfbridgeLeave after 106 had left the bridge.
  '08-confbridge-mute-unmute': { jitter: (point, ch) => ((point === 'answer' || point === 'kick-leave') && ch.startsWith('Local/105@') ? 30 : 0) },
  // The Originate Timeout (5 s, real time) must fire before the scaled Dial(…,30) timeout, as it did.
  '03j-originate-noanswer-via-dial-timeout5000': { timeScale: 0.25 },
  // PlayDTMF durations are real milliseconds, so the external call must hold long enough in sim time.
  '11-playdtmf-external-leg': { timeScale: 0.1 },
  // The 3 s hold ends just before the 3.16 s ConfBridge prompt; keep enough absolute margin.
  '12-originate-sync': { timeScale: 0.2 },
  // The restart was a CLI `core restart now` while the call was in the room.
  '13-pbx-restart-with-call-up': {
    hooks: [{ beforeToken: firstToken((l) => l[0] === 'Event: SoftHangupRequest' && l.includes('Cause: 4')), run: (sim) => void sim.restart({ downMs: 50 }) }],
  },
};

const captures = readdirSync(DIR).filter((f) => f.endsWith('.jsonl')).map((f) => f.replace(/\.jsonl$/, '')).sort();

describe.concurrent('replay of real Asterisk 22.10.1 captures', () => {
  it('found the captures', () => expect(captures.length).toBeGreaterThanOrEqual(30));
  for (const name of captures) {
    it(name, async () => {
      // These captures predate the `hints` context (added to the kit on 2026-12-01): no ExtensionStatus in them.
      const res = await replay(join(DIR, `${name}.jsonl`), name, { timeScale: 0.02, hints: {}, ...PER_CAPTURE[name] });
      expect(res.problems, res.problems.join('\n')).toEqual([]);
    }, 60_000);
  }
});
