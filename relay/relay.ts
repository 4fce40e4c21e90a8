// The relay: joins the AMI connection, the link to the Worker and the journal, and runs the queue's
// offers as calls. Offer (the authorisation, protocol 2) → journal → Originate → follow → result →
// (queue acks) → forget; progress goes in batches with the next heartbeat. Used by main.ts, and by
// tests that start a relay in-process.
// Invariant: no Originate is written for an attempt that is not in the fsync'd journal, an attempt in
// the journal is never originated again (after a restart it is only looked up), and an offer is
// dialled only in the session that made it (shared/relay-protocol.ts says why that is enough).
import type { Logger } from 'pino';
import type { AmiState, AttemptProgress, AttemptResult, CallbackPlan, QueueFrame, RelayFrame } from '../shared/relay-protocol.js';
import { PROTOCOL_VERSION } from '../shared/relay-protocol.js';
import { followCall } from './ami/call-follower.js';
import type { AmiConnection } from './ami/connection.js';
import { callbackChannelIds } from '../shared/channel-ids.js';
import { attemptResultOf, runCallback, type CallbackRun } from './jobs/callback.js';
import type { Journal, JournalEntry } from './journal.js';
import type { WorkerLink } from './link/worker-link.js';
import { CallSlots } from './call-slots.js';
import { RELAY_SOFTWARE } from './version.js';

interface Offer {
  attemptId: string;
  fence: number;
  sessionId: string;
  jobId: string;
  plan: CallbackPlan;
}

/**
 * How long progress waits for more before it goes (in a heartbeat): calls that overlap share one
 * frame. Short beside a ring; a result never waits for it (pending progress goes just before).
 */
const PROGRESS_BATCH_MS = 100;

export interface RelayOptions {
  relayId: string;
  capacity: number;
  ami: AmiConnection;
  link: WorkerLink;
  journal: Journal;
  logger: Logger;
  /** The gate every Originate of this relay goes through (conference legs included); default: one of `capacity`. */
  slots?: CallSlots;
  /** Called when a dialled attempt has its result (metrics count them by outcome). */
  onAttemptEnded?: (result: AttemptResult) => void;
  /** Called once when a newer relay session took this PBX over. */
  onSuperseded?: () => void;
  /**
   * Called when an offer is taken, before it is journalled. Production passes nothing; the tests'
   * fault-injection entry dies here (a relay lost between receipt and journal).
   */
  beforeJournal?: (attemptId: string) => void;
  /**
   * Called after an attempt is on disk and before its Originate is written. Production passes
   * nothing; the fault-injection entry of the tests (testkit/relay-with-faults.ts) dies here.
   */
  afterJournal?: (attemptId: string) => void;
}

export class Relay {
  private readonly runs = new Map<string, CallbackRun>();
  private readonly reconciling = new Set<string>();
  private draining = false;
  /** The session the queue welcomed this relay into; offers naming any other are dropped. */
  private sessionId: string | undefined;
  private progress: AttemptProgress[] = [];
  private progressTimer: NodeJS.Timeout | undefined;

  private readonly slots: CallSlots;

  constructor(private readonly o: RelayOptions) {
    this.slots = o.slots ?? new CallSlots(o.capacity);
    // The queue hears at once when the relay's own calls (external participants) take or free slots.
    this.slots.on('change', () => this.o.link.send(this.heartbeatFrame()));
    o.link.on('frame', (frame) => this.onFrame(frame));
    o.ami.on('state', () => this.o.link.send(this.heartbeatFrame()));
    o.ami.on('ready', () => this.reconcile());
  }

  start(): void {
    this.o.ami.start();
    this.o.link.start();
  }

  /** Graceful stop: refuse new offers, give running calls up to graceMs to finish and be acknowledged, then close. */
  async stop(graceMs = 10_000): Promise<void> {
    this.draining = true;
    this.o.link.send(this.heartbeatFrame());
    await this.settled(graceMs);
    await this.o.link.stop();
    await this.o.ami.stop();
    this.o.journal.close();
  }

  /** Resolves when no call runs and the queue has acknowledged every result, or after timeoutMs. */
  private async settled(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && (this.runs.size > 0 || this.o.journal.open().some((e) => e.result !== null))) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Calls running now. */
  get inFlight(): number {
    return this.runs.size;
  }

