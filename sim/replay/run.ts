// Replays one capture against a fresh simulator: writes the client's blocks exactly as captured
// (rewriting only run-dependent channel names), each after the server output that preceded it in
// the capture has arrived, then compares everything received (normalise.ts).
// Invariant: pacing is driven by what arrived, never by fixed sleeps.
import { connect, type Socket } from 'node:net';
import { startAmiSimulator, type AmiSimulator, type AmiSimulatorOptions } from '../index';
import { loadCapture } from './capture';
import { Canon, LOOSE, compareStreams, type Norm } from './normalise';
import { Tokenizer, type Token } from './wire-lines';

export interface ReplayOptions {
  timeScale: number;
  /** Runs just before waiting for the expected token with this index (e.g. a second session, a restart). */
  hooks?: Array<{ beforeToken: (tokens: Token[]) => number; run: (sim: AmiSimulator) => Promise<void> | void }>;
  waitMs?: number;
  jitter?: AmiSimulatorOptions['jitter'];
  hints?: AmiSimulatorOptions['hints'];
}

export interface ReplayResult { problems: string[]; expected: Norm[]; actual: Norm[] }

const isLoose = (t: Token): boolean =>
  t.kind === 'msg' && t.lines[0] !== undefined && [...LOOSE].some((e) => t.lines[0]?.text === `Event: ${e}`);

export async function replay(path: string, name: string, o: ReplayOptions): Promise<ReplayResult> {
  const cap = loadCapture(path, name);
  const sim = await startAmiSimulator({ timeScale: o.timeScale, jitter: o.jitter, hints: o.hints });
  const received: Token[] = [];
  const expCanon = new Canon();
  const expected = cap.tokens.map((t) => expCanon.normalise(t));
  const actCanon = new Canon();
  const actual: Norm[] = [];
  let wake: (() => void) | undefined;
  const tok = new Tokenizer((t) => {
    received.push(t);
    actual.push(actCanon.normalise(t));
    wake?.();
  });
  const socket: Socket = connect(sim.port, '127.0.0.1');
  socket.setNoDelay(true);
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => tok.pushChunk(d));
  socket.on('close', () => tok.eof());
  socket.on('error', () => undefined);
  const strict = (ts: Token[]) => ts.filter((t) => !isLoose(t)).length;
  const waitFor = async (n: number, ms: number) => {
    const deadline = Date.now() + ms;
    while (strict(received) < n && Date.now() < deadline)
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 20);
      });
  };
  const hooks = (o.hooks ?? []).map((h) => ({ at: h.beforeToken(cap.tokens), run: h.run, done: false }));
  const runHooksUpTo = async (tokenIndex: number) => {
    for (const h of hooks)
      if (!h.done && h.at <= tokenIndex) {
        await waitFor(strict(cap.tokens.slice(0, h.at)), o.waitMs ?? 10_000);
        h.done = true;
        await h.run(sim);
      }
  };
  try {
    for (const w of cap.writes) {
      await runHooksUpTo(w.beforeTokens);
      await waitFor(strict(cap.tokens.slice(0, w.beforeTokens)), o.waitMs ?? 10_000);
      // Channel names the capture's client copied from events are rewritten to the simulator's ones.
      socket.write(actCanon.raw(expCanon.channel(w.data, false)));
    }
    await runHooksUpTo(cap.tokens.length);
    await waitFor(strict(cap.tokens), o.waitMs ?? 10_000);
    // A short grace period so that extra, unexpected output is seen too.
    await new Promise((r) => setTimeout(r, 100));
  } finally {
    socket.destroy();
    await sim.close();
  }
  const upToEof = actual.findIndex((n) => n.event === 'eof');
  const act = upToEof >= 0 && cap.endsWithEof ? actual.slice(0, upToEof + 1) : actual.filter((n) => n.event !== 'eof');
  return { problems: compareStreams(expected, act), expected, actual: act };
}
