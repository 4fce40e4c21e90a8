// The replay fidelity rules in one place: which values differ between runs (README "Values that
// differ between runs"), how run-dependent names are canonicalised, and which event stream a message
// belongs to (order is compared within a stream; README: cross-channel order is not stable).
// Invariant: the expected and the actual side go through exactly the same functions.
import { fieldsOf, type Token } from './wire-lines';

/** Fields whose value is run-dependent (README) or derived from wall-clock waits in the replay. */
const WILDCARD = new Set(['Timestamp', 'EventTV', 'SessionTV', 'SessionID', 'Uptime', 'LastReload', 'LoginTime', 'CoreStartupDate',
  'CoreStartupTime', 'CoreReloadDate', 'CoreReloadTime', 'AnsweredTime', 'Duration', 'Wait', 'LongestHoldTime', 'Output',
  // QueueCallerAbandon HoldTime and the Queue/Dial timing variables count real seconds the replay does not wait.
  'HoldTime']);
const TIMING_VARS = /^(QUEUEWAIT|DIALEDTIME|ANSWEREDTIME|RINGTIME|PROGRESSTIME)(_MS)?$/;
const CHAN = /([A-Za-z][\w]*\/[^\s,;]*?)-([0-9a-f]{8})(?=;|,|$)/g;
const EPOCH_UID = /^\d{9,}\.\d+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Device-state driven events: asynchronous and coalesced in Asterisk, their count varies between runs (03a vs 03b). */
export const LOOSE = new Set(['DeviceStateChange', 'QueueMemberStatus']);

export interface Norm { key: string; event: string; lines: string[]; names: string[] }

/** Canonicalises run-dependent identifiers by first appearance; keeps both directions for rewriting. */
export class Canon {
  private readonly suffix = new Map<string, Map<string, number>>();
  private readonly back = new Map<string, string>();
  private readonly uids = new Map<string, string>();
  private readonly bridges = new Map<string, string>();

  channel(raw: string, bind = true): string {
    return raw.replace(CHAN, (all, base: string, sfx: string) => {
      let m = this.suffix.get(base);
      if (!m) {
        if (!bind) return all;
        m = new Map();
        this.suffix.set(base, m);
      }
      let n = m.get(sfx);
      if (n === undefined) {
        if (!bind) return all;
        n = m.size;
        m.set(sfx, n);
        this.back.set(`${base}-#${n}`, `${base}-${sfx}`);
      }
      return `${base}-#${n}`;
    });
  }

