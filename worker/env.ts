// The Worker's bindings and per-request variables, typed once for Hono (`Env`) and the Durable Object.
import type { PbxQueue } from './pbx-queue/pbx-queue.js';

export interface Bindings {
  PBX_QUEUE: DurableObjectNamespace<PbxQueue>;
  /** Bearer token for /v1/admin; a Worker secret. Admin routes answer 503 when it is unset. */
  ADMIN_TOKEN?: string;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: { requestId: string };
}
