// Loads a capture (.jsonl) into what a replay needs: the client's writes (one per contiguous block
// of `>>` lines, as the capturing client wrote them) and the server tokens, in wire order.
// Invariant: nothing is reinterpreted; lines keep their exact terminators.
import { readFileSync } from 'node:fs';
import { Tokenizer, type Token } from './wire-lines';

export interface Step { kind: 'write'; data: string; beforeTokens: number }
export interface Capture { name: string; writes: Step[]; tokens: Token[]; endsWithEof: boolean }

interface Row { t_ms: number; dir: '>>' | '<<' | '##'; line: string }

export function loadCapture(path: string, name: string): Capture {
  const rows = readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row);
  const tok = new Tokenizer();
  const writes: Step[] = [];
  let pending: string | undefined;
  let endsWithEof = false;
  for (const r of rows) {
    if (r.dir === '>>') {
      pending = (pending ?? '') + r.line;
      continue;
    }
    if (pending !== undefined) {
      writes.push({ kind: 'write', data: pending, beforeTokens: tok.tokens.length });
      pending = undefined;
    }
    if (r.dir === '<<') {
      const crlf = r.line.endsWith('\r\n');
      tok.pushLine({ text: r.line.slice(0, crlf ? -2 : -1), lf: !crlf });
    } else if (r.line.includes('connection closed by server')) {
      endsWithEof = true;
      tok.eof();
    }
  }
  if (pending !== undefined) writes.push({ kind: 'write', data: pending, beforeTokens: tok.tokens.length });
  return { name, writes, tokens: tok.tokens, endsWithEof };
}
