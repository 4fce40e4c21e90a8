// An append-only JSON-lines file whose appends are fsync'd before they return (unless the caller says a
// line may wait for the next fsync), and which can be rewritten atomically (write a temporary file,
// fsync, rename). The relay's attempt journal and its
// report buffer keep what must survive a crash in one of these.
// Invariant: a line torn by a crash mid-write is skipped on reading; nothing after it was acted upon.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export class JsonlFile {
  private fd: number;
  private size = 0;
  private closed = false;

  private constructor(private readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a');
  }

  /** Opens (creating it if needed) and returns the file with the values of its readable lines. */
  static open(path: string): { file: JsonlFile; values: unknown[] } {
    const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
    const file = new JsonlFile(path);
    file.size = Buffer.byteLength(text);
    const values: unknown[] = [];
    for (const raw of text.split('\n')) {
      if (raw.trim() === '') continue;
      try {
        values.push(JSON.parse(raw));
      } catch {
        // torn by a crash mid-write
      }
    }
    return { file, values };
  }

  get bytes(): number {
    return this.size;
  }

  /**
   * With `sync` (the default) the line is on disk when this returns. Without, it is in the OS's hands
   * (it survives the process being killed, not the machine failing) until the next synced append,
   * which carries it too.
   */
  append(value: unknown, sync = true): void {
    const text = JSON.stringify(value) + '\n';
    writeSync(this.fd, text);
    if (sync) fsyncSync(this.fd);
    this.size += Buffer.byteLength(text);
  }

  /** Replaces the whole file with these values, atomically. */
  rewrite(values: Iterable<unknown>): void {
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w');
    let bytes = 0;
    for (const value of values) {
      const text = JSON.stringify(value) + '\n';
      writeSync(fd, text);
      bytes += Buffer.byteLength(text);
    }
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.path);
    closeSync(this.fd);
    this.fd = openSync(this.path, 'a');
    this.size = bytes;
  }

  /** Idempotent: owners may stop more than once. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}
