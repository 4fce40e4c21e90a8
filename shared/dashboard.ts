// The dashboard's inputs: the sign-in form and who a session is. Validated by the Worker, read by tests.
import { z } from 'zod';
import { pbxId } from './pbx.js';

/** The sign-in form: an admin token (any PBX) or a PBX's API key (that PBX only). */
export const signInForm = z.strictObject({
  token: z.string().trim().min(16, 'enter the admin token or an API key').max(200).regex(/^[A-Za-z0-9_\-.~+/=]+$/, 'a token has no spaces or symbols'),
  pbx: pbxId,
  lang: z.enum(['en', 'ru']).optional(),
});

/** Who a session is: the admin (every PBX) or the holder of one PBX's API key. */
export const sessionScope = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('admin') }),
  z.strictObject({ kind: z.literal('pbx'), pbx: pbxId }),
]);
export type SessionScope = z.infer<typeof sessionScope>;
