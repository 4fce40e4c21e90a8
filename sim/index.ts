// Public API of the AMI simulator: a fake Asterisk 22.10.1 speaking AMI over TCP, with the
// transcripts' dialplan (test/fixtures/ami-captures/README.md) and fault controls for tests.
// Invariant: behaviour is what the captures show; anything beyond them is documented where coded.
import type { AmiMessage } from '../relay/ami/wire';
import { SimServer, type RecordedAction } from './server';
import type { PhoneBehaviour } from './phones';

export { answers, rings, busy, congested, hangsUp, unallocated, type PhoneBehaviour } from './phones';
export type { RecordedAction } from './server';

export interface AmiSimulatorOptions {
  host?: string;
  port?: number;
  users?: Record<string, string>;
  phones?: Record<string, PhoneBehaviour>;
  timeScale?: number;
  /**
   * Test hook: extra real-time delay (ms) before a channel answers or enters a bridge. Asterisk's
   * order between simultaneous calls varies run to run (README); this reproduces a given order.
   */
  jitter?: (point: 'answer' | 'bridge-enter' | 'kick-leave', channelName: string) => number;
}

export interface SimChannel { name: string; uniqueid: string; linkedid: string; state: string; context: string; exten: string; vars: Record<string, string> }

export interface AmiSimulator {
  readonly port: number;
  readonly host: string;
  readonly actions: ReadonlyArray<RecordedAction>;
  waitForAction(pred: (a: RecordedAction) => boolean, timeoutMs?: number): Promise<RecordedAction>;
  onEvent(fn: (msg: AmiMessage) => void): () => void;
  /** Sends an event to every logged-in session as if the PBX raised it: benchmarks replay other people's traffic at a set rate. */
  inject(headers: ReadonlyArray<readonly [string, string]>): void;
  channels(): SimChannel[];
  rooms(): Array<{ room: string; members: string[] }>;
  setPhone(numberOrExten: string, b: PhoneBehaviour): void;
  dial(from: string, exten: string, context?: string): string;
  hangup(channelOrUniqueid: string, cause?: number): void;
  dropConnections(): void;
  stall(ms: number): void;
  refuseLogins(on: boolean): void;
  delayResponses(ms: number): void;
  restart(opts?: { downMs?: number }): Promise<void>;
  close(): Promise<void>;
}

const STATE: Record<number, string> = { 0: 'Down', 4: 'Ring', 5: 'Ringing', 6: 'Up', 7: 'Busy' };

export async function startAmiSimulator(opts: AmiSimulatorOptions = {}): Promise<AmiSimulator> {
  const host = opts.host ?? '127.0.0.1';
  const srv = new SimServer({
    host, port: opts.port ?? 0, users: opts.users ?? { relay: 'relaysecret' }, phones: opts.phones ?? {}, timeScale: opts.timeScale ?? 1, jitter: opts.jitter,
  });
  await srv.listen(opts.port ?? 0);
  return {
    get port() {
      return srv.port;
    },
    host,
    actions: srv.actions,
    waitForAction: (pred, timeoutMs) => srv.waitForAction(pred, timeoutMs),
    onEvent: (fn) => srv.pbx.subscribe((fields) => fn({ headers: fields })),
    inject: (headers) => srv.pbx.emit(headers.map(([k, v]) => [k, v])),
    channels: () => [...srv.pbx.channels.values()].map((ch) => ({
      name: ch.name, uniqueid: ch.uniqueid, linkedid: ch.linkedid, state: STATE[ch.state] ?? 'Unknown', context: ch.context, exten: ch.exten,
      vars: Object.fromEntries(ch.vars),
    })),
    rooms: () => [...srv.engine.confs.rooms.values()].map((r) => ({ room: r.name, members: r.members.map((m) => m.ch.name) })),
    setPhone: (n, b) => srv.setPhone(n, b),
    dial: (from, exten, context) => srv.dial(from, exten, context),
    hangup: (c, cause) => srv.hangup(c, cause),
    dropConnections: () => srv.dropConnections(),
    stall: (ms) => srv.stall(ms),
    refuseLogins: (on) => srv.refuseLogins(on),
    delayResponses: (ms) => srv.delayResponses(ms),
    restart: (o) => srv.restart(o),
    close: () => srv.close(),
  };
}
