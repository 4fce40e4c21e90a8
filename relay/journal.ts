// The relay's on-disk attempt journal: an append-only JSON-lines file. An attempt is written here,
// fsync'd, before its Originate is sent and dropped only when the queue has acknowledged its result,
// so a relay that crashes at any point knows on restart which calls it may have placed: it looks them
// up on the PBX and reports them, and never dials them again. Only that first line must be on disk
// before going on; the later ones (answered, result, ack) reach the OS at once, which a killed relay
// cannot lose, and the disk with the next fsync: were a machine failure to lose one, the attempt would
// only be looked up again (or its result asked for again), never dialled. One fsync per call, not four.
// Bounded: compacted to the open entries when it grows past maxBytes.
import { z } from 'zod';
import { attemptResult as resultSchema, callbackPlan } from '../shared/relay-protocol.js';
import { JsonlFile } from './jsonl-file.js';

const entrySchema = z.strictObject({
  attemptId: z.string(),
  fence: z.int(),
  jobId: z.string(),
  channelId: z.string(),
  /** Kept so that a call found again after a restart is judged as the plan it came from. */
  plan: callbackPlan,
  startedAt: z.int(),
  originatedAt: z.int().nullable().default(null),
  answeredAt: z.int().nullable().default(null),
  result: resultSchema.nullable().default(null),
});
export type JournalEntry = z.infer<typeof entrySchema>;

const lineSchema = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('start'), entry: entrySchema }),
  z.strictObject({ op: z.literal('update'), attemptId: z.string(), patch: entrySchema.pick({ originatedAt: true, answeredAt: true, result: true }).partial() }),
  z.strictObject({ op: z.literal('ack'), attemptId: z.string() }),
]);
type Line = z.infer<typeof lineSchema>;

export class JournalFullError extends Error {
  readonly code = 'JOURNAL_FULL';
}

export class Journal {
  private readonly entries = new Map<string, JournalEntry>();
  private readonly file: JsonlFile;

  private constructor(
    path: string,
    private readonly maxBytes: number,
    private readonly maxOpen: number,
  ) {
    const { file, values } = JsonlFile.open(path);
    this.file = file;
    for (const value of values) {
      const line = lineSchema.safeParse(value);
      if (line.success) this.apply(line.data);
    }
    this.compactIfLarge(true);
  }

  static open(path: string, options: { maxBytes?: number; maxOpen?: number } = {}): Journal {
    return new Journal(path, options.maxBytes ?? 1024 * 1024, options.maxOpen ?? 5000);
  }

  /** Attempts started and not yet acknowledged by the queue, oldest first. */
  open(): JournalEntry[] {
    return [...this.entries.values()];
  }

  get(attemptId: string): JournalEntry | undefined {
    return this.entries.get(attemptId);
  }

  /** Records an attempt before anything is dialled. Throws JournalFullError rather than grow unbounded. */
  start(entry: Omit<JournalEntry, 'originatedAt' | 'answeredAt' | 'result'>): JournalEntry {
    if (this.entries.size >= this.maxOpen) throw new JournalFullError(`journal holds ${this.entries.size} open attempts`);
    const full: JournalEntry = { ...entry, originatedAt: null, answeredAt: null, result: null };
    this.write({ op: 'start', entry: full }, true);
    this.entries.set(full.attemptId, full);
    return full;
  }

  update(attemptId: string, patch: Partial<Pick<JournalEntry, 'originatedAt' | 'answeredAt' | 'result'>>): void {
    const current = this.entries.get(attemptId);
    if (current === undefined) return;
    this.write({ op: 'update', attemptId, patch }, false);
    this.entries.set(attemptId, { ...current, ...patch });
  }

  /** The queue has the result: the attempt can be forgotten. */
  ack(attemptId: string): void {
    if (!this.entries.has(attemptId)) return;
    this.write({ op: 'ack', attemptId }, false);
    this.entries.delete(attemptId);
    this.compactIfLarge(false);
  }

  close(): void {
    this.file.close();
  }

  /** With `sync`, the line is on disk before the caller goes on (to dial). */
  private write(line: Line, sync: boolean): void {
    this.file.append(line, sync);
  }

  private apply(line: Line): void {
    if (line.op === 'start') this.entries.set(line.entry.attemptId, line.entry);
    else if (line.op === 'ack') this.entries.delete(line.attemptId);
    else {
      const current = this.entries.get(line.attemptId);
      if (current !== undefined) this.entries.set(line.attemptId, { ...current, ...line.patch });
    }
  }

  /** Rewrites the file with only the open entries, atomically. */
  private compactIfLarge(force: boolean): void {
    if (!force && this.file.bytes < this.maxBytes) return;
    this.file.rewrite([...this.entries.values()].map((entry) => ({ op: 'start', entry }) satisfies Line));
  }
}
