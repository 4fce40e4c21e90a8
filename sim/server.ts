// The TCP side of the simulator: listens, creates sessions, authenticates Login (FACTS 6/8),
// fans PBX events out to sessions, and implements the fault controls (drop, stall, refuse,
// delay, restart). Invariant: every client action is recorded in `actions` before it runs.
import { createServer, type Server, type Socket } from 'node:net';
import type { AmiMessage } from '../relay/ami/wire';
import { dispatch, actionName } from './actions/index';
import { ActionContext, type SimControl, type SimEngine } from './actions/context';
import { hangupFromOutside } from './actions/channels';
import { Conferences } from './confbridge';
import { DeviceStates } from './device-states';
import { ev, securityEvent } from './events';
import type { Fields } from './frame';
import { originate } from './originate';
import { Pbx, type JitterPoint } from './pbx';
import { permissionsOf, type SimUser } from './permissions';
import type { PhoneBehaviour } from './phones';
import { Queues } from './queues';
import { Session, type SessionHost } from './session';

export interface RecordedAction { at: number; session: number; headers: ReadonlyArray<readonly [string, string]> }

export interface ServerOptions {
  host: string;
  port: number;
  /** User → secret (read = write = all), or a manager.conf-like entry with its classes. */
  users: Record<string, string | SimUser>;
  phones: Record<string, PhoneBehaviour>;
  timeScale: number;
  jitter?: (point: JitterPoint, channelName: string) => number;
  /** Hints of the `hints` context, exten → device (default: the kit's, see device-states.ts). */
  hints?: Readonly<Record<string, string>>;
  routeTimeoutSec?: number | undefined;
}

export class SimServer implements SessionHost, SimControl {
  readonly pbx: Pbx;
  readonly engine: SimEngine;
  readonly actions: RecordedAction[] = [];
  private readonly actionWaiters = new Set<(a: RecordedAction) => void>();
  private readonly live = new Set<Session>();
  private nextSession = 1;
  private server: Server;
  private stallUntil: Promise<void> | undefined;
  private delayMs = 0;
  /** Test hook: the next actions of a name answered `Response: Error` with a message, instead of run. */
  private readonly refusals = new Map<string, { message: string; left: number }>();
  private refusing = false;
  port = 0;

  constructor(readonly opts: ServerOptions) {
    this.pbx = new Pbx({ timeScale: opts.timeScale, phones: new Map(Object.entries(opts.phones)), jitter: opts.jitter, routeTimeoutSec: opts.routeTimeoutSec });
    const confs = new Conferences(this.pbx);
    const base = { pbx: this.pbx, confs };
    this.engine = { ...base, queues: new Queues(base), devices: new DeviceStates(this.pbx, opts.hints) };
    this.pbx.subscribe((fields) => {
      for (const s of this.live) s.event(fields);
    });
    this.server = this.makeServer();
  }

