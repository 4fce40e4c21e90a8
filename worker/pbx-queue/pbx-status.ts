// What GET /status and the admin API show about a PBX's link: whether its relay is connected, the
// AMI state it last reported, its capacity, and how many calls run and jobs wait. Read-only.
import type { AmoCrmStatus } from './amocrm-desk.js';
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
}

export function pbxStatus(store: JobStore, sessions: RelaySessions, amocrm: AmoCrmStatus | null): PbxStatus {
  const active = sessions.active();
  return {
    pbx: store.getMeta('pbx') ?? '',
    relay: {
      connected: active !== undefined,
      relayId: active?.info.relayId ?? null,
      ami: active?.info.ami ?? 'down',
      capacity: active?.info.capacity ?? 0,
      lastSeenAt: active ? new Date(active.info.lastSeenAt).toISOString() : null,
    },
    inFlight: store.countOpenAttempts(),
    queued: store.countJobs('queued'),
    protocolErrors: sessions.protocolErrors(),
    amocrm,
  };
}
