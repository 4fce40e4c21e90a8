// A second AMI login that watches what the PBX really did, for whole-system tests on the simulator
// and on a real Asterisk alike: channels created per dialled number, DialBegin/DialEnd,
// ConfbridgeJoin/Leave, QueueCallerJoin, UserEvent, DTMF. Tests assert on it ("the customer's number
// was rung exactly once", "the operator was never rung", "the external leg joined within 5 s").
// It can also place calls as a phone would (Originate of a Local channel into a context), which is how
// the real-PBX driver makes an employee dial in.
// Invariant: it only records and never reacts on its own; every wait has a deadline.
import { pino } from 'pino';
import { AmiConnection } from '../relay/ami/connection.js';
import { header, type AmiMessage } from '../relay/ami/wire.js';
import { waitFor } from './wait.js';

export interface ObservedEvent {
  readonly at: number;
  readonly name: string;
  get(header: string): string | undefined;
  readonly raw: AmiMessage;
}

/** Channel names of Local channels look like `Local/<exten>@<context>-0000001a;1`. */
const LOCAL = /^Local\/([^@]+)@([^-;]+)-[0-9a-f]+;([12])$/;

export interface LocalChannel { exten: string; context: string; half: '1' | '2' }

export function parseLocal(channel: string | undefined): LocalChannel | undefined {
  const m = channel === undefined ? null : LOCAL.exec(channel);
  return m ? { exten: m[1] ?? '', context: m[2] ?? '', half: m[3] === '1' ? '1' : '2' } : undefined;
}

export class AmiObserver {
  readonly events: ObservedEvent[] = [];
  private readonly conn: AmiConnection;
  private counter = 0;

  private constructor(host: string, port: number, login: { username: string; secret: string }) {
    this.conn = new AmiConnection({ host, port, ...login, logger: pino({ level: 'silent' }), actionIdPrefix: 'obs' });
    this.conn.on('event', (raw) => {
      this.events.push({ at: Date.now(), name: header(raw, 'Event') ?? '', get: (h) => header(raw, h), raw });
    });
  }

  static async connect(host: string, port: number, login: { username: string; secret: string }): Promise<AmiObserver> {
    const observer = new AmiObserver(host, port, login);
    const ready = new Promise<void>((resolve) => observer.conn.once('ready', () => resolve()));
    observer.conn.start();
    await Promise.race([ready, new Promise((_, reject) => setTimeout(() => reject(new Error('the AMI observer could not log in within 15 s')), 15_000))]);
    return observer;
  }

  /** Events named `name` (after `since`, ms epoch), optionally filtered. */
  named(name: string, pred: (e: ObservedEvent) => boolean = () => true, since = 0): ObservedEvent[] {
    return this.events.filter((e) => e.name === name && e.at >= since && pred(e));
  }

  /**
   * The calls that rang `number`, one event per call (by Linkedid): a Local `;2` half created for it, or a
   * channel entering it as an extension (`Newexten`, priority 1), whichever came first. A phone reached
   * through a route's Dial() (real PBXes) and one run in the extension's own context (the simulator) both
   * count once per call; a redial or a retry counts again.
   */
  rings(number: string, since = 0): ObservedEvent[] {
    const calls = new Map<string, ObservedEvent>();
    for (const e of this.events) {
      if (e.at < since) continue;
      const local = e.name === 'Newchannel' ? parseLocal(e.get('Channel')) : undefined;
      const created = local !== undefined && local.half === '2' && local.exten === number;
      const entered = e.name === 'Newexten' && e.get('Exten') === number && e.get('Priority') === '1';
      if (!created && !entered) continue;
      const call = e.get('Linkedid') ?? e.get('Uniqueid') ?? '';
      if (!calls.has(call)) calls.set(call, e);
    }
    return [...calls.values()];
  }

  /** ConfbridgeJoin events of a room. */
  joins(room: string, since = 0): ObservedEvent[] {
    return this.named('ConfbridgeJoin', (e) => e.get('Conference') === room, since);
  }

  leaves(room: string, since = 0): ObservedEvent[] {
    return this.named('ConfbridgeLeave', (e) => e.get('Conference') === room, since);
  }

  /** Who is in the room now, by channel name, from the Join/Leave events seen. */
  inRoom(room: string): string[] {
    const members = new Set<string>();
    for (const e of this.events) {
      if (e.get('Conference') !== room) continue;
      const ch = e.get('Channel') ?? '';
      if (e.name === 'ConfbridgeJoin') members.add(ch);
      if (e.name === 'ConfbridgeLeave') members.delete(ch);
      if (e.name === 'ConfbridgeEnd') members.clear();
    }
    return [...members];
  }

  /** Channels that exist now (Newchannel seen, no Hangup yet). */
  liveChannels(): string[] {
    const live = new Map<string, string>();
    for (const e of this.events) {
      const uid = e.get('Uniqueid') ?? '';
      if (e.name === 'Newchannel') live.set(uid, e.get('Channel') ?? '');
      if (e.name === 'Hangup') live.delete(uid);
    }
    return [...live.values()];
  }

  /** Waits for an event named `name` satisfying `pred`, seen at or after `since`. */
  waitFor(name: string, pred: (e: ObservedEvent) => boolean, what: string, timeoutMs = 10_000, since = 0): Promise<ObservedEvent> {
    return waitFor(() => this.named(name, pred, since)[0], what, timeoutMs, 20);
  }

  /** Waits until `check` holds over what has been observed. */
  until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    return waitFor(() => (check() ? true : undefined), what, timeoutMs, 20).then(() => undefined);
  }

  /**
   * A phone `from` dials `exten` in `context`: a Local channel whose dialplan half runs exten@context and
   * whose other half waits (as the simulator's dial() does). Resolves with the ChannelId (a Uniqueid).
   */
  async dial(from: string, exten: string, context: string): Promise<string> {
    this.counter += 1;
    const uid = `obs-${process.pid}-${Date.now().toString(36)}-${this.counter}`;
    await this.conn.send({
      Action: 'Originate', Channel: `Local/${exten}@${context}`, Application: 'Wait', Data: '3600',
      CallerID: `"${from}" <${from}>`, Timeout: 120_000, Async: 'true', ChannelId: uid, OtherChannelId: `${uid}-2`,
    });
    return uid;
  }

  /** Hangs up a channel by name or by its Uniqueid. */
  async hangup(channelOrUniqueid: string, cause = 16): Promise<void> {
    const byUid = this.named('Newchannel', (e) => e.get('Uniqueid') === channelOrUniqueid)[0]?.get('Channel');
    const channel = byUid ?? channelOrUniqueid;
    await this.conn.send({ Action: 'Hangup', Channel: channel, Cause: cause }).catch(() => undefined);
  }

  /** Sends an arbitrary action (the bench's foreign calls; a test's own probes). */
  send(action: Readonly<Record<string, string | number | undefined>>): Promise<AmiMessage> {
    return this.conn.send(action);
  }

  close(): Promise<void> {
    return this.conn.stop();
  }
}
