// The shape of a status-callback URL, shared by job requests and PBX settings: http(s) only, no
// credentials in it, bounded, and parseable by the WHATWG URL parser the Worker calls it with (a
// string that parser refuses, `http://[::1` or `http://a b/`, is a 400 here, never a throw later).
// Whether its host may be private is the Worker's decision at runtime (worker/webhooks/callback-url.ts),
// because it depends on ALLOW_PRIVATE_CALLBACKS.
import { z } from 'zod';

/** The URL if `raw` is an http(s) URL without credentials; undefined otherwise. Never throws. */
export function parseHttpUrl(raw: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (url.username !== '' || url.password !== '') return undefined;
  return url;
}

export const callbackUrl = z
  .string()
  .max(2000)
  .refine((raw) => !/[\s\p{Cc}]/u.test(raw) && parseHttpUrl(raw) !== undefined, 'must be an http or https URL, without credentials')
  .meta({ format: 'uri' });
