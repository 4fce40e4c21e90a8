// The simulated PBX core: channel registry, name/uniqueid counters, scaled timers, event fan-out,
// state changes and the final Hangup. Invariant: every event leaves through emit(), in the order the
// dialplan produced it, so per-channel event order is deterministic (as in the captures).
import { Channel } from './channels';
import { chanEvent, ev, hangupEv, CALL } from './events';
import type { Fields } from './frame';
import type { PhoneBehaviour } from './phones';

export type JitterPoint = 'answer' | 'bridge-enter' | 'kick-leave';

export interface PbxOptions {
  timeScale: number;
  jitter?: (point: JitterPoint, channelName: string) => number;
  phones: Map<string, PhoneBehaviour>;
  /** Replaces the Dial() timeout of every outgoing route (from-internal, outbound…), real seconds. */
  routeTimeoutSec?: number | undefined;
}

export class Pbx {
  private seq = 0;
  private uidCounter = 0;
  private epoch = Math.floor(Date.now() / 1000);
  startedAt = Date.now();
  readonly channels = new Map<string, Channel>();
  readonly globals = new Map<string, string>();
  private readonly listeners = new Set<(fields: Fields) => void>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly deviceHooks = new Set<(device: string, state: string) => void>();

  constructor(readonly opts: PbxOptions) {}

  subscribe(fn: (fields: Fields) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  emit(fields: Fields): void {
    for (const l of [...this.listeners]) l(fields);
  }

  /** Channel-name sequence (`-0000001b`), shared by both halves of a Local pair and by CBAnn. */
  nextSeq(): string {
    return (this.seq++).toString(16).padStart(8, '0');
  }

  newUid(): string {
    return `${this.epoch}.${this.uidCounter++}`;
  }

  /** Waits ms of PBX time (scaled by timeScale); resolves false early if ch's hangup is requested. */
  sleep(ms: number, ch?: Channel): Promise<boolean> {
    return this.rawSleep(ms * this.opts.timeScale, ch);
  }

  /** Lets other pending PBX work (promise continuations, immediate timers) run first. */
  yieldTurn(): Promise<void> {
    return new Promise((resolve) => setImmediate(resolve));
  }

  /** Extra scheduling delay injected by tests to reproduce an unstable cross-channel order. */
  jitter(point: JitterPoint, ch: Channel): number {
    return this.opts.jitter?.(point, ch.name) ?? 0;
  }

  /** Waits real ms (client-given durations such as Originate Timeout or PlayDTMF Duration). */
  rawSleep(ms: number, ch?: Channel): Promise<boolean> {
    return new Promise((resolve) => {
      if (ch?.hangupRequested) return resolve(false);
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve(true);
      }, Math.max(0, ms));
      this.timers.add(t);
      void ch?.interrupted().then(() => {
        clearTimeout(t);
        this.timers.delete(t);
        resolve(false);
      });
    });
  }

  /** Runs fn after ms of PBX time, unless the PBX is reset first. */
  later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, Math.max(0, ms * this.opts.timeScale));
    this.timers.add(t);
  }

  clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /** Forgets every channel and restarts the counters' epoch, as a fresh Asterisk process would. */
  reset(): void {
    this.clearTimers();
    this.channels.clear();
    this.globals.clear();
    this.startedAt = Date.now();
    this.epoch = Math.floor(Date.now() / 1000);
  }

  addChannel(ch: Channel): void {
    this.channels.set(ch.name, ch);
    this.emit(chanEvent('Newchannel', ch));
  }

  findChannel(nameOrUid: string): Channel | undefined {
    const byName = this.channels.get(nameOrUid);
    if (byName) return byName;
    for (const ch of this.channels.values()) if (ch.uniqueid === nameOrUid) return ch;
    return undefined;
  }

  uniqueidInUse(uid: string): boolean {
    for (const ch of this.channels.values()) if (ch.uniqueid === uid) return true;
    return false;
  }

  setState(ch: Channel, state: number): void {
    if (ch.gone) return;
    ch.state = state;
    this.emit(chanEvent('Newstate', ch));
    this.deviceState(ch.device, 'INUSE');
  }

  onDevice(fn: (device: string, state: string) => void): () => void {
    this.deviceHooks.add(fn);
    return () => this.deviceHooks.delete(fn);
  }

  /** DeviceStateChange: asynchronous and coalesced in Asterisk (its count varies run to run, 03a vs 03b). */
  deviceState(device: string, state: string): void {
    if (!device) return;
    this.emit(ev('DeviceStateChange', CALL, [['Device', device], ['State', state]]));
    for (const h of this.deviceHooks) h(device, state);
  }

  softHangupRequest(ch: Channel, cause: number): void {
    if (ch.gone) return;
    this.emit(chanEvent('SoftHangupRequest', ch, [['Cause', String(cause)]]));
    ch.requestHangup();
  }

  hangupRequest(ch: Channel, cause: number): void {
    if (ch.gone) return;
    this.emit(chanEvent('HangupRequest', ch, [['Cause', String(cause)]]));
    ch.requestHangup();
  }

  /** Emits the channel's Hangup and removes it; the Local partner is told through its own logic. */
  finishHangup(ch: Channel, cause: number): void {
    if (ch.gone) return;
    ch.hangupCause = cause;
    this.channels.delete(ch.name);
    this.emit(hangupEv(ch, cause));
    ch.markGone();
    this.deviceState(ch.device, 'NOT_INUSE');
  }

  phone(numberOrExten: string): PhoneBehaviour | undefined {
    return this.opts.phones.get(numberOrExten);
  }
}
