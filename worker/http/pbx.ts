// Resolves the `{pbx}` path segment to its queue stub, after checking its shape, and authenticates
// API-key requests against that PBX's stored key hashes.
import type { Context } from 'hono';
import { pbxId } from '../../shared/pbx.js';
import { bearer, sha256Hex } from '../auth/tokens.js';
import type { AppEnv } from '../env.js';
import type { PbxQueue } from '../pbx-queue/pbx-queue.js';
import type { PbxRegistry } from '../registry/pbx-registry.js';
import { HttpProblem, unauthorized } from './problem.js';

export type PbxTarget = { id: string; stub: DurableObjectStub<PbxQueue> };

// PBXes known to exist, per isolate: PBXes are never deleted, so a yes stays true. A no is asked
// again each time, so a PBX created a moment ago is found at once.
const KNOWN_MAX = 10_000;
const knownPbxes = new Set<string>();

/**
 * The queue of the PBX named `raw`, or undefined when no such PBX was created: then no queue object
 * is touched (a made-up id must not create storage). Each route answers an unknown PBX as it answers
 * bad credentials, so an outsider cannot tell which PBXes exist.
 */
export async function findPbx(env: AppEnv['Bindings'], raw: string): Promise<PbxTarget | undefined> {
  const parsed = pbxId.safeParse(raw);
  if (!parsed.success) return undefined;
  const id = parsed.data;
  if (!knownPbxes.has(id)) {
    if (!(await pbxRegistry(env).has(id))) return undefined;
    if (knownPbxes.size >= KNOWN_MAX) knownPbxes.clear();
    knownPbxes.add(id);
  }
  return { id, stub: env.PBX_QUEUE.get(env.PBX_QUEUE.idFromName(id)) };
}

/** The `{pbx}` path segment's queue, for admin routes: an unknown PBX is a 404. */
export async function pbxStub(c: Context<AppEnv>): Promise<PbxTarget> {
  const target = await findPbx(c.env, c.req.param('pbx') ?? '');
  if (target === undefined) throw new HttpProblem(404, 'not_found', 'PBX not found', 'pbx');
  return target;
}

export function pbxRegistry(env: AppEnv['Bindings']): DurableObjectStub<PbxRegistry> {
  return env.PBX_REGISTRY.get(env.PBX_REGISTRY.idFromName('pbxes'));
}

// Keys known good, per isolate, so a busy CRM does not pay a Durable Object round trip per request
// for authentication. Bounded in size and age; only successes are cached.
const KEY_CACHE_MS = 60_000;
const KEY_CACHE_MAX = 1000;
const knownKeys = new Map<string, number>();

/** Requires `Authorization: Bearer pzk_…`, a key issued for this PBX. */
export async function requireApiKey(c: Context<AppEnv>): Promise<PbxTarget> {
  const token = bearer(c.req.header('authorization'));
  if (token === undefined || !token.startsWith('pzk_')) throw unauthorized('an API key is required: Authorization: Bearer pzk_…');
  const target = await findPbx(c.env, c.req.param('pbx') ?? '');
  if (target === undefined) throw unauthorized('invalid API key');
  const cacheKey = `${target.id}:${await sha256Hex(token)}`;
  const seen = knownKeys.get(cacheKey);
  if (seen !== undefined && Date.now() - seen < KEY_CACHE_MS) return target;
  if (!(await target.stub.isApiKey(cacheKey.slice(target.id.length + 1)))) throw unauthorized('invalid API key');
  if (knownKeys.size >= KEY_CACHE_MAX) knownKeys.clear();
  knownKeys.set(cacheKey, Date.now());
  return target;
}

/** Forgets this isolate's cached keys of a PBX (after a revocation; other isolates forget within KEY_CACHE_MS). */
export function forgetApiKeys(pbx: string): void {
  for (const key of knownKeys.keys()) if (key.startsWith(`${pbx}:`)) knownKeys.delete(key);
}

/** A stable hash of a validated body, so an idempotent retry matches whatever its key order or spacing. */
export async function canonicalHash(value: unknown): Promise<string> {
  return sha256Hex(JSON.stringify(sortKeys(value)));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, sortKeys(v)]));
  }
  return value;
}
