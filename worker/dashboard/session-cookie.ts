// The dashboard's session cookie: `<session id>.<expiry>.<signature>`, an HMAC-SHA256 over the id and
// expiry. It never holds the token that signed in. The signature turns away forged or altered cookies
// without a storage read; the session store (session-store.ts) then says whether the session was
// revoked (sign-out) — a signed cookie alone could not be taken back.
import { base64url, sha256Hex } from '../auth/tokens.js';

export const SESSION_COOKIE = 'pz_session';
/** Short-lived on purpose: a stolen cookie is worth an hour at most. */
export const SESSION_TTL_MS = 60 * 60 * 1000;

const encoder = new TextEncoder();

/**
 * The signing key: the `SESSION_KEY` secret when set, otherwise one derived from `ADMIN_TOKEN`, so a
 * deployment needs no second secret and rotating the admin token ends every session.
 */
export async function sessionKey(env: { SESSION_KEY?: string; ADMIN_TOKEN?: string }): Promise<CryptoKey | undefined> {
  const secret = env.SESSION_KEY ?? (env.ADMIN_TOKEN === undefined ? undefined : `perezvon dashboard session key:${await sha256Hex(env.ADMIN_TOKEN)}`);
  if (secret === undefined || secret.length < 16) return undefined;
  return crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

export async function signSession(key: CryptoKey, id: string, expiresAt: number): Promise<string> {
  const payload = `${id}.${expiresAt}`;
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(payload)));
  return `${payload}.${base64url(mac)}`;
}

/** The session id of a well-signed, unexpired cookie value; undefined for anything else. */
export async function verifySession(key: CryptoKey, value: string | undefined, now: number): Promise<string | undefined> {
  const m = /^(ses_[A-Za-z0-9_-]{16})\.([0-9]{13})\.([A-Za-z0-9_-]{43})$/.exec(value ?? '');
  if (m === null) return undefined;
  const [, id, expiry, mac] = m as unknown as [string, string, string, string];
  const ok = await crypto.subtle.verify('HMAC', key, fromBase64url(mac), encoder.encode(`${id}.${expiry}`));
  return ok && Number(expiry) > now ? id : undefined;
}

/** HttpOnly (no script reads it), Secure, SameSite=Strict (no cross-site request carries it). */
export function sessionCookieHeader(value: string, maxAgeSec: number): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=${maxAgeSec}`;
}

export const clearedSessionCookie = (): string => sessionCookieHeader('', 0);

function fromBase64url(text: string): Uint8Array {
  const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}