  private makeServer(): Server {
    const srv = createServer((socket) => this.accept(socket));
    srv.on('error', () => undefined);
    return srv;
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, this.opts.host, () => {
        const addr = this.server.address();
        if (addr && typeof addr === 'object') this.port = addr.port;
        resolve();
      });
    });
  }

  private accept(socket: Socket): void {
    const s = new Session(this.nextSession++, socket, this);
    this.live.add(s);
  }

  sessions(): Iterable<Session> {
    return this.live;
  }

  broadcast(fields: Fields): void {
    this.pbx.emit(fields);
  }

  closed(s: Session): void {
    this.live.delete(s);
  }

  stalledUntil(): Promise<void> | undefined {
    return this.stallUntil;
  }

  responseDelayMs(): number {
    return this.delayMs;
  }

  waitForAction(pred: (a: RecordedAction) => boolean, timeoutMs = 5000): Promise<RecordedAction> {
    const hit = this.actions.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.actionWaiters.delete(check);
        reject(new Error(`no matching AMI action within ${timeoutMs} ms`));
      }, timeoutMs);
      const check = (a: RecordedAction) => {
        if (!pred(a)) return;
        clearTimeout(t);
        this.actionWaiters.delete(check);
        resolve(a);
      };
      this.actionWaiters.add(check);
    });
  }

  async handle(s: Session, msg: AmiMessage): Promise<void> {
    const rec: RecordedAction = { at: Date.now(), session: s.id, headers: msg.headers };
    this.actions.push(rec);
    for (const w of [...this.actionWaiters]) w(rec);
    const c = new ActionContext(msg, s, this.engine, this);
    const name = actionName(msg);
    if (name === 'login') return this.login(c);
    if (!s.authed) {
      if (name === 'logoff') {
        c.respond('Goodbye', [['Message', 'Thanks for all the fish.']]);
        s.closeAfterWrites();
        return;
      }
      return c.error('Permission denied');
    }
    const refusal = this.refusals.get(name);
    if (refusal !== undefined && refusal.left > 0) {
      refusal.left -= 1;
      return c.error(refusal.message);
    }
    await dispatch(c);
  }

  private login(c: ActionContext): void {
    const s = c.session;
    const user = c.get('Username') ?? '';
    const secret = c.get('Secret') ?? '';
    const known = Object.prototype.hasOwnProperty.call(this.opts.users, user);
    const entry = known ? this.opts.users[user] : undefined;
    const account: SimUser | undefined = typeof entry === 'string' ? { secret: entry } : entry;
    if (this.refusing || account === undefined || account.secret !== secret) {
      c.error('Authentication failed');
      s.closeAfterWrites();
      const addr: Fields = [['AccountID', user], ['SessionID', s.sessionId], ['LocalAddress', s.localAddress], ['RemoteAddress', s.remoteAddress]];
      this.broadcast(known ? securityEvent('InvalidPassword', '2', addr, [['SessionTV', '1970-01-01T00:00:00.000+0000']])
        : securityEvent('InvalidAccountID', '1', addr, [['SessionTV', '1970-01-01T00:00:00.000+0000']]));
      return;
    }
    s.authed = true;
    s.username = user;
    s.permissions = permissionsOf(account);
    s.eventsOn = (c.get('Events') ?? 'on').trim().toLowerCase() !== 'off';
    c.ok('Authentication accepted');
    const up = String(Math.floor((Date.now() - this.pbx.startedAt) / 1000));
    s.event(ev('FullyBooted', 'system,all', [['Uptime', up], ['LastReload', up], ['Status', 'Fully Booted']]));
    const tv = s.startedAt.toISOString().replace('Z', '+0000');
    this.broadcast(securityEvent('SuccessfulAuth', '1', [['AccountID', user], ['SessionID', s.sessionId], ['LocalAddress', s.localAddress], ['RemoteAddress', s.remoteAddress], ['UsingPassword', '0']],
      [['SessionTV', tv]], 'Informational'));
  }

  // ---- fault controls -------------------------------------------------------------------------

  dropConnections(): void {
    for (const s of [...this.live]) s.destroy();
  }

  stall(ms: number): void {
    this.stallUntil = new Promise((resolve) => setTimeout(() => {
      this.stallUntil = undefined;
      resolve();
    }, ms));
  }

  refuseLogins(on: boolean): void {
    this.refusing = on;
  }

  delayResponses(ms: number): void {
    this.delayMs = Math.max(0, ms);
  }

  refuseAction(action: string, message: string, times: number): void {
    this.refusals.set(action.toLowerCase(), { message, left: times });
  }

  /** Like `core restart now` (capture 13): channels get SoftHangupRequest 4, then Shutdown, EOF, downtime. */
  async restart(opts: { downMs?: number } = {}): Promise<void> {
    this.engine.confs.shutdown();
    for (const ch of [...this.pbx.channels.values()]) this.pbx.softHangupRequest(ch, 4);
    const deadline = Date.now() + 3000;
    while (this.pbx.channels.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 20));
    // Stop accepting first: from the Shutdown event on, connections are refused until the PBX is back.
    const stopped = new Promise<void>((r) => this.server.close(() => r()));
    this.broadcast(ev('Shutdown', 'system,all', [['Shutdown', 'Cleanly'], ['Restart', 'True']]));
    for (const s of [...this.live]) s.closeAfterWrites();
    await new Promise((r) => setTimeout(r, 20));
    for (const s of [...this.live]) s.destroy();
    await stopped;
    this.pbx.reset();
    this.engine.devices.reset();
    await new Promise((r) => setTimeout(r, opts.downMs ?? 200));
    this.server = this.makeServer();
    await this.listen(this.port);
  }

  async close(): Promise<void> {
    for (const s of [...this.live]) s.destroy();
    for (const ch of [...this.pbx.channels.values()]) ch.markGone();
    this.pbx.reset();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  // ---- test-side PBX controls ------------------------------------------------------------------

  dial(from: string, exten: string, context = 'from-internal'): string {
    const uid1 = this.pbx.newUid();
    const uid2 = this.pbx.newUid();
    void originate(this.engine, {
      dialString: `Local/${exten}@${context}`, tech: 'Local', resource: `${exten}@${context}`, app: 'Wait', data: '3600',
      timeoutMs: 120_000, vars: [], callerId: { num: from, name: from }, channelId: uid1, otherChannelId: uid2, async: false,
    });
    return uid1;
  }

  hangup(channelOrUniqueid: string, cause = 16): void {
    const ch = this.pbx.findChannel(channelOrUniqueid);
    if (ch) hangupFromOutside(ch, cause);
  }

  setPhone(n: string, b: PhoneBehaviour): void {
    this.pbx.opts.phones.set(n, b);
  }
}

