// Standard Webhooks (standardwebhooks.com, spec v1): signs and verifies
// `webhook-signature: v1,<base64 HMAC-SHA256(key, "${id}.${timestamp}.${body}")>` with secrets written
// `whsec_<base64 key>`. WebCrypto only, so it runs in workerd and Node alike. Used by the hook routes
// (verify) and the status-callback outbox (sign). Invariant: signatures are checked with
// crypto.subtle.verify (constant time), and a timestamp outside the tolerance fails before any HMAC.
import { fromBase64, toBase64 } from '../auth/base64.js';

export const SECRET_PREFIX = 'whsec_';

export type VerifyFailure = 'missing' | 'stale' | 'invalid';
export type VerifyResult = { ok: true } | { ok: false; reason: VerifyFailure };

export interface SignedMessage {
  id: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
  body: string;
}

/** A fresh secret: 24 random bytes (the spec allows 24–64), base64 after the `whsec_` prefix. */
export function newWebhookSecret(): string {
  return SECRET_PREFIX + toBase64(crypto.getRandomValues(new Uint8Array(24)));
}

/** The HMAC key of a `whsec_…` secret; undefined if it is not one. */
export function secretKey(secret: string): Uint8Array | undefined {
  if (!secret.startsWith(SECRET_PREFIX)) return undefined;
  try {
    const key = fromBase64(secret.slice(SECRET_PREFIX.length));
    return key.length >= 16 ? key : undefined;
  } catch {
    return undefined;
  }
}

/** The `webhook-signature` value for a message: one `v1,<sig>` per secret, space-separated (rotation). */
export async function sign(secrets: ReadonlyArray<string>, id: string, timestamp: number, body: string): Promise<string> {
  const parts: string[] = [];
  for (const secret of secrets) {
    const key = await hmacKey(secret, 'sign');
    if (key === undefined) continue;
    const mac = await crypto.subtle.sign('HMAC', key, signedContent(id, String(timestamp), body));
    parts.push(`v1,${toBase64(new Uint8Array(mac))}`);
  }
  return parts.join(' ');
}

/** Checks a received message against every active secret; any matching `v1` signature passes. */
export async function verify(secrets: ReadonlyArray<string>, m: SignedMessage, nowMs: number, toleranceSec: number): Promise<VerifyResult> {
  if (m.id === undefined || m.timestamp === undefined || m.signature === undefined || m.id === '') return { ok: false, reason: 'missing' };
  if (!/^[0-9]{1,12}$/.test(m.timestamp)) return { ok: false, reason: 'invalid' };
  if (Math.abs(nowMs / 1000 - Number(m.timestamp)) > toleranceSec) return { ok: false, reason: 'stale' };
  const candidates = m.signature.split(' ').flatMap((s) => (s.startsWith('v1,') ? [s.slice(3)] : []));
  const content = signedContent(m.id, m.timestamp, m.body);
  for (const secret of secrets) {
    const key = await hmacKey(secret, 'verify');
    if (key === undefined) continue;
    for (const candidate of candidates) {
      const mac = decodeSignature(candidate);
      if (mac !== undefined && (await crypto.subtle.verify('HMAC', key, mac, content))) return { ok: true };
    }
  }
  return { ok: false, reason: 'invalid' };
}

function signedContent(id: string, timestamp: string, body: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(new TextEncoder().encode(`${id}.${timestamp}.${body}`));
}

type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

async function hmacKey(secret: string, use: 'sign' | 'verify'): Promise<HmacKey | undefined> {
  const raw = secretKey(secret);
  if (raw === undefined) return undefined;
  return crypto.subtle.importKey('raw', new Uint8Array(raw), { name: 'HMAC', hash: 'SHA-256' }, false, [use]);
}

function decodeSignature(b64: string): Uint8Array<ArrayBuffer> | undefined {
  try {
    const bytes = fromBase64(b64);
    return bytes.length === 32 ? bytes : undefined;
  } catch {
    return undefined;
  }
}
