// GET /v1/pbxes/{pbx}/status: the relay link as the queue sees it, and the counters an operator
// alerts on (README "Watching it run"). Reads only, through the stores' COUNT queries; used by pbx-queue.ts.
import type { JobStatus } from '../../shared/jobs.js';
import type { AmoCrmStatus } from './amocrm-desk.js';
import type { HookStore } from './hook-store.js';
import type { JobStore } from './job-store.js';
import type { RelaySessions } from './relay-sessions.js';

export interface PbxStatus {
  pbx: string;
  relay: { connected: boolean; relayId: string | null; ami: string; capacity: number; lastSeenAt: string | null };
  inFlight: number;
  queued: number;
  /** Frames this queue built that failed the protocol schema and were not sent (a bug; see the logs). */
  protocolErrors: number;
  /** The amoCRM connection's health (`broken` after a 401), null without one. */
  amocrm: AmoCrmStatus | null;
  counters: {
    jobs: Record<JobStatus, number>;
    /** Seconds the longest-waiting queued job has been due; 0 when none is waiting (a job scheduled for later is not waiting). */
    oldestQueuedSec: number;
    /** Status-callback deliveries; `failed` ones were given up. */
    statusCallbacks: { pending: number; delivered: number; failed: number };
  };
}

export function pbxStatus(jobs: JobStore, sessions: RelaySessions, hooks: HookStore, now: number, amocrm: AmoCrmStatus | null): PbxStatus {
  const active = sessions.active();
  const oldestDue = jobs.oldestDueQueuedAt(now);
  return {
    pbx: jobs.getMeta('pbx') ?? '',
    relay: {
      connected: active !== undefined,
      relayId: active?.info.relayId ?? null,
      ami: active?.info.ami ?? 'down',
      capacity: active?.info.capacity ?? 0,
      lastSeenAt: active ? new Date(active.info.lastSeenAt).toISOString() : null,
    },
    inFlight: jobs.countOpenAttempts(),
    queued: jobs.countJobs('queued'),
    protocolErrors: sessions.protocolErrors(),
    amocrm,
    counters: {
      jobs: jobs.countJobsByStatus(),
      oldestQueuedSec: oldestDue === undefined ? 0 : Math.max(0, Math.floor((now - oldestDue) / 1000)),
      statusCallbacks: hooks.countDeliveriesByStatus(),
    },
  };
}
