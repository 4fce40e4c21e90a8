// Secrets handed out by the admin API (relay tokens, API keys, amoCRM click-to-call secrets): generated from the CSPRNG, shown
// once, and stored only as SHA-256 hashes. A 256-bit random token needs no slow hash: there is
// nothing to brute-force that is cheaper than guessing the token itself.

export type TokenKind = 'relay' | 'api-key' | 'org-key' | 'amocrm-hook';
const PREFIX: Record<TokenKind, string> = { relay: 'pzr_', 'api-key': 'pzk_', 'org-key': 'pzo_', 'amocrm-hook': 'pza_' };

export function newToken(kind: TokenKind): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return PREFIX[kind] + base64url(bytes);
}

export function newId(prefix: string): string {
  return prefix + base64url(crypto.getRandomValues(new Uint8Array(12)));
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Compares two secrets without leaking, through timing, how much of a prefix matched. */
export async function secretsEqual(a: string, b: string): Promise<boolean> {
  const [ha, hb] = await Promise.all([sha256Hex(a), sha256Hex(b)]);
  return hashesEqual(ha, hb);
}

/** Compares two SHA-256 hex digests in time independent of where they differ. */
export function hashesEqual(ha: string, hb: string): boolean {
  if (ha.length !== hb.length) return false;
  let diff = 0;
  for (let i = 0; i < ha.length; i++) diff |= ha.charCodeAt(i) ^ hb.charCodeAt(i);
  return diff === 0;
}

/**
 * The credentials of an `Authorization: Bearer …` header, if it is one. The scheme is case-insensitive
 * (RFC 9110 §11.1); the credentials are any visible ASCII, not only token68, because the admin token is
 * whatever the operator chose: each caller compares them to what it expects (by hash, constant time).
 */
export function bearer(header: string | undefined): string | undefined {
  const m = /^bearer[ \t]+([\x21-\x7e]{1,512})[ \t]*$/i.exec(header ?? '');
  return m?.[1];
}

export function base64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
