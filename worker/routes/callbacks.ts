// POST /v1/pbxes/{pbx}/callbacks: queue a callback. Validated, checked against the PBX's destination
// rules and stored before the 202 is sent; an Idempotency-Key makes a retried POST return the same job.
import { Hono } from 'hono';
import { callbackRequest, idempotencyKey } from '../../shared/jobs.js';
import type { AppEnv } from '../env.js';
import { readJson } from '../http/body.js';
import { admissionResponse, checkCallbackRequest } from '../http/callback-admission.js';
import { canonicalHash, requireApiKey } from '../http/pbx.js';
import { HttpProblem } from '../http/problem.js';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{1,100}$/;

export const callbackRoutes = new Hono<AppEnv>();

callbackRoutes.post('/', async (c) => {
  const { stub } = await requireApiKey(c);
  const key = c.req.header('idempotency-key') ?? null;
  if (key !== null && !IDEMPOTENCY_KEY.test(key)) {
    throw new HttpProblem(400, 'validation_failed', 'Idempotency-Key must be 1–100 letters, digits or _.:-', 'idempotency-key');
  }
  const { value } = await readJson(c, callbackRequest);
  checkCallbackRequest(value, c.env);
  return admissionResponse(c, await stub.createCallback(value, key === null ? null : idempotencyKey.client(key), await canonicalHash(value)), 'idempotency-key');
});
