// The reports a relay owes the Worker (member outcomes, missed calls, room participants, service-code
// requests): kept until the Worker has surely processed them, and sent again after a reconnect.
// A WebSocket send says nothing about arrival, so a report is settled only when a heartbeat sent
// after it is acknowledged: the queue handles one session's frames in order, so the ack proves
// every earlier frame was handled. The Worker counts each report once (by Uniqueid, attempt or key).
// Invariant: bounded; when full the oldest report is dropped and the caller is told (it logs it).
import type { RelayFrame } from '../../shared/relay-protocol.js';

export type ReportFrame = Extract<RelayFrame, { type: 'conference.member' | 'conference.requested' | 'room.participants' | 'rooms.running' | 'missed-call' | 'call-connected' }>;

export const DEFAULT_REPORT_LIMIT = 1000;

export class ReportBuffer {
  private readonly kept: Array<{ seq: number; frame: ReportFrame }> = [];
  /** For each heartbeat in flight on the current socket, the last report sent before it. */
  private readonly heartbeats: number[] = [];
  private seq = 0;

  constructor(private readonly limit = DEFAULT_REPORT_LIMIT) {}

  get size(): number {
    return this.kept.length;
  }

  /** Keeps a report; returns the one dropped to stay within the limit, if any. */
  add(frame: ReportFrame): ReportFrame | undefined {
    this.kept.push({ seq: ++this.seq, frame });
    return this.kept.length > this.limit ? this.kept.shift()?.frame : undefined;
  }

  /** A heartbeat went out on the socket: its ack will settle every report kept so far. */
  heartbeatSent(): void {
    this.heartbeats.push(this.seq);
  }

  /** The Worker acknowledged the oldest heartbeat in flight. */
  acknowledged(): void {
    const upTo = this.heartbeats.shift();
    if (upTo === undefined) return;
    while (this.kept.length > 0 && this.kept[0]!.seq <= upTo) this.kept.shift();
  }

  /** A new socket: acks of the old one will never come; everything kept is to be sent again, in order. */
  resend(): ReportFrame[] {
    this.heartbeats.length = 0;
    return this.kept.map((k) => k.frame);
  }
}
