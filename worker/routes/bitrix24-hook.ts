// `POST /v1/pbxes/{pbx}/hooks/bitrix24`: Bitrix24's OnExternalCallStart event, form-encoded as the
// portal sends it (`event`, `data[USER_ID]`, `data[PHONE_NUMBER]`, `data[CALL_ID]`,
// `auth[application_token]`, …). The queue checks the application token before acting; the job's end
// is written back with telephony.externalcall.finish through the outbox.
import type { Context } from 'hono';
import { bitrixCallStart } from '../../shared/bitrix24.js';
import type { AppEnv } from '../env.js';
import { parseOrThrow } from '../http/body.js';
import { findPbx } from '../http/pbx.js';
import { HttpProblem, notFound } from '../http/problem.js';
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
  switch (result.kind) {
    case 'unauthorized':
      throw new HttpProblem(401, 'unauthorized', 'the application token does not match this PBX’s Bitrix24 integration', 'auth[application_token]');
    case 'unknown-user':
      throw new HttpProblem(422, 'validation_failed', 'this Bitrix24 user has no operator in the integration’s users map', 'data[USER_ID]');
    case 'bad-number':
      throw new HttpProblem(400, 'validation_failed', 'data[PHONE_NUMBER] is not a phone number', 'data[PHONE_NUMBER]');
    case 'destination-not-allowed':
      throw new HttpProblem(422, 'destination_not_allowed', "the number is not allowed by this PBX's destination rules", 'data[PHONE_NUMBER]');
    case 'idempotency-conflict':
      throw new HttpProblem(409, 'idempotency_conflict', 'this CALL_ID was used for a different call', 'data[CALL_ID]');
    case 'no-pbx':
      throw notFound('PBX');
    case 'created':
    case 'existing':
      return c.json({ jobId: result.job.id, status: result.job.status }, result.kind === 'created' ? 202 : 200);
  }
}
