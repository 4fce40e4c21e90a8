// Resolves the `{org}` path segment to its directory stub, and authenticates org API keys
// (`Authorization: Bearer pzo_…`) against the org's stored hashes.
import type { Context } from 'hono';
import { orgId } from '../../shared/orgs.js';
import { bearer, sha256Hex } from '../auth/tokens.js';
import type { AppEnv } from '../env.js';
import type { OrgDirectory } from '../orgs/org-directory.js';
import { HttpProblem, unauthorized } from './problem.js';

export function orgStub(c: Context<AppEnv>): { id: string; stub: DurableObjectStub<OrgDirectory> } {
  const parsed = orgId.safeParse(c.req.param('org') ?? '');
  if (!parsed.success) throw new HttpProblem(404, 'not_found', 'organisation not found', 'org');
  return { id: parsed.data, stub: c.env.ORG_DIRECTORY.get(c.env.ORG_DIRECTORY.idFromName(parsed.data)) };
}

export async function requireOrgKey(c: Context<AppEnv>): Promise<ReturnType<typeof orgStub>> {
  const token = bearer(c.req.header('authorization'));
  if (token === undefined || !token.startsWith('pzo_')) throw unauthorized('an org API key is required: Authorization: Bearer pzo_…');
  const target = orgStub(c);
  if (!(await target.stub.isApiKey(await sha256Hex(token)))) throw unauthorized('invalid org API key');
  return target;
}
