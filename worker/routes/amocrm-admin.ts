// `/v1/admin/pbxes/{pbx}/integrations/amocrm` (the admin token guard of admin.ts runs first): PUT the
// connection (the first PUT also answers the click-to-call secret, once), GET it (a token hint, never
// the token), DELETE it, and POST `/click-to-call-secret` to rotate the secret.
import { Hono } from 'hono';
import { amoCrmConfig } from '../../shared/amocrm.js';
import type { AppEnv } from '../env.js';
import { readJson } from '../http/body.js';
import { pbxStub } from '../http/pbx.js';
import { HttpProblem, notFound } from '../http/problem.js';
import type { AmoCrmAnswer } from '../pbx-queue/amocrm-desk.js';

export const amoCrmAdminRoutes = new Hono<AppEnv>();

amoCrmAdminRoutes.put('/', async (c) => {
  const { value } = await readJson(c, amoCrmConfig);
  const result = await (await pbxStub(c)).stub.amoCrm({ op: 'save', config: value });
  if (result.kind === 'key-unavailable') {
    throw new HttpProblem(503, 'forbidden', `amoCRM connections are disabled: the AMOCRM_TOKEN_KEY Worker secret is ${result.problem} (base64 of 32 random bytes)`);
  }
  if (result.kind === 'token-required') throw new HttpProblem(400, 'validation_failed', 'token is required for a new connection or another account', 'token');
  if (result.kind !== 'saved') throw unexpected(result);
  return c.json({ ...result.view, ...(result.clickToCallSecret === undefined ? {} : { clickToCallSecret: result.clickToCallSecret }) }, 200);
});

amoCrmAdminRoutes.get('/', async (c) => {
  const result = await (await pbxStub(c)).stub.amoCrm({ op: 'view' });
  if (result.kind !== 'view') throw unexpected(result);
  return c.json(result.view);
});

amoCrmAdminRoutes.delete('/', async (c) => {
  const result = await (await pbxStub(c)).stub.amoCrm({ op: 'remove' });
  if (result.kind !== 'removed') throw unexpected(result);
  return c.body(null, 204);
});

amoCrmAdminRoutes.post('/click-to-call-secret', async (c) => {
  const result = await (await pbxStub(c)).stub.amoCrm({ op: 'rotate-secret' });
  if (result.kind !== 'secret') throw unexpected(result);
  return c.json({ clickToCallSecret: result.clickToCallSecret }, 201);
});

function unexpected(result: AmoCrmAnswer): HttpProblem {
  if (result.kind === 'no-pbx') return notFound('PBX');
  if (result.kind === 'not-configured') return notFound('amoCRM connection');
  return new HttpProblem(500, 'internal', `unexpected answer: ${result.kind}`);
}
