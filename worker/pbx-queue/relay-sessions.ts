// The relay WebSockets of one PBX queue, kept across Durable Object hibernation: each socket's state
// lives in its attachment and the session holding the dispatch right in the meta table. Only the
// newest session is offered jobs; older ones are told `superseded` and may only report on the
// attempts they hold.
import { queueFrame, type AmiState, type QueueFrame } from '../../shared/relay-protocol.js';
import { log } from '../log.js';
import type { JobStore } from './job-store.js';

export interface SessionInfo {
  sessionId: string;
  connectedAt: number;
  /** Set by the relay's `hello`; until then the session gets no offers. */
  relayId: string | null;
  ami: AmiState;
  capacity: number;
  /** Calls the relay places on its own (its last heartbeat's `ownCalls`); absent before the first. */
  ownCalls?: number;
  lastSeenAt: number;
}

export class RelaySessions {
  constructor(
    private readonly ctx: DurableObjectState,
    private readonly store: JobStore,
  ) {}

  info(ws: WebSocket): SessionInfo | undefined {
    const value: unknown = ws.deserializeAttachment();
    return isSessionInfo(value) ? value : undefined;
  }

  update(ws: WebSocket, patch: Partial<SessionInfo>): SessionInfo | undefined {
    const current = this.info(ws);
    if (current === undefined) return undefined;
    const next = { ...current, ...patch };
    ws.serializeAttachment(next);
    return next;
  }

  /**
   * Accepts a new socket as the active session; returns the sessions it displaced. A displaced
   * socket is told but left open: it gets no more offers, yet may still report the calls it has in
   * flight (their results are the truth), and closes itself when done.
   */
  open(ws: WebSocket, sessionId: string, now: number): SessionInfo[] {
    const displaced: SessionInfo[] = [];
    const activeId = this.store.getMeta('active_session');
    for (const other of this.ctx.getWebSockets()) {
      const info = this.info(other);
      if (info === undefined || info.sessionId !== activeId) continue;
      displaced.push(info);
      this.send(other, { type: 'superseded' });
    }
    this.ctx.acceptWebSocket(ws, [sessionId]);
    const info: SessionInfo = { sessionId, connectedAt: now, relayId: null, ami: 'down', capacity: 0, lastSeenAt: now };
    ws.serializeAttachment(info);
    this.store.setMeta('active_session', sessionId);
    return displaced;
  }

  isActive(ws: WebSocket): boolean {
    const info = this.info(ws);
    return info !== undefined && info.sessionId === this.store.getMeta('active_session');
  }

  /** The active session's socket, if it is still open. */
  active(): { ws: WebSocket; info: SessionInfo } | undefined {
    const id = this.store.getMeta('active_session');
    if (id === undefined || id === '') return undefined;
    const ws = this.ctx.getWebSockets(id)[0];
    const info = ws === undefined ? undefined : this.info(ws);
    return ws !== undefined && info !== undefined ? { ws, info } : undefined;
  }

  /** The open socket of a session, active or displaced. */
  socketOf(sessionId: string): WebSocket | undefined {
    return this.ctx.getWebSockets(sessionId)[0];
  }

  clearActive(ws: WebSocket): void {
    if (this.isActive(ws)) this.store.setMeta('active_session', '');
  }

  /**
   * Sends a frame; false when it was not sent. A frame that fails the protocol's own schema is a bug
   * on this side: it is logged and counted (GET …/status shows `protocolErrors`), never swallowed.
   */
  send(ws: WebSocket, frame: QueueFrame): boolean {
    const checked = queueFrame.safeParse(frame);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      log('error', 'a frame for the relay fails the protocol schema; not sent', { type: frame.type, path: issue?.path.join('.'), issue: issue?.message });
      this.store.setMeta('protocol_errors', String(this.protocolErrors() + 1));
      return false;
    }
    try {
      ws.send(JSON.stringify(checked.data));
      return true;
    } catch {
      // The socket closed under us: its close handler releases what it held.
      return false;
    }
  }

  /** Frames this queue refused to send because they failed the protocol schema. */
  protocolErrors(): number {
    return Number(this.store.getMeta('protocol_errors') ?? '0');
  }
}

function isSessionInfo(v: unknown): v is SessionInfo {
  return typeof v === 'object' && v !== null && 'sessionId' in v && typeof v.sessionId === 'string';
}
