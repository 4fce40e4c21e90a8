// Benchmark: AMI message parsing throughput (relay/ami/wire.ts AmiParser) against a baseline measured
// in the same run: a bare split of the same bytes on blank lines. Input: every `<<` line of the real
// Asterisk captures in test/fixtures/ami-captures, repeated, fed in 64 KiB chunks as a socket would.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SKIPPED_EVENTS } from '../relay/ami/skipped-events.js';
import { AmiParser } from '../relay/ami/wire.js';

export interface ParseBench {
  messages: number;
  parserMsgsPerSec: number;
  /** The parser as the relay runs it: events nobody reads (SKIPPED_EVENTS) skipped on the wire. */
  relayParserMsgsPerSec: number;
  baselineMsgsPerSec: number;
  ratio: number;
}

function corpus(dir: string): string {
  let text = '';
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.jsonl')).sort()) {
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      const rec = JSON.parse(line) as { dir: string; line: string };
      if (rec.dir === '<<' && !rec.line.startsWith('Asterisk Call Manager')) text += rec.line;
    }
  }
  return text;
}

function chunks(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

function timeIt(fn: () => number, minMs: number): { count: number; ms: number } {
  let count = 0;
  const start = performance.now();
  let ms = 0;
  do {
    count += fn();
    ms = performance.now() - start;
  } while (ms < minMs);
  return { count, ms };
}

export function benchAmiParse(transcripts: string, minMs = 1500): ParseBench {
  const one = corpus(transcripts);
  const bytes = Buffer.from(one.repeat(Math.max(1, Math.ceil(4_000_000 / one.length))));
  const parts = chunks(bytes, 64 * 1024);
  const parse = (): number => {
    let n = 0;
    const p = new AmiParser(() => n++);
    for (const c of parts) p.push(c);
    return n;
  };
  // Counted in messages on the wire (skipped ones included), so the rate compares with the others.
  const total = parse();
  const parseAsRelay = (): number => {
    const p = new AmiParser(() => undefined, () => {}, { skipEvent: (name) => SKIPPED_EVENTS.has(name) });
    for (const c of parts) p.push(c);
    return total;
  };
  const split = (): number => {
    let n = 0;
    let rest = '';
    for (const c of parts) {
      const pieces = (rest + c.toString('utf8')).split('\r\n\r\n');
      rest = pieces.pop() ?? '';
      n += pieces.length;
    }
    return n;
  };
  // Warm both paths up before measuring; alternate to share the machine's noise fairly.
  parse();
  split();
  const a1 = timeIt(parse, minMs / 2);
  const b1 = timeIt(split, minMs / 2);
  const a2 = timeIt(parse, minMs / 2);
  const b2 = timeIt(split, minMs / 2);
  const r1 = timeIt(parseAsRelay, minMs / 2);
  const r2 = timeIt(parseAsRelay, minMs / 2);
  const parser = ((a1.count + a2.count) / (a1.ms + a2.ms)) * 1000;
  const baseline = ((b1.count + b2.count) / (b1.ms + b2.ms)) * 1000;
  return { messages: total, parserMsgsPerSec: parser, relayParserMsgsPerSec: ((r1.count + r2.count) / (r1.ms + r2.ms)) * 1000, baselineMsgsPerSec: baseline, ratio: parser / baseline };
}