  helloFrame(): Extract<RelayFrame, { type: 'hello' }> {
    return {
      type: 'hello', protocol: PROTOCOL_VERSION, relayId: this.o.relayId, software: RELAY_SOFTWARE,
      ami: this.amiForQueue(), capacity: this.o.capacity,
      inFlight: this.o.journal.open().map((e) => ({ attemptId: e.attemptId, fence: e.fence })),
    };
  }

  /** The heartbeat, carrying (and so taking) the progress batched since the last one. */
  heartbeatFrame(): Extract<RelayFrame, { type: 'heartbeat' }> {
    clearTimeout(this.progressTimer);
    this.progressTimer = undefined;
    const progress = this.progress;
    this.progress = [];
    return { type: 'heartbeat', ami: this.amiForQueue(), inFlight: this.runs.size, ownCalls: this.slots.ownCalls, ...(progress.length > 0 ? { progress } : {}) };
  }

  /** Progress goes with the next heartbeat, at the latest PROGRESS_BATCH_MS from now; a dropped link drops it (the result and the journal carry what matters). */
  private note(attemptId: string, fence: number, phase: AttemptProgress['phase'], at: number): void {
    this.progress.push({ attemptId, fence, phase, at });
    this.progressTimer ??= setTimeout(() => this.o.link.send(this.heartbeatFrame()), PROGRESS_BATCH_MS);
  }

  private amiForQueue(): AmiState {
    // While draining we report AMI down so the queue offers nothing more.
    return this.draining ? 'down' : this.o.ami.state;
  }

  private onFrame(frame: QueueFrame): void {
    switch (frame.type) {
      case 'welcome':
        // hello was sent by the link; progress of the old session is moot; results the queue has not acknowledged go again.
        this.sessionId = frame.sessionId;
        this.progress = [];
        this.slots.setPbxLimit(frame.maxConcurrentCalls);
        for (const e of this.o.journal.open()) if (e.result !== null) this.report(e, e.result);
        return;
      case 'job.offer':
        return this.offer({ attemptId: frame.attemptId, fence: frame.fence, sessionId: frame.sessionId, jobId: frame.jobId, plan: frame.plan });
      case 'job.cancel':
        return this.cancel(frame.attemptId);
      case 'result.ack':
        this.o.journal.ack(frame.attemptId);
        return;
      case 'superseded':
        this.o.logger.error('another relay connected for this PBX and took over; this one finishes its calls and stops (check for a second relay with the same token)');
        this.draining = true;
        void this.settled(60_000).then(() => this.o.onSuperseded?.());
        return;
      case 'error':
        this.o.logger.warn({ code: frame.code, message: frame.message }, 'the queue reported an error');
        return;
    }
  }

  /** An offer is the authorisation to dial: journal it, then Originate, in the same turn. */
  private offer(offer: Offer): void {
    const { attemptId, fence } = offer;
    if (offer.sessionId !== this.sessionId) {
      // Made for another session: that session's attempts are settled by this session's hello.
      this.o.logger.warn({ attemptId, fence }, 'dropped an offer made for another session; not dialling it');
      return;
    }
    const reason = this.draining ? 'relay is stopping'
      : this.o.ami.state !== 'ready' ? 'AMI is not connected'
      : this.o.journal.get(attemptId) !== undefined ? 'attempt already journalled'
      : null;
    // The call holds its slot of the one gate (conference legs use it too) from here until it ends.
    const release = reason === null ? this.slots.tryTake() : undefined;
    if (release === undefined) {
      this.o.link.send({ type: 'job.reject', attemptId, fence, reason: reason ?? 'relay at capacity' });
      return;
    }
    const ids = callbackChannelIds(attemptId);
    const log = this.o.logger.child({ jobId: offer.jobId, attemptId });
    this.o.beforeJournal?.(attemptId);
    let entry: JournalEntry;
    try {
      entry = this.o.journal.start({ attemptId, fence, jobId: offer.jobId, channelId: ids.channelId, plan: offer.plan, startedAt: Date.now() });
    } catch (err) {
      // Not journalled means not dialled: say so, and the queue offers the job again later.
      log.error({ err: err instanceof Error ? err.message : String(err) }, 'cannot journal the attempt; not dialling it');
      release();
      this.o.link.send({ type: 'job.reject', attemptId, fence, reason: 'the relay could not journal the attempt' });
      return;
    }
    this.o.afterJournal?.(attemptId);
    const run = runCallback(this.o.ami, offer.plan, ids, {
      onFirstLegAnswered: (at) => this.note(attemptId, fence, 'ringing', at),
      onConnected: (at) => {
        this.o.journal.update(attemptId, { answeredAt: at });
        this.note(attemptId, fence, 'answered', at);
      },
    }, log);
    this.note(attemptId, fence, 'originating', entry.startedAt);
    log.debug({ direction: offer.plan.direction }, 'originating callback');
    this.runs.set(attemptId, run);
    void run.done.then((result) => {
      this.runs.delete(attemptId);
      release();
      log.debug({ outcome: result.outcome, cause: result.cause }, 'callback attempt ended');
      this.o.onAttemptEnded?.(result);
      this.finish(entry, result);
    });
  }

