// Admin side of the integrations, under /v1/admin/pbxes/{pbx} (the admin token guard of admin.ts runs
// first): webhook secrets (shown once), status-callback settings, the missed-call policy and the
// Bitrix24 adapter's configuration. Secrets and tokens go in and never come out again.
import { Hono } from 'hono';
import { bitrix24Config } from '../../shared/bitrix24.js';
import { missedCallPolicy } from '../../shared/missed-calls.js';
import { statusCallbackSettings, webhookSecretRequest } from '../../shared/webhooks.js';
import type { AppEnv } from '../env.js';
import { readJson } from '../http/body.js';
import { assertExtensions, operatorExtensions } from '../http/extension-check.js';
import { pbxStub } from '../http/pbx.js';
import { HttpProblem, notFound } from '../http/problem.js';
import { assertCallbackUrl } from '../http/signed-request.js';

const SECRET_ID = /^whs_[A-Za-z0-9_-]{16}$/;

export const hookAdminRoutes = new Hono<AppEnv>();

hookAdminRoutes.post('/webhook-secrets', async (c) => {
  const { stub } = await pbxStub(c);
  const { value } = await readJson(c, webhookSecretRequest);
  const created = await stub.createWebhookSecret(value.purpose, value.label ?? null);
  if (created === null) throw notFound('PBX');
  if (created === 'too-many') throw new HttpProblem(409, 'conflict', `at most 5 ${value.purpose} secrets: delete an old one first`, 'purpose');
  return c.json(created, 201);
});

hookAdminRoutes.get('/webhook-secrets', async (c) => {
  const secrets = await (await pbxStub(c)).stub.webhookSecrets();
  if (secrets === null) throw notFound('PBX');
  return c.json({ secrets });
});

hookAdminRoutes.delete('/webhook-secrets/:id', async (c) => {
  const id = c.req.param('id');
  if (!SECRET_ID.test(id) || !(await (await pbxStub(c)).stub.deleteWebhookSecret(id))) throw notFound('webhook secret');
  return c.body(null, 204);
});

hookAdminRoutes.get('/status-callbacks', async (c) => {
  const settings = await (await pbxStub(c)).stub.statusCallbackSettings();
  if (settings === null) throw notFound('PBX');
  return c.json(settings);
});

hookAdminRoutes.put('/status-callbacks', async (c) => {
  const { value } = await readJson(c, statusCallbackSettings);
  assertCallbackUrl(value.url, c.env, 'url');
  if (!(await (await pbxStub(c)).stub.putStatusCallbackSettings(value))) throw notFound('PBX');
  return c.json(value);
});

hookAdminRoutes.get('/missed-calls/policy', async (c) => {
  const policy = await (await pbxStub(c)).stub.missedCallPolicy();
  if (policy === null) throw notFound('PBX');
  if (policy.policy === null) throw notFound('missed-call policy');
  return c.json(policy.policy);
});

hookAdminRoutes.put('/missed-calls/policy', async (c) => {
  const { value } = await readJson(c, missedCallPolicy);
  assertCallbackUrl(value.statusCallbackUrl, c.env, 'statusCallbackUrl');
  const { stub } = await pbxStub(c);
  await assertExtensions(stub, [
    ...operatorExtensions([[value.operator, 'operator']]),
    ...value.watch.extensions.map((extension, i) => ({ extension, field: `watch.extensions.${i}` })),
  ]);
  if (!(await stub.putMissedCallPolicy(value))) throw notFound('PBX');
  return c.json(value);
});

hookAdminRoutes.put('/integrations/bitrix24', async (c) => {
  const { value } = await readJson(c, bitrix24Config);
  assertCallbackUrl(value.restUrl, c.env, 'restUrl');
  const { stub } = await pbxStub(c);
  // The one check every CRM user map goes through (amoCRM's will too).
  await assertExtensions(stub, operatorExtensions(Object.entries(value.users).map(([id, t]) => [t, `users.${id}`])));
  if (!(await stub.putBitrix24(value))) throw notFound('PBX');
  return c.json({ configured: true, users: value.users, callerId: value.callerId, restOrigin: new URL(value.restUrl).origin });
});

hookAdminRoutes.get('/integrations/bitrix24', async (c) => {
  const config = await (await pbxStub(c)).stub.bitrix24();
  if (config === null) throw notFound('Bitrix24 integration');
  return c.json({ configured: true, users: config.users, callerId: config.callerId, restOrigin: new URL(config.restUrl).origin });
});
