// The relay's outbound WebSocket to its PBX's queue in the Worker: dials out (the relay sits behind
// NAT), authenticates with the relay token in the Authorization header, says hello, keeps a
// heartbeat, and reconnects with capped, jittered backoff. Frames are validated both ways with the
// shared protocol schemas. It knows nothing of jobs: the relay (relay.ts) handles frames.
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import { queueFrame, relayFrame, RELAY_SUBPROTOCOL, type QueueFrame, type RelayFrame } from '../../shared/relay-protocol.js';
import { backoffDelay, DEFAULT_BACKOFF } from '../ami/backoff.js';
import { ReportBuffer, type ReportFrame } from './report-buffer.js';

export interface WorkerLinkOptions {
  url: string;
  pbx: string;
  token: string;
  logger: Logger;
  /** Called on every (re)connect once the queue has welcomed us; returns the hello to send. */
  hello: () => Extract<RelayFrame, { type: 'hello' }>;
  heartbeat: () => Extract<RelayFrame, { type: 'heartbeat' }>;
  heartbeatMs?: number;
  /** Where reports wait until acknowledged (default: in memory, up to 1000). */
  reports?: ReportBuffer;
}

export type LinkState = 'connecting' | 'open' | 'down';

interface LinkEvents {
  frame: [QueueFrame];
  state: [LinkState];
}

export class WorkerLink extends EventEmitter<LinkEvents> {
  private socket: WebSocket | undefined;
  private failures = 0;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private current: LinkState = 'down';
  private readonly reports: ReportBuffer;

  constructor(private readonly options: WorkerLinkOptions) {
    super();
    this.reports = options.reports ?? new ReportBuffer();
  }

  /** Reports kept until the Worker acknowledges them (sent now if the link is open, else after the next hello). */
  get unsettledReports(): number {
    return this.reports.size;
  }

  get state(): LinkState {
    return this.current;
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  /** Sends a frame if the link is open; returns whether it was handed to the socket. */
  send(frame: RelayFrame): boolean {
    const socket = this.socket;
    if (socket === undefined || socket.readyState !== WebSocket.OPEN || this.current !== 'open') return false;
    socket.send(JSON.stringify(relayFrame.parse(frame)));
    if (frame.type === 'heartbeat') this.reports.heartbeatSent();
    return true;
  }

  /** Sends a report the Worker must hear: kept, and sent again after a reconnect until acknowledged. */
  report(frame: ReportFrame): void {
    // Checked before it is kept: a report the protocol refuses would be refused again after every restart.
    if (!relayFrame.safeParse(frame).success) {
      this.options.logger.error({ type: frame.type }, 'a report does not match the protocol; it is not sent');
      return;
    }
    const dropped = this.reports.add(frame);
    if (dropped !== undefined) this.options.logger.error({ type: dropped.type }, 'too many reports waiting for the Worker; dropped the oldest');
    this.send(frame);
  }

  /** Closes the socket; the reports still owed stay in their file for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.heartbeat);
    const socket = this.socket;
    if (socket === undefined || socket.readyState === WebSocket.CLOSED) return this.reports.close();
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.close(1000, 'relay stopping');
      setTimeout(() => {
        socket.terminate();
        resolve();
      }, 2000).unref();
    });
    this.reports.close();
  }

  private connect(): void {
    const { url, pbx, token, logger } = this.options;
    const target = `${url.replace(/^http/, 'ws')}/v1/pbxes/${encodeURIComponent(pbx)}/relay`;
    this.setState('connecting');
    const socket = new WebSocket(target, [RELAY_SUBPROTOCOL], { headers: { authorization: `Bearer ${token}` }, handshakeTimeout: 10_000 });
    this.socket = socket;
    socket.on('unexpected-response', (_req, res) => {
      // The refusal's problem says why (e.g. relay_protocol_unsupported: this relay's version is not the Worker's).
      let body = '';
      res.on('data', (chunk: Buffer) => void (body.length < 2048 && (body += chunk.toString())));
      res.on('end', () => {
        const problem = refusal(body);
        logger.error({ status: res.statusCode, ...problem }, 'the Worker refused the relay connection (check PEREZVON_URL, PEREZVON_PBX, the relay token and the relay version)');
        socket.terminate();
      });
    });
    socket.on('message', (data) => this.onMessage(data.toString()));
    socket.on('error', (err) => logger.warn({ err: err.message }, 'worker link error'));
    socket.on('close', (code, reason) => {
      if (this.socket !== socket) return;
      clearInterval(this.heartbeat);
      this.socket = undefined;
      this.setState('down');
      logger.info({ code, reason: reason.toString() }, 'worker link closed');
      if (!this.stopped) this.scheduleReconnect();
    });
  }

  private onMessage(text: string): void {
    this.nudge();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const parsed = queueFrame.safeParse(json);
    if (!parsed.success) {
      this.options.logger.warn('ignored a frame from the Worker that does not match the protocol');
      return;
    }
    const frame = parsed.data;
    if (frame.type === 'superseded') {
      // Another relay holds this PBX now. Reconnecting would take it back and the two would flap.
      this.stopped = true;
    }
    if (frame.type === 'heartbeat.ack') this.reports.acknowledged();
    if (frame.type === 'welcome') {
      this.failures = 0;
      this.setState('open');
      this.send(this.options.hello());
      const owed = this.reports.resend();
      if (owed.length > 0) this.options.logger.info({ reports: owed.length }, 'sending the reports kept for the Worker (made while the link was down, or not yet acknowledged)');
      for (const report of owed) this.send(report);
      // At once, so what was just resent is settled without waiting a whole heartbeat interval.
      if (owed.length > 0) this.send(this.options.heartbeat());
      clearInterval(this.heartbeat);
      this.heartbeat = setInterval(() => this.send(this.options.heartbeat()), this.options.heartbeatMs ?? 15_000);
    }
    this.emit('frame', frame);
  }

  /**
   * A WebSocket ping right after each frame from the queue: the runtime answers it (it never reaches
   * the Durable Object, so it is no request there) and, above all, it carries the TCP ACK of that frame
   * at once. Protocol 2 often sends nothing back (progress waits for a batch), and a delayed ACK
   * would hold the queue's next small frame, an offer, behind Nagle's algorithm for 40 ms or more.
   */
  private nudge(): void {
    const socket = this.socket;
    if (socket !== undefined && socket.readyState === WebSocket.OPEN) socket.ping();
  }

  private scheduleReconnect(): void {
    const delay = backoffDelay(this.failures++, DEFAULT_BACKOFF);
    this.options.logger.info({ delayMs: Math.round(delay) }, 'reconnecting to the Worker');
    this.timer = setTimeout(() => this.connect(), delay);
  }

  private setState(state: LinkState): void {
    if (state === this.current) return;
    this.current = state;
    this.emit('state', state);
  }
}

/** The code and message of a refusal's JSON problem, if it has one. */
function refusal(body: string): { code?: string; message?: string } {
  try {
    const json: unknown = JSON.parse(body);
    if (typeof json !== 'object' || json === null) return {};
    const { code, message } = json as Record<string, unknown>;
    return { ...(typeof code === 'string' ? { code } : {}), ...(typeof message === 'string' ? { message: message.slice(0, 300) } : {}) };
  } catch {
    return {};
  }
}
