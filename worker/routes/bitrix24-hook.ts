// `POST /v1/pbxes/{pbx}/hooks/bitrix24`: Bitrix24's OnExternalCallStart event, form-encoded as the
// portal sends it (`event`, `data[USER_ID]`, `data[PHONE_NUMBER]`, `data[CALL_ID]`,
// `auth[application_token]`, …). The queue checks the application token before acting; the job's end
// is written back with telephony.externalcall.finish through the outbox.
import type { Context } from 'hono';
import { bitrixCallStart } from '../../shared/bitrix24.js';
import type { AppEnv } from '../env.js';
import { parseOrThrow } from '../http/body.js';
import { clickToCallResponse } from '../http/click-to-call.js';
import { findPbx } from '../http/pbx.js';
import { HttpProblem } from '../http/problem.js';
import { readRawBody } from '../http/signed-request.js';

const FORM = /^application\/x-www-form-urlencoded\b/i;

export async function bitrixHook(c: Context<AppEnv>): Promise<Response> {
  const target = await findPbx(c.env, c.req.param('pbx') ?? '');
  const raw = await readRawBody(c, FORM, 'application/x-www-form-urlencoded');
  const form = Object.fromEntries(new URLSearchParams(raw));
  if (typeof form['auth[application_token]'] !== 'string') throw new HttpProblem(401, 'unauthorized', 'auth[application_token] is required', 'auth[application_token]');
  const event = parseOrThrow(bitrixCallStart, form);
  // A PBX that does not exist answers as one whose token does not match.
  const result = target === undefined ? ({ kind: 'unauthorized' } as const) : await target.stub.bitrixClickToCall(event);
  return clickToCallResponse(c, result, {
    crm: 'Bitrix24', credential: 'application token', credentialField: 'auth[application_token]',
    userField: 'data[USER_ID]', numberField: 'data[PHONE_NUMBER]', requestField: 'data[CALL_ID]',
  });
}
