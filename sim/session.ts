// One AMI TCP session: banner, action parsing (relay/ami/wire.ts AmiParser), authentication state,
// event filtering (Events on/off, the user's read classes) and the output gates (sync Originate hold, stall, response delay).
// Invariant: actions of one session run strictly one after another, and events generated while a
// synchronous action blocks the session are delivered after its Response (FACTS 9).
import type { Socket } from 'node:net';
import { AmiParser, type AmiMessage } from '../relay/ami/wire';
import { frame, type Fields, type ReadonlyFields } from './frame';
import { mayRead, permissionsOf, type Permissions } from './permissions';

export interface SessionHost {
  /** Runs one action for this session; resolves when the action (including any blocking) is done. */
  handle(s: Session, msg: AmiMessage): Promise<void>;
  closed(s: Session): void;
  stalledUntil(): Promise<void> | undefined;
  responseDelayMs(): number;
}

export class Session {
  authed = false;
  username = '';
  eventsOn = true;
  /** The logged-in user's manager.conf classes; until Login, nothing. */
  permissions: Permissions = permissionsOf({ secret: '', read: 'none', write: 'none' });
  /** >0 while a synchronous action (Originate, PlayDTMF) holds this session's events. */
  private blockers = 0;
  private held: string[] = [];
  private chain: Promise<void> = Promise.resolve();
  private writeChain: Promise<void> = Promise.resolve();
  readonly sessionId = `0x7f6a${Math.floor(Math.random() * 0xffffff).toString(16).padStart(6, '0')}`;
  readonly startedAt = new Date();
  private open = true;
  private readonly parser: AmiParser;

  constructor(
    readonly id: number,
    readonly socket: Socket,
    private readonly host: SessionHost,
  ) {
    this.parser = new AmiParser((msg) => this.enqueue(msg));
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.parser.push(chunk));
    socket.on('close', () => this.onClose());
    socket.on('error', () => this.onClose());
    this.raw('Asterisk Call Manager/11.0.0\r\n');
  }

  get isOpen(): boolean {
    return this.open;
  }

  get localAddress(): string {
    return `IPV4/TCP/${this.socket.localAddress ?? '127.0.0.1'}/${this.socket.localPort ?? 0}`;
  }

  get remoteAddress(): string {
    return `IPV4/TCP/${(this.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '')}/${this.socket.remotePort ?? 0}`;
  }

  private enqueue(msg: AmiMessage): void {
    this.chain = this.chain.then(() => (this.open ? this.host.handle(this, msg) : undefined)).catch(() => undefined);
  }

  /** Writes a Response (subject to delayResponses); fields start with `Response`. */
  respond(fields: ReadonlyFields): void {
    const text = frame(fields);
    const delay = this.host.responseDelayMs();
    // A delayed Response does not hold back events: they keep flowing while the client waits.
    const write = () => (this.writeChain = this.writeChain.then(() => this.raw(text)));
    if (delay > 0) setTimeout(write, delay);
    else write();
  }

  /** List items and other direct messages that belong to the current action's answer. */
  direct(fields: ReadonlyFields): void {
    const text = frame(fields);
    this.writeChain = this.writeChain.then(() => this.raw(text));
  }

  /** A PBX event for this session (dropped, not buffered, while Events: off — FACTS 8). */
  event(fields: Fields): void {
    if (!this.authed || !this.eventsOn || !this.open) return;
    if (!mayRead(this.permissions, fields.find(([k]) => k === 'Privilege')?.[1])) return;
    const text = frame(fields);
    if (this.blockers > 0) this.held.push(text);
    else this.writeChain = this.writeChain.then(() => this.raw(text));
  }

  block(): void {
    this.blockers++;
  }

  unblock(): void {
    if (--this.blockers > 0) return;
    const held = this.held;
    this.held = [];
    this.writeChain = this.writeChain.then(() => {
      for (const t of held) this.raw(t);
    });
  }

  /** Closes after everything queued so far has been written (Logoff, failed Login). */
  closeAfterWrites(): void {
    this.writeChain = this.writeChain.then(() => {
      this.open = false;
      this.socket.end();
    });
  }

  destroy(): void {
    this.open = false;
    this.socket.destroy();
  }

  private raw(text: string): Promise<void> | void {
    const stall = this.host.stalledUntil();
    if (stall) return stall.then(() => this.raw(text));
    if (this.open && !this.socket.destroyed) this.socket.write(text);
  }

  private onClose(): void {
    if (!this.open && this.socket.destroyed) return this.host.closed(this);
    this.open = false;
    this.host.closed(this);
  }
}