  /** Canonical `base-#n` → this side's raw `base-0000001b`. */
  raw(canonical: string): string {
    return canonical.replace(/([A-Za-z][\w]*\/[^\s,;]*?-#\d+)/g, (c: string) => this.back.get(c) ?? c);
  }

  value(key: string, v: string, ctx: { event: string; variable?: string; channel?: string }): string {
    if (WILDCARD.has(key)) return '<*>';
    if (key === 'Value' && ctx.event === 'VarSet' && ctx.variable && TIMING_VARS.test(ctx.variable) && v !== '') return '<*>';
    // RemoteAddress port is run-dependent (README); LocalAddress carries the listening port, 5038 in
    // the captures but ephemeral for the simulator under test.
    if (key === 'LocalAddress' || key === 'RemoteAddress') return v.replace(/\/\d+$/, '/<port>');
    if (UUID.test(v)) {
      if (!this.bridges.has(v)) this.bridges.set(v, `bridge#${this.bridges.size}`);
      return this.bridges.get(v) ?? v;
    }
    if (EPOCH_UID.test(v)) {
      if (!this.uids.has(v)) this.uids.set(v, ctx.event === 'Newchannel' && key === 'Uniqueid' && ctx.channel ? `uid(${ctx.channel})` : `uid#${this.uids.size}`);
      return this.uids.get(v) ?? v;
    }
    return this.channel(v);
  }

  normalise(t: Token): Norm {
    if (t.kind === 'banner') return { key: 'global', event: 'banner', lines: [t.text], names: [] };
    if (t.kind === 'blank') return { key: 'global', event: 'blank', lines: ['<blank line>'], names: [] };
    if (t.kind === 'eof') return { key: 'global', event: 'eof', lines: ['<EOF>'], names: [] };
    const fields = fieldsOf(t.lines);
    const get = (k: string) => fields.find(([n]) => n === k)?.[1];
    const event = get('Event') ?? `Response:${get('Response') ?? ''}`;
    const ctx = { event, variable: get('Variable'), channel: get('Channel') !== undefined ? this.channel(get('Channel') ?? '') : undefined };
    const lines = fields.map(([k, v], i) => `${k}: ${this.value(k, v, ctx)}${t.lines[i]?.lf ? '<LF-only-terminator>' : ''}`);
    const norm = (k: string) => {
      const v = get(k);
      return v === undefined ? undefined : this.channel(v);
    };
    return { key: streamKey(event, fields, norm), event, lines, names: fields.map(([k]) => k) };
  }
}

function streamKey(event: string, fields: Array<[string, string]>, norm: (k: string) => string | undefined): string {
  if (fields[0]?.[0] === 'Response') return 'global';
  if (LOOSE.has(event)) return `loose:${norm('Device') ?? norm('Interface') ?? ''}`;
  if (fields.some(([k]) => k === 'ActionID')) return 'global';
  if (/^Dial(Begin|State|End)$/.test(event) || event === 'AgentCalled') return `dial:${norm('DestChannel')}`;
  if (event === 'LocalBridge') return `localbridge:${norm('LocalOneChannel')}`;
  const ch = norm('Channel');
  if (event.startsWith('Bridge')) return ch !== undefined ? `bridge-member:${ch}` : `bridge:${fields.find(([k]) => k === 'BridgeName')?.[1]}`;
  if (event.startsWith('Confbridge')) return ch !== undefined ? `conf-member:${ch}` : `conf:${fields.find(([k]) => k === 'Conference')?.[1]}`;
  if (ch !== undefined && ch !== 'none') return `channel:${ch}`;
  return 'global';
}

export function groupByStream(ns: Norm[]): Map<string, Norm[]> {
  const out = new Map<string, Norm[]>();
  for (const n of ns) {
    const arr = out.get(n.key) ?? [];
    arr.push(n);
    out.set(n.key, arr);
  }
  return out;
}

/** Human-readable differences between expected and actual message streams; empty when they match. */
export function compareStreams(expected: Norm[], actual: Norm[]): string[] {
  const problems: string[] = [];
  const e = groupByStream(expected);
  const a = groupByStream(actual);
  for (const key of new Set([...e.keys(), ...a.keys()])) {
    const es = e.get(key) ?? [];
    const as = a.get(key) ?? [];
    if (key.startsWith('loose:')) {
      // Presence per device is checked, not counts; queue availability is published inconsistently (03c vs 09).
      if (es.length > 0 && as.length === 0 && !key.endsWith('_avail')) problems.push(`${key}: expected ${es.length} device-state events, got none`);
      for (const m of as)
        if (!expected.some((x) => x.event === m.event && x.names.join() === m.names.join()))
          problems.push(`${key}: ${m.event} has fields [${m.names.join(', ')}] never seen in the capture`);
      continue;
    }
    const n = Math.max(es.length, as.length);
    for (let i = 0; i < n; i++) {
      const x = es[i];
      const y = as[i];
      if (x && y && x.lines.join('\n') === y.lines.join('\n')) continue;
      problems.push(`stream ${key}, message #${i}:\n  expected: ${x ? x.lines.join(' | ') : '<nothing>'}\n  actual:   ${y ? y.lines.join(' | ') : '<nothing>'}`);
      break;
    }
  }
  return problems;
}
