// The Worker's bindings and per-request variables, typed once for Hono (`Env`) and the Durable Object.
import type { PbxQueue } from './pbx-queue/pbx-queue.js';
import type { PbxRegistry } from './registry/pbx-registry.js';

export interface Bindings {
  PBX_QUEUE: DurableObjectNamespace<PbxQueue>;
  /** The one directory of PBXes that exist (worker/registry/pbx-registry.ts). */
  PBX_REGISTRY: DurableObjectNamespace<PbxRegistry>;
  /** Bearer token for /v1/admin; a Worker secret. Admin routes answer 503 when it is unset. */
  ADMIN_TOKEN?: string;
  /** Turnstile siteverify endpoint for the website widget; Cloudflare's by default, a local stand-in in tests. */
  TURNSTILE_VERIFY_URL?: string;
  /** `true` lets status callbacks go to loopback/private hosts: local runs and tests only, never production. */
  ALLOW_PRIVATE_CALLBACKS?: string;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: { requestId: string };
}
