// The one URL-safety rule: whether the Worker may send requests to a URL (status callbacks, Bitrix24
// write-backs). http(s) only, and in production only to public hosts: no loopback, private, shared,
// link-local, multicast, reserved or documentation address in any spelling, no local name. Worker
// var ALLOW_PRIVATE_CALLBACKS=true lifts the host rule for local runs and tests. Used by routes
// (refuse at once) and the outbox (checked again before every attempt).
// Invariant: hosts are judged after the WHATWG URL parser has normalised them — the same parser
// fetch() uses — so `2130706433`, `0177.0.0.1` and `0x7f.1` are all judged as 127.0.0.1. A public
// name that resolves privately is not detectable here (Workers have no DNS API).
import { parseHttpUrl } from '../../shared/callback-url.js';

export function isPrivateAllowed(env: { ALLOW_PRIVATE_CALLBACKS?: string }): boolean {
  return env.ALLOW_PRIVATE_CALLBACKS === 'true';
}

/** Name suffixes that never reach a public host (RFC 6761, 6762, 8375 and common local zones). */
const LOCAL_SUFFIXES = ['localhost', 'local', 'internal', 'localdomain', 'home.arpa', 'lan', 'intranet', 'corp'];

/** Null if the URL may be called; otherwise why not (safe to show: it names no secret). */
export function callbackUrlProblem(raw: string, allowPrivate: boolean): string | null {
  const url = parseHttpUrl(raw);
  if (url === undefined) return 'only http and https URLs without credentials are called';
  if (allowPrivate) return null;
  const host = url.hostname.toLowerCase();
  if (host.startsWith('[')) return isGlobalV6(host.slice(1, -1)) ? null : 'the host is not a public address';
  const v4 = ipv4(host);
  if (v4 !== undefined) return isGlobalV4(v4) ? null : 'the host is not a public address';
  const name = host.replace(/\.+$/, '');
  if (LOCAL_SUFFIXES.some((s) => name === s || name.endsWith(`.${s}`))) return 'the host is local';
  if (!name.includes('.')) return 'the host is not a public name';
  return null;
}

/** The four octets of a dotted IPv4 address as the URL parser writes it, or undefined. */
function ipv4(host: string): number[] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return m === null ? undefined : m.slice(1).map(Number);
}

/** Not in any special-purpose block of the IANA IPv4 registry. */
function isGlobalV4([a = 0, b = 0, c = 0]: number[]): boolean {
  if (a === 0 || a === 10 || a === 127 || a >= 224) return false; // this network, private, loopback, multicast/reserved
  if (a === 100 && b >= 64 && b <= 127) return false; // shared address space (CGNAT)
  if (a === 169 && b === 254) return false; // link-local, cloud metadata
  if (a === 172 && b >= 16 && b <= 31) return false;
  if (a === 192 && b === 168) return false;
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return false; // IETF protocol assignments, TEST-NET-1
  if (a === 192 && b === 88 && c === 99) return false; // 6to4 relay anycast
  if (a === 198 && (b === 18 || b === 19)) return false; // benchmarking
  if ((a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113)) return false; // TEST-NET-2/3
  return true;
}

/**
 * Only global unicast (2000::/3) outside the blocks that embed or stand for other addresses: that
 * refuses ::, ::1, IPv4-compatible and IPv4-mapped forms (`::127.0.0.1`, `::ffff:127.0.0.1`), NAT64
 * (64:ff9b::/96, 64:ff9b:1::/48), ULA fc00::/7, link-local fe80::/10 and multicast ff00::/8 at once;
 * within 2000::/3, 2001::/23 (Teredo, benchmarking, ORCHID), 2001:db8::/32 and 3fff::/20
 * (documentation) and 2002::/16 (6to4, which embeds an IPv4 address) are refused too.
 */
function isGlobalV6(host: string): boolean {
  const words = ipv6Words(host);
  if (words === undefined) return false;
  const [w0 = 0, w1 = 0] = words;
  if (w0 < 0x2000 || w0 > 0x3fff) return false;
  if (w0 === 0x2001 && (w1 < 0x0200 || w1 === 0x0db8)) return false;
  if (w0 === 0x2002) return false;
  if (w0 === 0x3fff && w1 < 0x1000) return false;
  return true;
}

/** The eight 16-bit words of an IPv6 address as the URL parser writes it (hex, `::` compressed). */
function ipv6Words(host: string): number[] | undefined {
  const [head = '', tail, extra] = host.split('::');
  if (extra !== undefined) return undefined;
  const part = (s: string): number[] => (s === '' ? [] : s.split(':').map((w) => parseInt(w, 16)));
  const a = part(head);
  const b = tail === undefined ? [] : part(tail);
  const words = tail === undefined ? a : [...a, ...Array<number>(8 - a.length - b.length).fill(0), ...b];
  return words.length === 8 && words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffff) ? words : undefined;
}