  private cancel(attemptId: string): void {
    void this.runs.get(attemptId)?.cancel();
  }

  private finish(entry: JournalEntry, result: AttemptResult): void {
    this.o.journal.update(entry.attemptId, { result });
    this.report(entry, result);
  }

  private report(entry: JournalEntry, result: AttemptResult): void {
    // Progress still waiting goes first, so the queue sees each attempt's steps in order.
    if (this.progress.length > 0) this.o.link.send(this.heartbeatFrame());
    // If the link is down the result stays in the journal and goes out after the next welcome.
    this.o.link.send({ type: 'attempt.result', attemptId: entry.attemptId, fence: entry.fence, ...result });
  }

  /**
   * After (re)login to AMI: journalled attempts that no live run in this process is following (the
   * relay restarted) are looked up on the PBX by ChannelId and followed to their end, never dialled.
   */
  private reconcile(): void {
    for (const entry of this.o.journal.open()) {
      if (entry.result !== null || this.runs.has(entry.attemptId) || this.reconciling.has(entry.attemptId)) continue;
      this.reconciling.add(entry.attemptId);
      const follower = followCall(this.o.ami, { channelId: entry.channelId, otherChannelId: callbackChannelIds(entry.attemptId).otherChannelId }, {
        logger: this.o.logger, secondLegRingMs: entry.plan.ringTimeoutMs,
      });
      void follower.reconcile();
      void follower.ended
        .then((call) => {
          const result = call.complete ? foundAgainResult(entry, attemptResultOf(entry.plan, call, false)) : lostResult(entry);
          this.finish(entry, result);
        }, () => this.finish(entry, lostResult(entry)))
        .finally(() => this.reconciling.delete(entry.attemptId));
    }
  }
}

const notDialled = (note: string): AttemptResult => ({
  outcome: 'failed', certainty: 'known', cause: null, causeText: null, failedLeg: null, originatedAt: null, answeredAt: null, endedAt: Date.now(), durationMs: null, note,
});

/** A call that ended while nobody was watching: what the journal knows, and an honest "unknown". */
function lostResult(entry: JournalEntry): AttemptResult {
  if (entry.answeredAt !== null) {
    return { outcome: 'answered', certainty: 'known', cause: null, causeText: null, failedLeg: null, originatedAt: entry.startedAt, answeredAt: entry.answeredAt, endedAt: Date.now(), durationMs: null, note: 'connected; the end was not observed (relay restart)' };
  }
  return { ...notDialled('the relay restarted during the call; outcome unknown'), certainty: 'unknown', originatedAt: entry.startedAt };
}

/**
 * A journalled call followed again after a restart: the events before the restart are gone, so the
 * journal's own record of the connection decides whether it was answered.
 */
function foundAgainResult(entry: JournalEntry, seen: AttemptResult): AttemptResult {
  if (entry.answeredAt === null) return { ...seen, originatedAt: entry.startedAt };
  return { ...seen, outcome: 'answered', certainty: 'known', failedLeg: null, originatedAt: entry.startedAt, answeredAt: entry.answeredAt, durationMs: Math.max(0, seen.endedAt - entry.answeredAt) };
}
