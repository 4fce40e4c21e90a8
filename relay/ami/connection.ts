// One long-lived, self-healing AMI session to the PBX: banner, Login, keep-alive Ping, reconnect.
// Used by event-list.ts, originate.ts, call-follower.ts and the relay's job runners.
// Invariants: no action but Login is written before `Response: Success` to that socket's Login;
// a Response is matched only by our own unique ActionID (never an Event carrying it, FACTS 1);
// subscribers live on this object, so they survive every reconnect.
// Longer than 300 lines on purpose: connect, banner, login, ping and reconnect are one state machine
// over one socket; split apart, its invariants above would no longer be visible in one place.

import { EventEmitter } from 'node:events';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { AmiParser, header, kindOf, message, serialize } from './wire.js';
import type { AmiHeaders, AmiMessage } from './wire.js';
import { AmiActionError, AmiAuthError, AmiDisconnectedError, AmiTimeoutError, AmiValidationError } from './errors.js';
import { PendingActions } from './pending-actions.js';
import { backoffDelay } from './backoff.js';
import { resolveConnectionOptions } from './connection-options.js';
import type { AmiConnectionOptions, ResolvedConnectionOptions } from './connection-options.js';
import type { AmiState } from '../../shared/relay-protocol.js';

export type { AmiConnectionOptions } from './connection-options.js';

export type { AmiState };

/** An action as ordered headers (`[['Action','Ping']]`) or a record in key order (`{ Action: 'Ping' }`). */
export type AmiAction = AmiHeaders | Readonly<Record<string, string | number | undefined>>;

export interface SendOptions {
  /** Deadline for the Response, ms. Default `actionTimeoutMs`. */
  timeoutMs?: number;
  /** An ActionID from `nextActionId()`, when the caller taps events before sending (lists, Originate). */
  actionId?: string;
}

export interface AmiConnectionEvents {
  state: [state: AmiState];
  /** After each successful (re)login: higher layers reconcile what they may have missed. */
  ready: [];
  /** Every `Event:` message, including list items and OriginateResponse. */
  event: [event: AmiMessage];
  /** An action's Response arrived (Success or Error) after `ms`: the PBX's responsiveness, for metrics. */
  answered: [action: string, ms: number];
  /** Login rejected (AMI_AUTH_FAILED). Emitted only when someone listens; always logged. */
  error: [error: AmiAuthError];
}

export class AmiConnection extends EventEmitter<AmiConnectionEvents> {
  private readonly log: Logger;
  private readonly opts: ResolvedConnectionOptions;
  private readonly idBase = `${process.pid.toString(36)}${randomBytes(3).toString('hex')}`;
  private counter = 0;
  private currentState: AmiState = 'down';
  private socket: net.Socket | null = null;
  private stopped = true;
  private attempt = 0;
  private readonly pending = new PendingActions();
  private readonly taps = new Map<string, (event: AmiMessage) => void>();
  private reconnectTimer: NodeJS.Timeout | null = null;
  private loginTimer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private pingInFlight = false;

  constructor(options: AmiConnectionOptions) {
    super();
    this.log = options.logger.child({ component: 'ami', host: options.host, port: options.port });
    this.opts = resolveConnectionOptions(options);
  }

  get state(): AmiState {
    return this.currentState;
  }

  /** Connects and keeps reconnecting until `stop()`. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.attempt = 0;
    this.connect();
  }

  /** Logs off if ready (capture 01a: `Response: Goodbye`, then EOF), closes, and never reconnects. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimer('reconnectTimer');
    const sock = this.socket;
    if (sock && this.currentState === 'ready') {
      await this.send({ Action: 'Logoff' }, { timeoutMs: Math.min(2_000, this.opts.actionTimeoutMs) }).catch(() => undefined);
    }
    if (sock && !sock.destroyed) {
      await new Promise<void>((resolve) => {
        sock.once('close', () => resolve());
        sock.destroy();
      });
    }
    this.setState('down');
  }

  /** A process-unique ActionID: `<prefix>-<pid+random>-<counter>` (asterisk-ami-client's collided, TOOLCHAIN.md). */
  nextActionId(): string {
    this.counter += 1;
    return `${this.opts.actionIdPrefix}-${this.idBase}-${this.counter}`;
  }

