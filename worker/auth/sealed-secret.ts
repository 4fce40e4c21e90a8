// Secrets the Worker must be able to read back later (a CRM's API token, which it has to send), kept
// at rest sealed with AES-256-GCM under a key that lives only in a Worker secret, never in the
// Durable Object's storage. Used by the amoCRM desk. Invariant: a sealed value names no plaintext,
// and a wrong key or a changed byte fails to open (GCM's tag), never yields garbage.
import { fromBase64, toBase64 } from './base64.js';

const VERSION = 'v1';

export type SealKeyProblem = 'missing' | 'malformed';

/** The 256-bit key from its Worker secret (base64 of 32 random bytes: `openssl rand -base64 32`). */
export async function sealKey(raw: string | undefined): Promise<CryptoKey | SealKeyProblem> {
  if (raw === undefined || raw === '') return 'missing';
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(raw.trim());
  } catch {
    return 'malformed';
  }
  if (bytes.length !== 32) return 'malformed';
  return crypto.subtle.importKey('raw', bytes, 'AES-GCM', false, ['encrypt', 'decrypt']);
}

/** `v1.<iv>.<ciphertext+tag>`; `context` is bound in as additional data (a sealed token of one PBX opens for no other). */
export async function seal(key: CryptoKey, plaintext: string, context: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(context) }, key, new TextEncoder().encode(plaintext));
  return `${VERSION}.${toBase64(iv)}.${toBase64(new Uint8Array(sealed))}`;
}

/** The plaintext, or undefined when the value was sealed under another key or context, or altered. */
export async function open(key: CryptoKey, sealed: string, context: string): Promise<string | undefined> {
  const [version, iv, data] = sealed.split('.');
  if (version !== VERSION || iv === undefined || data === undefined) return undefined;
  try {
    const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: fromBase64(iv), additionalData: new TextEncoder().encode(context) }, key, fromBase64(data));
    return new TextDecoder().decode(plain);
  } catch {
    return undefined;
  }
}
