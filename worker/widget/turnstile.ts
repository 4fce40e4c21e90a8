// Server-side check of a Cloudflare Turnstile token (POST to siteverify with the widget's secret),
// used by the public widget route before anything is queued. The endpoint is the TURNSTILE_VERIFY_URL
// Worker var, so tests point it at a local stand-in. Invariant: fails closed (an unreachable or
// malformed verifier refuses the request), and the secret never appears in a log or an error.
import { z } from 'zod';

export const DEFAULT_TURNSTILE_VERIFY_URL = 'https://challenges.cloudflare.com/turnstile/v0/siteverify';
const VERIFY_TIMEOUT_MS = 5000;

// https://developers.cloudflare.com/turnstile/get-started/server-side-validation/
const siteverifyResponse = z.object({
  success: z.boolean(),
  hostname: z.string().optional(),
  'error-codes': z.array(z.string()).optional(),
});

export type TurnstileVerdict = { ok: true } | { ok: false; reason: 'missing' | 'rejected' | 'wrong-hostname' | 'unavailable' };

export interface TurnstileCheck {
  verifyUrl: string;
  secret: string;
  token: string | undefined;
  remoteIp: string | null;
  /** Hosts of the widget's origins; a token solved on another site is refused. */
  allowedHosts: ReadonlyArray<string>;
}

export async function verifyTurnstile(check: TurnstileCheck): Promise<TurnstileVerdict> {
  if (check.token === undefined) return { ok: false, reason: 'missing' };
  const form = new FormData();
  form.append('secret', check.secret);
  form.append('response', check.token);
  if (check.remoteIp !== null) form.append('remoteip', check.remoteIp);
  let body: unknown;
  try {
    const res = await fetch(check.verifyUrl, { method: 'POST', body: form, signal: AbortSignal.timeout(VERIFY_TIMEOUT_MS) });
    if (!res.ok) return { ok: false, reason: 'unavailable' };
    body = await res.json();
  } catch {
    return { ok: false, reason: 'unavailable' };
  }
  const parsed = siteverifyResponse.safeParse(body);
  if (!parsed.success) return { ok: false, reason: 'unavailable' };
  if (!parsed.data.success) return { ok: false, reason: 'rejected' };
  const host = parsed.data.hostname;
  if (host !== undefined && !check.allowedHosts.includes(host)) return { ok: false, reason: 'wrong-hostname' };
  return { ok: true };
}