  /**
   * Calls `fn` for every Event carrying this ActionID (list items, `<Name>Complete`, OriginateResponse)
   * until the returned function is called. Register before `send` so nothing in the same chunk is missed.
   */
  onActionEvents(actionId: string, fn: (event: AmiMessage) => void): () => void {
    this.taps.set(actionId, fn);
    return () => {
      if (this.taps.get(actionId) === fn) this.taps.delete(actionId);
    };
  }

  /**
   * Writes one action and resolves with its Response (`Success`, `Goodbye`, …). Rejects with
   * AmiActionError on `Response: Error`, AmiTimeoutError, AmiDisconnectedError (not ready: nothing
   * written; or dropped in flight), AmiWireError/AmiValidationError before any byte is written.
   */
  send(action: AmiAction, options: SendOptions = {}): Promise<AmiMessage> {
    let prepared: { name: string; id: string; bytes: string };
    try {
      prepared = this.prepare(action, options.actionId);
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.currentState !== 'ready') return Promise.reject(new AmiDisconnectedError(prepared.name, false));
    return this.dispatch(prepared, options.timeoutMs ?? this.opts.actionTimeoutMs);
  }

  private prepare(action: AmiAction, actionId: string | undefined): { name: string; id: string; bytes: string } {
    const headers: ReadonlyArray<readonly [string, string]> = Array.isArray(action)
      ? (action as AmiHeaders)
      : message(action as Record<string, string | number | undefined>).headers;
    const first = headers[0];
    if (!first || first[0].toLowerCase() !== 'action') throw new AmiValidationError('Action', 'the first header must be Action');
    if (headers.some(([k]) => k.toLowerCase() === 'actionid')) {
      throw new AmiValidationError('ActionID', 'set by the connection; pass options.actionId from nextActionId()');
    }
    const id = actionId ?? this.nextActionId();
    if (this.pending.has(id)) throw new AmiValidationError('ActionID', 'already in flight');
    // ActionID right after Action, as in every capture; serialize throws on CR/LF before any write.
    const bytes = serialize([first, ['ActionID', id], ...headers.slice(1)]);
    return { name: first[1], id, bytes };
  }

  private dispatch(p: { name: string; id: string; bytes: string }, timeoutMs: number): Promise<AmiMessage> {
    const sock = this.socket;
    if (!sock || sock.destroyed) return Promise.reject(new AmiDisconnectedError(p.name, false));
    const answered = this.pending.add(p.id, p.name, timeoutMs);
    this.log.debug({ action: p.name, actionId: p.id }, 'ami action sent');
    const sentAt = performance.now();
    const timed = (): void => this.safeEmit('answered', p.name, performance.now() - sentAt);
    answered.then(timed, (err: unknown) => (err instanceof AmiActionError ? timed() : undefined));
    sock.write(p.bytes);
    return answered;
  }

  private connect(): void {
    this.setState('connecting');
    const sock = net.createConnection({ host: this.opts.host, port: this.opts.port });
    this.socket = sock;
    sock.setNoDelay(true);
    sock.setEncoding('utf8'); // a StringDecoder, so a UTF-8 character split across chunks survives
    const parser = new AmiParser(
      (msg) => this.onMessage(sock, msg),
      (line) => this.onBanner(sock, line),
      { expectBanner: true, ...(this.opts.skipEvents.size > 0 ? { skipEvent: (name: string) => this.opts.skipEvents.has(name) } : {}) },
    );
    // Banner + Login must finish in time, or a half-open PBX would keep us "connecting" forever.
    this.loginTimer = setTimeout(() => {
      this.log.warn({ timeoutMs: this.opts.actionTimeoutMs }, 'ami login timed out');
      sock.destroy();
    }, this.opts.actionTimeoutMs);
    sock.on('data', (chunk: string) => parser.push(chunk));
    sock.on('error', (err) => this.log.warn({ err: { message: err.message, code: (err as NodeJS.ErrnoException).code } }, 'ami socket error'));
    sock.on('close', () => this.onClose(sock));
  }

  private onBanner(sock: net.Socket, line: string): void {
    if (sock !== this.socket) return;
    // Capture 01a: `Asterisk Call Manager/11.0.0` (the AMI version, not Asterisk's).
    if (!line.startsWith('Asterisk Call Manager/')) this.log.warn({ banner: line.slice(0, 80) }, 'unexpected ami banner');
    this.login(sock);
  }

