// Inbound integrations and their read side, under /v1/pbxes/{pbx}: signed CRM webhooks
// (`POST /hooks/generic`, Standard Webhooks; `POST /hooks/bitrix24`, application token; `POST
// /hooks/amocrm`, the connection's secret header), missed-call
// reports (`POST /events/missed-call`, API key or signature), `GET /missed-calls` and a job's status
// callback deliveries (`GET /jobs/{id}/deliveries`). A webhook's id is its idempotency key.
import { Hono } from 'hono';
import { z } from 'zod';
import { callbackRequest, idempotencyKey } from '../../shared/jobs.js';
import { missedCallReport } from '../../shared/missed-calls.js';
import type { AppEnv } from '../env.js';
import { parseOrThrow } from '../http/body.js';
import { admissionResponse, checkCallbackRequest } from '../http/callback-admission.js';
import { canonicalHash, findPbx, requireApiKey } from '../http/pbx.js';
import { notFound } from '../http/problem.js';
import { amoCrmHook, amoCrmPreflight } from './amocrm-hook.js';
import { bitrixHook } from './bitrix24-hook.js';
import { mustExist, parseJsonText, readRawBody, replayed, requireSignature } from '../http/signed-request.js';

const JSON_TYPE = /^application\/json\b/i;
const JOB_ID = /^job_[A-Za-z0-9_-]{16}$/;

export const hookRoutes = new Hono<AppEnv>();

hookRoutes.options('/hooks/amocrm', amoCrmPreflight);
hookRoutes.post('/hooks/bitrix24', bitrixHook);
hookRoutes.post('/hooks/amocrm', amoCrmHook);

hookRoutes.post('/hooks/generic', async (c) => {
  const target = await findPbx(c.env, c.req.param('pbx') ?? '');
  const raw = await readRawBody(c, JSON_TYPE, 'application/json');
  const id = await requireSignature(c, target?.stub, 'generic', raw);
  const stub = mustExist(target);
  const value = parseOrThrow(callbackRequest, parseJsonText(raw));
  checkCallbackRequest(value, c.env);
  const delivery = { source: 'generic', webhookId: id };
  return admissionResponse(c, await stub.createCallback(value, idempotencyKey.webhook(id), await canonicalHash(value), delivery), 'webhook-id');
});

hookRoutes.post('/events/missed-call', async (c) => {
  // An API key (a CRM or script) or a Standard Webhooks signature (a PBX module or a telephony cloud).
  const signed = c.req.header('authorization') === undefined;
  const target = signed ? await findPbx(c.env, c.req.param('pbx') ?? '') : await requireApiKey(c);
  const raw = await readRawBody(c, JSON_TYPE, 'application/json');
  const webhookId = signed ? await requireSignature(c, target?.stub, 'missed-call', raw) : undefined;
  const stub = mustExist(target);
  const report = parseOrThrow(missedCallReport, parseJsonText(raw));
  const outcome = await stub.reportMissedCall(report, webhookId === undefined ? undefined : { source: 'missed-call', webhookId });
  if (outcome === null) throw notFound('PBX');
  if (outcome === 'replayed') throw replayed();
  if (outcome.kind === 'ignored') return c.json({ status: 'ignored', reason: outcome.reason }, 200);
  return c.json({ status: outcome.kind, missedCall: outcome.missedCall }, outcome.kind === 'created' ? 202 : 200);
});

hookRoutes.get('/missed-calls', async (c) => {
  const { stub } = await requireApiKey(c);
  const { limit } = parseOrThrow(z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) }), c.req.query());
  return c.json({ missedCalls: await stub.missedCalls(limit) });
});

hookRoutes.get('/jobs/:id/deliveries', async (c) => {
  const { stub } = await requireApiKey(c);
  const id = c.req.param('id');
  const deliveries = JOB_ID.test(id) ? await stub.jobDeliveries(id) : null;
  if (deliveries === null) throw notFound('job');
  return c.json({ deliveries });
});

