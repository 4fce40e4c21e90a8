// The Worker's bindings and per-request variables, typed once for Hono (`Env`) and the Durable Object.
import type { DashboardSessions } from './dashboard/session-store.js';
import type { OrgDirectory } from './orgs/org-directory.js';
import type { PbxQueue } from './pbx-queue/pbx-queue.js';
import type { PbxRegistry } from './registry/pbx-registry.js';

export interface Bindings {
  PBX_QUEUE: DurableObjectNamespace<PbxQueue>;
  /** The dashboard's sessions (one object for the deployment). */
  DASHBOARD_SESSIONS: DurableObjectNamespace<DashboardSessions>;
  /** Signs dashboard session cookies; derived from ADMIN_TOKEN when unset. A Worker secret. */
  SESSION_KEY?: string;
  /** `npm start` only: the demo PBX that /app/dev-sign-in opens without a token. Never set in a deployment. */
  DASHBOARD_DEV_SIGN_IN?: string;
  /** One directory per organisation: its numbering plan, keys, job index and presence. */
  ORG_DIRECTORY: DurableObjectNamespace<OrgDirectory>;
  /** The one directory of PBXes that exist (worker/registry/pbx-registry.ts). */
  PBX_REGISTRY: DurableObjectNamespace<PbxRegistry>;
  /** Bearer token for /v1/admin; a Worker secret. Admin routes answer 503 when it is unset. */
  ADMIN_TOKEN?: string;
  /** Turnstile siteverify endpoint for the website widget; Cloudflare's by default, a local stand-in in tests. */
  TURNSTILE_VERIFY_URL?: string;
  /** `true` lets status callbacks go to loopback/private hosts: local runs and tests only, never production. */
  ALLOW_PRIVATE_CALLBACKS?: string;
  /** Base64 of 32 random bytes; seals amoCRM tokens at rest (AES-256-GCM). A Worker secret; the amoCRM admin route answers 503 without it. */
  AMOCRM_TOKEN_KEY?: string;
  /** Tests only: a loopback stand-in of amoCRM's API (http://127.0.0.1:port) instead of https://<subdomain>.<domain>. Set by the test harness, never on a deployment; anything but a loopback origin is ignored. */
  AMOCRM_API_BASE_URL?: string;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: { requestId: string };
}