  private login(sock: net.Socket): void {
    const bytes = { name: 'Login', id: this.nextActionId(), bytes: '' };
    bytes.bytes = serialize([
      ['Action', 'Login'],
      ['ActionID', bytes.id],
      ['Username', this.opts.username],
      ['Secret', this.opts.secret],
      ['Events', this.opts.events],
    ]);
    this.dispatch(bytes, this.opts.actionTimeoutMs).then(
      () => {
        if (sock !== this.socket) return;
        this.clearTimer('loginTimer');
        this.attempt = 0;
        this.log.info({ username: this.opts.username }, 'ami logged in');
        this.setState('ready');
        this.startPing(sock);
        this.safeEmit('ready');
      },
      (err: unknown) => {
        if (err instanceof AmiActionError) {
          // Capture 01b/01c: `Authentication failed`, then the server closes. Retry with backoff:
          // a wrong secret must be visible, but a PBX that is still booting must not kill the relay.
          const authErr = new AmiAuthError(this.opts.username, err.message);
          this.log.error({ code: authErr.code, username: this.opts.username }, 'ami login rejected');
          if (this.listenerCount('error') > 0) this.safeEmit('error', authErr);
        }
        sock.destroy();
      },
    );
  }

  private startPing(sock: net.Socket): void {
    this.clearTimer('pingTimer');
    this.pingTimer = setInterval(() => {
      if (this.pingInFlight || sock !== this.socket) return;
      this.pingInFlight = true;
      this.send({ Action: 'Ping' }, { timeoutMs: this.opts.pingTimeoutMs })
        .catch((err: unknown) => {
          if (err instanceof AmiTimeoutError && sock === this.socket) {
            this.log.warn({ timeoutMs: this.opts.pingTimeoutMs }, 'ami ping unanswered; reconnecting');
            sock.destroy();
          }
        })
        .finally(() => {
          this.pingInFlight = false;
        });
    }, this.opts.pingIntervalMs);
  }

  private onMessage(sock: net.Socket, msg: AmiMessage): void {
    if (sock !== this.socket) return;
    const kind = kindOf(msg);
    if (kind === 'response') return this.onResponse(msg);
    if (kind === 'event') {
      const id = this.taps.size === 0 ? undefined : header(msg, 'ActionID');
      const tap = id === undefined ? undefined : this.taps.get(id);
      if (tap) this.guard(() => tap(msg));
      this.safeEmit('event', msg);
      return;
    }
    this.log.debug({ first: msg.headers[0]?.[0] }, 'ami message of unknown kind ignored');
  }

  private onResponse(msg: AmiMessage): void {
    // Unmatched: late (after a timeout) or not ours; capture 07 shows a smuggled action answered without ActionID.
    if (!this.pending.settle(msg)) this.log.debug({ actionId: header(msg, 'ActionID') }, 'ami response without a pending action');
  }

  private onClose(sock: net.Socket): void {
    if (sock !== this.socket) return;
    this.socket = null;
    this.clearTimer('loginTimer');
    this.clearTimer('pingTimer');
    this.pingInFlight = false;
    this.pending.rejectAll();
    this.setState('down');
    if (!this.stopped) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delayMs = backoffDelay(this.attempt, this.opts.backoff, this.opts.random);
    this.attempt += 1;
    this.log.info({ delayMs, attempt: this.attempt }, 'ami reconnect scheduled');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.stopped) this.connect();
    }, delayMs);
  }

  private setState(state: AmiState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    this.log.info({ state }, 'ami state');
    this.safeEmit('state', state);
  }

  private clearTimer(name: 'reconnectTimer' | 'loginTimer' | 'pingTimer'): void {
    const t = this[name];
    if (t) clearTimeout(t);
    this[name] = null;
  }

  /**
   * Calls each subscriber separately: one that throws must neither starve the others (EventEmitter's
   * emit stops at the first throw) nor break parsing of the rest of the chunk. rawListeners keeps
   * `once` semantics (its wrappers remove themselves).
   */
  private safeEmit<K extends keyof AmiConnectionEvents>(name: K, ...args: AmiConnectionEvents[K]): void {
    for (const listener of this.rawListeners(name)) {
      this.guard(() => (listener as (...a: AmiConnectionEvents[K]) => void)(...args));
    }
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err: err instanceof Error ? { message: err.message, name: err.name } : String(err) }, 'ami subscriber threw');
    }
  }
}
