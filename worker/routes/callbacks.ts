// POST /v1/pbxes/{pbx}/callbacks: queue a callback. Validated, checked against the PBX's destination
// rules and stored before the 202 is sent; an Idempotency-Key makes a retried POST return the same job.
import { Hono } from 'hono';
import { callbackRequest } from '../../shared/jobs.js';
import type { AppEnv } from '../env.js';
import { readJson } from '../http/body.js';
import { canonicalHash, requireApiKey } from '../http/pbx.js';
import { HttpProblem, notFound } from '../http/problem.js';
import { assertCallbackUrl } from '../webhooks/signed-request.js';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{1,100}$/;

export const callbackRoutes = new Hono<AppEnv>();

callbackRoutes.post('/', async (c) => {
  const { stub } = await requireApiKey(c);
  const key = c.req.header('idempotency-key') ?? null;
  if (key !== null && !IDEMPOTENCY_KEY.test(key)) {
    throw new HttpProblem(400, 'validation_failed', 'Idempotency-Key must be 1–100 letters, digits or _.:-', 'idempotency-key');
  }
  const { value } = await readJson(c, callbackRequest);
  if (value.expiresAt !== undefined && Date.parse(value.expiresAt) <= Date.now()) {
    throw new HttpProblem(400, 'validation_failed', 'expiresAt is in the past', 'expiresAt');
  }
  assertCallbackUrl(value.statusCallbackUrl, c.env, 'statusCallbackUrl');
  const result = await stub.createCallback(value, key, await canonicalHash(value));
  switch (result.kind) {
    case 'created':
      return c.json(result.job, 202);
    case 'existing':
      return c.json(result.job, 200);
    case 'idempotency-conflict':
      throw new HttpProblem(409, 'idempotency_conflict', 'this Idempotency-Key was used with a different body', 'idempotency-key');
    case 'destination-not-allowed':
      throw new HttpProblem(422, 'destination_not_allowed', "the customer number is not allowed by this PBX's destination rules", 'customer');
    case 'no-pbx':
      throw notFound('PBX');
  }
});
