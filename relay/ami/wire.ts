// The AMI wire format: `Key: Value` lines, a blank line ends a message.
// Used by the relay's AMI connection (reading responses/events, writing actions) and by the
// AMI simulator (reading actions, writing responses/events), so both sides frame bytes the same
// way real Asterisk 22 does (see test/fixtures/ami-captures/FACTS.md, points 9 and 10).
// Invariant: nothing containing CR or LF is ever serialised into a header name or value.

/** One AMI message: its headers in wire order. Repeated headers (Variable, Output) are kept. */
export interface AmiMessage {
  readonly headers: ReadonlyArray<readonly [name: string, value: string]>;
}

export type AmiHeaders = ReadonlyArray<readonly [string, string]>;

/** First value of a header, compared case-insensitively as Asterisk does; the first occurrence wins. */
export function header(msg: AmiMessage, name: string): string | undefined {
  // Asterisk spells header names one way: an exact match first costs no lowercasing, on every event
  // every listener looks at.
  for (const [k, v] of msg.headers) if (k === name) return v;
  const lower = name.toLowerCase();
  for (const [k, v] of msg.headers) if (k.length === lower.length && k.toLowerCase() === lower) return v;
  return undefined;
}

/** Every value of a repeated header (e.g. `Variable`, `Output`), in wire order. */
export function headerAll(msg: AmiMessage, name: string): string[] {
  const lower = name.toLowerCase();
  return msg.headers.filter(([k]) => k.toLowerCase() === lower).map(([, v]) => v);
}

/** What a message is, by its first header — never by "has a Response field" (OriginateResponse has one). */
export type AmiKind = 'response' | 'event' | 'action' | 'unknown';

export function kindOf(msg: AmiMessage): AmiKind {
  const first = msg.headers[0]?.[0].toLowerCase();
  if (first === 'response') return 'response';
  if (first === 'event') return 'event';
  if (first === 'action') return 'action';
  return 'unknown';
}

/** Thrown (as a value with a code) when a header would break AMI framing. */
export class AmiWireError extends Error {
  readonly code = 'AMI_UNSAFE_VALUE';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'AmiWireError';
  }
}

const HEADER_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const LINE_BREAK = /[\r\n]/;

/**
 * Serialises one message (action, response or event). Throws AmiWireError before producing any
 * bytes if a name is not a plain token or a value contains CR/LF: a line break inside a value adds
 * headers to the action and a blank line smuggles a whole new one (capture 07-crlf-injection).
 */
export function serialize(headers: AmiHeaders): string {
  let out = '';
  for (const [name, value] of headers) {
    if (!HEADER_NAME.test(name)) throw new AmiWireError(name, `AMI header name ${JSON.stringify(name)} is not a plain token`);
    if (LINE_BREAK.test(value)) throw new AmiWireError(name, `AMI header ${name} contains CR or LF`);
    out += `${name}: ${value}\r\n`;
  }
  return out + '\r\n';
}

/**
 * Incremental parser for a byte stream. Lines end at CRLF or a bare LF (Asterisk accepts both and
 * itself sends one bare-LF line, capture 04); a lone CR stays inside the value. Leading blanks of a
 * value are trimmed, trailing blanks kept. A line without a colon before the first header (the
 * `Asterisk Call Manager/11.0.0` banner) is reported through `onBanner`.
 */
export class AmiParser {
  private buffer = '';
  private current: Array<[string, string]> = [];
  private sawBanner: boolean;
  private readonly skipEvent: ((name: string) => boolean) | undefined;
  /** Where the event being skipped starts in the buffer, or -1. */
  private skipFrom = -1;
  /** The message at the cursor turned out to answer an action: parse it in full this time. */
  private rescued = false;

  constructor(
    private readonly onMessage: (msg: AmiMessage) => void,
    private readonly onBanner: (line: string) => void = () => {},
    options: {
      expectBanner?: boolean;
      /**
       * Events of these names (first header `Event: <name>`) are skipped on the wire: no header is
       * split and no message built, unless one carries an ActionID (it belongs to an action's list).
       */
      skipEvent?: (name: string) => boolean;
    } = {},
  ) {
    this.sawBanner = !(options.expectBanner ?? false);
    this.skipEvent = options.skipEvent;
  }

  push(chunk: string | Buffer): void {
    this.buffer += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    const buf = this.buffer;
    let start = 0;
    for (;;) {
      const nl = buf.indexOf('\n', start);
      if (nl < 0) break;
      const end = nl > start && buf.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      if (this.skipFrom >= 0) {
        if (end === start) this.skipFrom = -1;
        else if (isActionIdLine(buf, start)) {
          start = this.skipFrom;
          this.skipFrom = -1;
          this.rescued = true;
          continue;
        }
      } else if (this.current.length === 0 && !this.rescued && this.skipEvent !== undefined && this.sawBanner && buf.startsWith('Event:', start)) {
        if (this.skipEvent(buf.slice(start + 6, end).trim())) this.skipFrom = start;
        else this.line(buf.slice(start, end));
      } else {
        this.rescued = false;
        this.line(buf.slice(start, end));
      }
      start = nl + 1;
    }
    // A skipped event split across chunks is kept from its start, in case an ActionID turns up.
    const keep = this.skipFrom >= 0 ? this.skipFrom : start;
    if (this.skipFrom >= 0) this.skipFrom = 0;
    this.buffer = keep === 0 ? buf : buf.slice(keep);
  }

  /** Drops partial input, e.g. after the socket closed mid-message. */
  reset(): void {
    this.buffer = '';
    this.current = [];
    this.skipFrom = -1;
    this.rescued = false;
  }

  private line(text: string): void {
    if (!this.sawBanner) {
      this.sawBanner = true;
      if (!text.includes(':') || /^Asterisk Call Manager\//.test(text)) {
        this.onBanner(text);
        return;
      }
    }
    if (text === '') {
      if (this.current.length > 0) {
        const msg: AmiMessage = { headers: this.current };
        this.current = [];
        this.onMessage(msg);
      }
      return;
    }
    const colon = text.indexOf(':');
    if (colon < 0) {
      // Asterisk ignores a line without a colon; keep it visible as a header with an empty name.
      this.current.push(['', text]);
      return;
    }
    let v = colon + 1;
    while (v < text.length && (text.charCodeAt(v) === 32 || text.charCodeAt(v) === 9)) v++;
    const name = text.charCodeAt(colon - 1) === 32 || text.charCodeAt(0) === 32 ? text.slice(0, colon).trim() : text.slice(0, colon);
    this.current.push([name, text.slice(v)]);
  }
}

function isActionIdLine(buf: string, at: number): boolean {
  const c = buf.charCodeAt(at);
  return (c === 65 || c === 97) && buf.slice(at, at + 9).toLowerCase() === 'actionid:';
}

/** Builds a message from a plain record, in key order; convenient for literals in code and tests. */
export function message(fields: Record<string, string | number | undefined>): AmiMessage {
  const headers: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) headers.push([k, String(v)]);
  return { headers };
}
