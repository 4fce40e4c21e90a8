// Splits AMI server output into tokens for replay comparison: the banner, messages (lines with
// their bare-LF flag, so capture 04's `<LF-only-terminator>` line is checked) and stray blank lines.
// Invariant: the same tokenizer reads the capture's `<<` lines and the simulator's bytes.
export interface Line { text: string; lf: boolean }
export type Token = { kind: 'banner'; text: string } | { kind: 'msg'; lines: Line[] } | { kind: 'blank' } | { kind: 'eof' };

export class Tokenizer {
  private buf = '';
  private cur: Line[] = [];
  private first = true;
  readonly tokens: Token[] = [];

  constructor(private readonly onToken: (t: Token) => void = () => undefined) {}

  pushChunk(chunk: string): void {
    this.buf += chunk;
    for (;;) {
      const nl = this.buf.indexOf('\n');
      if (nl < 0) break;
      const crlf = nl > 0 && this.buf[nl - 1] === '\r';
      this.pushLine({ text: this.buf.slice(0, crlf ? nl - 1 : nl), lf: !crlf });
      this.buf = this.buf.slice(nl + 1);
    }
  }

  pushLine(line: Line): void {
    if (this.first) {
      this.first = false;
      if (line.text.startsWith('Asterisk Call Manager/')) return this.emit({ kind: 'banner', text: line.text });
    }
    if (line.text === '') {
      if (this.cur.length === 0) return this.emit({ kind: 'blank' });
      const lines = this.cur;
      this.cur = [];
      return this.emit({ kind: 'msg', lines });
    }
    this.cur.push(line);
  }

  eof(): void {
    this.emit({ kind: 'eof' });
  }

  private emit(t: Token): void {
    this.tokens.push(t);
    this.onToken(t);
  }
}

export function fieldsOf(lines: Line[]): Array<[string, string]> {
  return lines.map((l) => {
    const i = l.text.indexOf(':');
    return i < 0 ? ['', l.text] : [l.text.slice(0, i), l.text.slice(i + 1).replace(/^ /, '')];
  });
}
