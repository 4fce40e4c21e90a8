// The organisation's API (org API key): POST /v1/orgs/{org}/callbacks routes the callback to the PBX
// that owns the operator's extension or queue and then behaves exactly as that PBX's own
// POST /callbacks (same checks, same job); GET /jobs/{id} reads a job made here; GET /presence lists
// every site's extension states.
import { Hono } from 'hono';
import { idempotencyKey } from '../../shared/jobs.js';
import { orgCallbackRequest } from '../../shared/orgs.js';
import type { AppEnv } from '../env.js';
import { readJson } from '../http/body.js';
import { admissionResponse, checkCallbackRequest } from '../http/callback-admission.js';
import { requireOrgKey } from '../http/org.js';
import { canonicalHash, findPbx } from '../http/pbx.js';
import { HttpProblem, notFound } from '../http/problem.js';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{1,100}$/;
const JOB_ID = /^job_[A-Za-z0-9_-]{16}$/;

export const orgRoutes = new Hono<AppEnv>();

orgRoutes.post('/callbacks', async (c) => {
  const { stub: org } = await requireOrgKey(c);
  const key = c.req.header('idempotency-key') ?? null;
  if (key !== null && !IDEMPOTENCY_KEY.test(key)) {
    throw new HttpProblem(400, 'validation_failed', 'Idempotency-Key must be 1–100 letters, digits or _.:-', 'idempotency-key');
  }
  const { value } = await readJson(c, orgCallbackRequest);
  checkCallbackRequest(value, c.env);
  const pbx = await org.siteFor(value.operator);
  if (pbx === null) {
    const field = 'extension' in value.operator ? 'operator.extension' : 'operator.queue';
    throw new HttpProblem(422, 'not_routable', `no PBX of this organisation owns ${'extension' in value.operator ? `extension ${value.operator.extension}` : `queue ${value.operator.queue}`}`, field);
  }
  const target = await findPbx(c.env, pbx);
  if (target === undefined) throw new HttpProblem(422, 'not_routable', `PBX ${pbx} of this organisation does not exist`, 'operator');
  const stub = target.stub;
  // Org keys live in their own namespace: they never meet a key sent to the PBX's own API.
  const result = await stub.createCallback(value, key === null ? null : idempotencyKey.org(key), await canonicalHash(value));
  if (result.kind === 'created' || result.kind === 'existing') await org.recordJob(result.job.id, pbx);
  return admissionResponse(c, result, 'idempotency-key');
});

orgRoutes.get('/jobs/:id', async (c) => {
  const { stub: org } = await requireOrgKey(c);
  const id = c.req.param('id');
  const pbx = JOB_ID.test(id) ? await org.pbxOfJob(id) : null;
  const job = pbx === null ? null : ((await (await findPbx(c.env, pbx))?.stub.getJob(id)) ?? null);
  if (job === null) throw notFound('job');
  return c.json(job);
});

orgRoutes.get('/presence', async (c) => {
  const { stub: org } = await requireOrgKey(c);
  return c.json({ extensions: await org.presence() });
});
