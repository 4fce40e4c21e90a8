// Whether the Worker may POST status callbacks to a URL: http(s) only, and in production never to
// loopback, private, link-local or single-label hosts (SSRF into the operator's own network). Worker
// var ALLOW_PRIVATE_CALLBACKS=true lifts the host rule for local runs and tests. Used by routes
// (refuse at once) and the outbox (checked again before every attempt).
// Invariant: only literal addresses and names are judged; a public name that resolves privately is
// not detectable here (Workers have no DNS API), which is why a scheme/host rule is the whole check.

export function isPrivateAllowed(env: { ALLOW_PRIVATE_CALLBACKS?: string }): boolean {
  return env.ALLOW_PRIVATE_CALLBACKS === 'true';
}

/** Null if the URL may be called; otherwise why not (safe to show: it names no secret). */
export function callbackUrlProblem(raw: string, allowPrivate: boolean): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'not a URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'only http and https URLs are called';
  if (url.username !== '' || url.password !== '') return 'the URL must not carry credentials';
  if (allowPrivate) return null;
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal')) return 'the host is local';
  if (isPrivateV4(host) || isPrivateV6(host)) return 'the host is a private, loopback or link-local address';
  if (!host.includes('.') && !host.includes(':')) return 'the host is not a public name';
  return null;
}

function isPrivateV4(host: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (m === null) return false;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a === 0 || a === 10 || a === 127 || (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254)
    || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || a >= 224;
}

function isPrivateV6(host: string): boolean {
  if (!host.includes(':')) return false;
  if (host === '::' || host === '::1') return true;
  const mapped = /^::ffff:(.+)$/.exec(host);
  if (mapped?.[1] !== undefined) return mapped[1].includes('.') ? isPrivateV4(mapped[1]) : true;
  return /^f[cd]/.test(host) || /^fe[89ab]/.test(host);
}
