// /v1/admin/orgs: organisations of several PBXes (mounted under /v1/admin, so the admin token guard of
// admin.ts runs first). Creating one checks every site's PBX exists and joins it to the org; the plan
// (extension ranges per PBX, inter-site routes) is validated in shared/orgs.ts, overlaps refused there.
import { Hono, type Context } from 'hono';
import { createApiKeyRequest } from './admin.js';
import { createOrgRequest, orgPlan, type OrgPlan } from '../../shared/orgs.js';
import { newToken, sha256Hex } from '../auth/tokens.js';
import type { AppEnv } from '../env.js';
import { parseOrThrow, readJson } from '../http/body.js';
import { HttpProblem, notFound } from '../http/problem.js';
import { orgStub } from '../http/org.js';
import { findPbx } from '../http/pbx.js';

export const orgAdminRoutes = new Hono<AppEnv>();

orgAdminRoutes.post('/', async (c) => {
  const { value } = await readJson(c, createOrgRequest);
  await requireSites(c, value.plan);
  const stub = c.env.ORG_DIRECTORY.get(c.env.ORG_DIRECTORY.idFromName(value.id));
  if ((await stub.create(value.id, value.plan)) === 'exists') throw new HttpProblem(409, 'conflict', `organisation ${value.id} exists`, 'id');
  await joinSites(c, value.id, value.plan);
  return c.json({ id: value.id, plan: value.plan }, 201);
});

orgAdminRoutes.get('/:org', async (c) => {
  const { id, stub } = orgStub(c);
  const plan = await stub.plan();
  if (plan === null) throw notFound('organisation');
  return c.json({ id, plan });
});

orgAdminRoutes.put('/:org/plan', async (c) => {
  const { id, stub } = orgStub(c);
  const { value } = await readJson(c, orgPlan);
  if ((await stub.plan()) === null) throw notFound('organisation');
  await requireSites(c, value);
  await stub.putPlan(value);
  await joinSites(c, id, value);
  return c.json({ id, plan: value });
});

orgAdminRoutes.post('/:org/api-keys', async (c) => {
  const { id, stub } = orgStub(c);
  const hasBody = (c.req.header('content-length') ?? '0') !== '0';
  const body = hasBody ? (await readJson(c, createApiKeyRequest)).value : parseOrThrow(createApiKeyRequest, {});
  const apiKey = newToken('org-key');
  const keyId = await stub.addApiKey(await sha256Hex(apiKey), body.label ?? null);
  if (keyId === null) throw notFound('organisation');
  return c.json({ org: id, id: keyId, apiKey }, 201);
});

/** Every site must be an existing PBX. */
async function requireSites(c: Context<AppEnv>, plan: OrgPlan): Promise<void> {
  for (const [i, site] of plan.sites.entries()) {
    if ((await findPbx(c.env, site.pbx)) === undefined) throw new HttpProblem(422, 'validation_failed', `PBX ${site.pbx} does not exist: create it first`, `plan.sites.${i}.pbx`);
  }
}

/** Each site learns its organisation once the directory holds the plan (a connected relay starts presence at once). */
async function joinSites(c: Context<AppEnv>, org: string, plan: OrgPlan): Promise<void> {
  await Promise.all(plan.sites.map(async (site) => (await findPbx(c.env, site.pbx))?.stub.joinOrg(org)));
}
