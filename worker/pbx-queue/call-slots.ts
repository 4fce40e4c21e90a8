// How many calls may start now on a PBX: its maxConcurrentCalls and the relay's capacity, less
// every call the relay holds — callback attempts, conference member legs and the relay's own
// external-participant legs. The dispatcher and the assembly desk both take from this one count, so
// a 50-member assembly waits its turn like 50 callbacks would.
// Invariant: work beyond the free slots stays queued in SQLite (jobs `queued`, members `queued`), so
// waiting loses nothing, and a member leaves `queued` only in the statement that numbers its dial.
import type { PbxSettings } from '../../shared/pbx.js';
import type { ConferenceStore } from './conference-store.js';
import type { JobStore } from './job-store.js';
import type { RelaySessions } from './relay-sessions.js';

export class CallSlots {
  constructor(
    private readonly jobs: JobStore,
    private readonly conferences: ConferenceStore,
    private readonly sessions: RelaySessions,
    private readonly settings: () => PbxSettings | undefined,
  ) {}

  /** Calls that may be handed to the active relay now (0 without a relay ready to dial). */
  free(): number {
    const settings = this.settings();
    const active = this.sessions.active();
    if (settings === undefined || active === undefined || active.info.relayId === null || active.info.ami !== 'ready') return 0;
    const limit = Math.min(settings.maxConcurrentCalls, active.info.capacity);
    const busy = this.jobs.countOpenAttempts() + this.conferences.countLiveMembers() + (active.info.ownCalls ?? 0);
    return Math.max(0, limit - busy);
  }
}
