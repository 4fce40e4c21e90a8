// `POST /v1/pbxes/{pbx}/hooks/amocrm`: click-to-call from an amoCRM card. JSON `{ userId, phone,
// requestId }` with the connection's secret in `X-Perezvon-Secret` (never in the URL: URLs end up in
// logs). The queue compares the secret before acting; the user's extension rings first, then the number.
// A widget inside amoCRM calls it with fetch() from the account's own origin, hence the CORS answers,
// which admit amoCRM and Kommo account origins only (the secret, not the origin, is what authorises).
import type { Context } from 'hono';
import { AMO_SECRET_HEADER, amoClickToCall } from '../../shared/amocrm.js';
import type { AppEnv } from '../env.js';
import { parseOrThrow } from '../http/body.js';
import { findPbx } from '../http/pbx.js';
import { clickToCallResponse } from '../http/click-to-call.js';
import { HttpProblem } from '../http/problem.js';
import { parseJsonText, readRawBody } from '../http/signed-request.js';

const JSON_TYPE = /^application\/json\b/i;
const ACCOUNT_ORIGIN = /^https:\/\/[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.(?:amocrm\.ru|kommo\.com)$/;

export async function amoCrmHook(c: Context<AppEnv>): Promise<Response> {
  allowAccountOrigin(c);
  const target = await findPbx(c.env, c.req.param('pbx') ?? '');
  const secret = c.req.header(AMO_SECRET_HEADER);
  if (secret === undefined || secret.length === 0 || secret.length > 200) throw new HttpProblem(401, 'unauthorized', `the ${AMO_SECRET_HEADER} header is required`, AMO_SECRET_HEADER);
  const request = parseOrThrow(amoClickToCall, parseJsonText(await readRawBody(c, JSON_TYPE, 'application/json')));
  // A PBX that does not exist answers as one whose secret does not match.
  const result = target === undefined ? ({ kind: 'unauthorized' } as const) : await target.stub.amoCrmClickToCall(secret, request);
  return clickToCallResponse(c, result, { crm: 'amoCRM', credential: 'secret', credentialField: AMO_SECRET_HEADER, userField: 'userId', numberField: 'phone', requestField: 'requestId' });
}

/** The CORS preflight of a widget's fetch(): POST with content-type and the secret header. */
export function amoCrmPreflight(c: Context<AppEnv>): Response {
  allowAccountOrigin(c);
  c.header('access-control-allow-methods', 'POST');
  c.header('access-control-allow-headers', `content-type, ${AMO_SECRET_HEADER}`);
  c.header('access-control-max-age', '600');
  return c.body(null, 204);
}

function allowAccountOrigin(c: Context<AppEnv>): void {
  const origin = c.req.header('origin');
  if (origin === undefined || !ACCOUNT_ORIGIN.test(origin)) return;
  c.header('access-control-allow-origin', origin);
  c.header('vary', 'Origin');
}
