// Public API of the AMI simulator: a fake Asterisk 22.10.1 speaking AMI over TCP, with the
// transcripts' dialplan (test/fixtures/ami-captures/README.md) and fault controls for tests.
// Invariant: behaviour is what the captures show; anything beyond them is documented where coded.
import type { AmiMessage } from '../relay/ami/wire';
import { SimServer, type RecordedAction } from './server';
import type { PhoneBehaviour } from './phones';
import type { SimUser } from './permissions';

export { answers, rings, busy, congested, hangsUp, unallocated, type PhoneBehaviour } from './phones';
export type { RecordedAction } from './server';
export type { SimUser } from './permissions';

export interface AmiSimulatorOptions {
  host?: string;
  port?: number;
  /** User → secret (read = write = all), or `{ secret, read, write }` as in manager.conf. */
  users?: Record<string, string | SimUser>;
  phones?: Record<string, PhoneBehaviour>;
  /** Scales the dialplan's own delays (Wait(), prompts, default ring/hold times); not client timeouts nor route Dial() timeouts. */
  timeScale?: number;
  /**
   * The Dial() timeout of every outgoing route (from-internal to extensions and outside numbers,
   * outbound, outbound-mapped), real seconds. Default: the dialplan's own, 60 s (30 s for some
   * outbound numbers), as real routes ring long; the relay's ring bound is what ends a second leg first.
   */
  routeTimeoutSec?: number;
  /**
   * Test hook: extra real-time delay (ms) before a channel answers or enters a bridge. Asterisk's
   * order between simultaneous calls varies run to run (README); this reproduces a given order.
   */
  jitter?: (point: 'answer' | 'bridge-enter' | 'kick-leave', channelName: string) => number;
  /** Hints of the `hints` context, exten → device (`Custom:301`, `Local/301@phones`); the kit's by default. */
  hints?: Readonly<Record<string, string>>;
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
  /** A `Custom:` device's state as Getvar DEVICE_STATE(…) reads it (`UNKNOWN` before the first set). */
  deviceState(device: string): string;
  /** Replaces the outgoing routes' Dial() timeout from now on (see `routeTimeoutSec`); undefined restores the dialplan's own. */
  setRouteTimeout(seconds: number | undefined): void;
  dial(from: string, exten: string, context?: string): string;
  hangup(channelOrUniqueid: string, cause?: number): void;
  dropConnections(): void;
  stall(ms: number): void;
  refuseLogins(on: boolean): void;
  delayResponses(ms: number): void;
  /** Test hook: the next `times` actions named `action` get `Response: Error` with `message` (a channel gone meanwhile, say). */
  refuseAction(action: string, message: string, times?: number): void;
  restart(opts?: { downMs?: number }): Promise<void>;
  close(): Promise<void>;
}

const STATE: Record<number, string> = { 0: 'Down', 4: 'Ring', 5: 'Ringing', 6: 'Up', 7: 'Busy' };

export async function startAmiSimulator(opts: AmiSimulatorOptions = {}): Promise<AmiSimulator> {
  const host = opts.host ?? '127.0.0.1';
  const srv = new SimServer({
    host, port: opts.port ?? 0, users: opts.users ?? { relay: 'relaysecret' }, phones: opts.phones ?? {}, timeScale: opts.timeScale ?? 1, jitter: opts.jitter, hints: opts.hints,
    routeTimeoutSec: opts.routeTimeoutSec,
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
    deviceState: (device) => srv.engine.devices.read(device),
    setRouteTimeout: (seconds) => {
      srv.pbx.opts.routeTimeoutSec = seconds;
    },
    dial: (from, exten, context) => srv.dial(from, exten, context),
    hangup: (c, cause) => srv.hangup(c, cause),
    dropConnections: () => srv.dropConnections(),
    stall: (ms) => srv.stall(ms),
    refuseLogins: (on) => srv.refuseLogins(on),
    delayResponses: (ms) => srv.delayResponses(ms),
    refuseAction: (action, message, times = 1) => srv.refuseAction(action, message, times),
    restart: (o) => srv.restart(o),
    close: () => srv.close(),
  };
}
