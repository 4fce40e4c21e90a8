// /v1/admin: creating PBXes, rotating their relay tokens, issuing, listing and revoking API keys. Guarded by the
// ADMIN_TOKEN Worker secret. Secrets are returned once, in the response body, and stored hashed.
import { freeText } from '../../shared/free-text.js';
import { Hono } from 'hono';
import { z } from 'zod';
import { pbxId, pbxSettingsRequest } from '../../shared/pbx.js';
import { bearer, newToken, secretsEqual, sha256Hex } from '../auth/tokens.js';
import type { AppEnv } from '../env.js';
import { parseOrThrow, readJson } from '../http/body.js';
import { issueApiKey, revokeApiKey } from '../http/api-keys.js';
import { pbxRegistry, pbxStub } from '../http/pbx.js';
import { HttpProblem, notFound, unauthorized } from '../http/problem.js';

export const createPbxRequest = z.strictObject({ id: pbxId, settings: pbxSettingsRequest });
export const createApiKeyRequest = z.strictObject({ label: freeText(100).optional() });

export const adminRoutes = new Hono<AppEnv>();

adminRoutes.use('*', async (c, next) => {
  const expected = c.env.ADMIN_TOKEN;
  if (expected === undefined || expected.length < 16) {
    throw new HttpProblem(503, 'forbidden', 'the admin API is disabled: set the ADMIN_TOKEN secret (16+ characters)');
  }
  const token = bearer(c.req.header('authorization'));
  if (token === undefined || !(await secretsEqual(token, expected))) throw unauthorized('an admin token is required');
  await next();
});

adminRoutes.post('/pbxes', async (c) => {
  const { value } = await readJson(c, createPbxRequest);
  const relayToken = newToken('relay');
  // Registered first: a PBX whose creation failed half-way is registered and created by the retry.
  // Re-posting an existing PBX (409) also registers it, for PBXes created before the registry existed.
  await pbxRegistry(c.env).add(value.id);
  const stub = c.env.PBX_QUEUE.get(c.env.PBX_QUEUE.idFromName(value.id));
  const result = await stub.createPbx(value.id, value.settings, await sha256Hex(relayToken));
  if (result === 'exists') throw new HttpProblem(409, 'conflict', `PBX ${value.id} already exists`, 'id');
  return c.json({ id: value.id, settings: value.settings, relayToken }, 201);
});

adminRoutes.get('/pbxes/:pbx', async (c) => {
  const { id, stub } = await pbxStub(c);
  const settings = await stub.pbxSettings();
  if (settings === null) throw notFound('PBX');
  return c.json({ id, settings, status: await stub.status() });
});

adminRoutes.put('/pbxes/:pbx/settings', async (c) => {
  const { id, stub } = await pbxStub(c);
  const { value } = await readJson(c, pbxSettingsRequest);
  if (!(await stub.replaceSettings(value))) throw notFound('PBX');
  return c.json({ id, settings: value });
});

adminRoutes.post('/pbxes/:pbx/relay-token', async (c) => {
  const { id, stub } = await pbxStub(c);
  const relayToken = newToken('relay');
  if (!(await stub.rotateRelayToken(await sha256Hex(relayToken)))) throw notFound('PBX');
  return c.json({ id, relayToken }, 201);
});

adminRoutes.post('/pbxes/:pbx/api-keys', async (c) => {
  const { id, stub } = await pbxStub(c);
  const hasBody = (c.req.header('content-length') ?? '0') !== '0';
  const body = hasBody ? (await readJson(c, createApiKeyRequest)).value : parseOrThrow(createApiKeyRequest, {});
  const issued = await issueApiKey(stub, body.label ?? null);
  if (issued === null) throw notFound('PBX');
  return c.json({ pbx: id, id: issued.id, apiKey: issued.apiKey }, 201);
});

adminRoutes.get('/pbxes/:pbx/api-keys', async (c) => {
  const { id, stub } = await pbxStub(c);
  const keys = await stub.apiKeys();
  if (keys === null) throw notFound('PBX');
  return c.json({ pbx: id, apiKeys: keys });
});

adminRoutes.delete('/pbxes/:pbx/api-keys/:key', async (c) => {
  const { id, stub } = await pbxStub(c);
  if (!(await revokeApiKey(stub, id, c.req.param('key')))) throw notFound('API key');
  return c.body(null, 204);
});
