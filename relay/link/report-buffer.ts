// The reports a relay owes the Worker (member outcomes, missed calls, room participants, service-code
// requests): kept until the Worker has surely processed them, and sent again after a reconnect.
// A WebSocket send says nothing about arrival, so a report is settled only when a heartbeat sent
// after it is acknowledged: the queue handles one session's frames in order, so the ack proves
// every earlier frame was handled. The Worker counts each report once (by Uniqueid, attempt or key).
// With a file (beside the attempt journal) the reports also survive a relay crash: each is fsync'd
// before it is sent. Invariant: bounded; when full the oldest report is dropped and the caller is told.
import { z } from 'zod';
import { isReportFrame, relayFrame, type ReportFrame } from '../../shared/relay-protocol.js';
import { JsonlFile } from '../jsonl-file.js';

export type { ReportFrame };

export const DEFAULT_REPORT_LIMIT = 1000;
/** The file is rewritten with only the unsettled reports once it grows past this. */
const COMPACT_BYTES = 256 * 1024;

const fileLine = z.union([
  z.strictObject({ op: z.literal('add'), seq: z.int().min(1), frame: relayFrame }),
  z.strictObject({ op: z.literal('settle'), upTo: z.int().min(0) }),
]);

export class ReportBuffer {
  private readonly kept: Array<{ seq: number; frame: ReportFrame }> = [];
  /** For each heartbeat in flight on the current socket, the last report sent before it. */
  private readonly heartbeats: number[] = [];
  private seq = 0;
  private fileOpen = true;

  constructor(
    private readonly limit = DEFAULT_REPORT_LIMIT,
    private readonly file?: JsonlFile,
  ) {}

  /** A buffer kept in a file: the reports it holds from before a crash are owed again. */
  static open(path: string, limit = DEFAULT_REPORT_LIMIT): ReportBuffer {
    const { file, values } = JsonlFile.open(path);
    const buffer = new ReportBuffer(limit, file);
    for (const value of values) {
      const line = fileLine.safeParse(value);
      if (!line.success) continue;
      if (line.data.op === 'settle') buffer.drop(line.data.upTo);
      else if (isReportFrame(line.data.frame)) buffer.keep(line.data.seq, line.data.frame);
      buffer.seq = Math.max(buffer.seq, line.data.op === 'add' ? line.data.seq : line.data.upTo);
    }
    while (buffer.kept.length > limit) buffer.kept.shift();
    buffer.compact(true);
    return buffer;
  }

  get size(): number {
    return this.kept.length;
  }

  /** Keeps a report (on disk first, if there is a file); returns the one dropped to stay within the limit, if any. */
  add(frame: ReportFrame): ReportFrame | undefined {
    const seq = ++this.seq;
    if (this.fileOpen) this.file?.append({ op: 'add', seq, frame });
    this.keep(seq, frame);
    return this.kept.length > this.limit ? this.kept.shift()?.frame : undefined;
  }

  /** A heartbeat went out on the socket: its ack will settle every report kept so far. */
  heartbeatSent(): void {
    this.heartbeats.push(this.seq);
  }

  /** The Worker acknowledged the oldest heartbeat in flight. */
  acknowledged(): void {
    const upTo = this.heartbeats.shift();
    if (upTo === undefined || this.kept.length === 0 || this.kept[0]!.seq > upTo) return;
    this.drop(upTo);
    if (this.fileOpen) this.file?.append({ op: 'settle', upTo });
    this.compact(false);
  }

  /** A new socket: acks of the old one will never come; everything kept is to be sent again, in order. */
  resend(): ReportFrame[] {
    this.heartbeats.length = 0;
    return this.kept.map((k) => k.frame);
  }

  /** Closes the file; a report made after this (the relay is stopping) is kept in memory only. */
  close(): void {
    if (this.fileOpen) this.file?.close();
    this.fileOpen = false;
  }

  private keep(seq: number, frame: ReportFrame): void {
    this.kept.push({ seq, frame });
  }

  private drop(upTo: number): void {
    while (this.kept.length > 0 && this.kept[0]!.seq <= upTo) this.kept.shift();
  }

  private compact(force: boolean): void {
    if (this.file === undefined || !this.fileOpen || (!force && this.file.bytes < COMPACT_BYTES)) return;
    this.file.rewrite(this.kept.map(({ seq, frame }) => ({ op: 'add', seq, frame })));
  }
}
