// The shape of a status-callback URL, shared by job requests and PBX settings: http(s) only, no
// credentials in it, bounded. Whether its host may be private is the Worker's decision at runtime
// (worker/webhooks/callback-url.ts), because it depends on ALLOW_PRIVATE_CALLBACKS.
import { z } from 'zod';

export const callbackUrl = z
  .url({ protocol: /^https?$/ })
  .max(2000)
  .refine((raw) => {
    const u = new URL(raw);
    return u.username === '' && u.password === '';
  }, 'must not carry credentials');
