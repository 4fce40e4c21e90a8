// The status-callback outbox of a PBX queue. `collect` turns new job_events rows (written by the
// dispatcher and the queue at every transition) into delivery rows, one per event, with a stable id
// `${jobId}.${eventSeq}`; `deliverDue` POSTs due ones, signed the Standard Webhooks way, and records
// every attempt, retrying on the configured backoff. Called by pbx-queue.ts (after each entry point,
// and from the alarm). CRM write-backs (Bitrix24, amoCRM) go through the same rows, each owned by its
// adapter. Invariant: at least once — a row leaves `pending` only after a 2xx or after its last
// attempt, and is leased (next_at pushed past the timeout) before each POST; a row an adapter holds
// (paced, or its connection broken) is only moved later, no attempt spent.
import { FINAL_STATUSES, type JobView } from '../../shared/jobs.js';
import {
  STATUS_EVENT_TYPES, statusCallbackSettings, WRITE_BACK_TYPES, type DeliveryView, type StatusCallbackSettings, type StatusEvent, type StatusEventType, type WriteBackType,
} from '../../shared/webhooks.js';
import { callbackUrlProblem } from '../webhooks/callback-url.js';
import { sign } from '../webhooks/standard-webhooks.js';
import type { DeliveryRow, HookStore } from './hook-store.js';
import type { JobEventRow, JobStore } from './job-store.js';

const EVENT_TYPES: Record<string, StatusEventType | 'ended'> = {
  queued: 'job.queued', originating: 'job.dialling', ringing: 'job.ringing', answered: 'job.answered',
  ended: 'ended', cancelled: 'job.cancelled', expired: 'job.expired',
  'contact-completed': 'campaign.contact.completed',
  // A due job whose number the PBX's settings refuse by then: it ends failed, without an attempt.
  refused: 'ended',
};
const FINAL_TYPES: Record<string, StatusEventType> = { succeeded: 'job.completed', failed: 'job.failed', cancelled: 'job.cancelled', expired: 'job.expired' };
const BATCH = 500;
const PARALLEL = 8;

interface PostOutcome {
  statusCode: number | null;
  error: string | null;
  permanent: boolean;
}

export interface OutboxDeps {
  store: HookStore;
  /** Its event log is the outbox's input. */
  jobs: JobStore;
  /** The job as the API shows it now (the event's consequences included). */
  view: (jobId: string) => JobView | undefined;
  allowPrivate: () => boolean;
  /** CRM write-backs (Bitrix24, amoCRM), delivered like status callbacks but as plain REST calls, unsigned. */
  crm: readonly CrmWriteBacks[];
}

export interface WriteBack {
  /** Stable per job and kind, so a write-back is enqueued once whatever events repeat. */
  id: string;
  type: WriteBackType;
  url: string;
  payload: string;
}

/** Not delivered now: why, and whether a later attempt can succeed. */
export interface Deferral {
  error: string;
  permanent: boolean;
}

/** Not now and not an attempt: try again at `until` (a CRM's rate limit, a connection waiting for a new token). */
export interface Hold {
  holdUntil: number;
}

/** What to send: the body, and where the adapter decides it at delivery time, the URL and headers. */
export interface Prepared {
  payload: string;
  url?: string;
  /** Never stored: a bearer token is read when the request is made. */
  headers?: Record<string, string>;
}

export interface CrmWriteBacks {
  /** The delivery types this adapter builds and prepares. */
  readonly types: readonly WriteBackType[];
  /** Whether every job may need a write-back (so none can be skipped as unwatched). */
  watchesAllJobs(): boolean;
  /** The write-back this job event calls for, if any. */
  writeBack(job: JobView, type: StatusEventType): WriteBack | undefined;
  /**
   * The request to make now (a finish needs the CALL_ID register answered with), or why not yet.
   * Whatever decides pacing must run before the first await: the outbox prepares rows in turn.
   */
  prepare(row: DeliveryRow): Prepared | Deferral | Hold | Promise<Prepared | Deferral | Hold>;
  /** The answer to a 2xx write-back; a Deferral if it lacks what later write-backs need. */
  answered(row: DeliveryRow, body: string): Deferral | undefined;
  /** A non-2xx answer, for an adapter that must act on it (a refused token). */
  refused?(row: DeliveryRow, statusCode: number): void;
}

const isWriteBack = (type: string): type is WriteBackType => (WRITE_BACK_TYPES as readonly string[]).includes(type);
/** Of a CRM's answer only this much is kept (register's is a few hundred bytes). */
const MAX_ANSWER = 64 * 1024;

export class Outbox {
  constructor(private readonly d: OutboxDeps) {}

  settings(): StatusCallbackSettings {
    const raw = this.d.store.setting('status_callbacks');
    return statusCallbackSettings.parse(raw === undefined ? {} : JSON.parse(raw));
  }

  saveSettings(s: StatusCallbackSettings): void {
    this.d.store.setSetting('status_callbacks', JSON.stringify(s));
  }

  /** Enqueues a delivery for every new reportable job event; returns how many were enqueued. */
  collect(now: number): number {
    const start = Number(this.d.store.setting('outbox_cursor') ?? '0');
    // Nothing new since the last scan (the common case on every entry point): no reads, no write.
    if (this.d.jobs.lastEventSeq() <= start) return 0;
    let cursor = start;
    let enqueued = 0;
    const defaultUrl = this.settings().url;
    const everyJob = defaultUrl !== null || this.d.crm.some((c) => c.watchesAllJobs());
    for (;;) {
      const events = this.d.jobs.eventsAfter(cursor, Object.keys(EVENT_TYPES), BATCH);
      for (const e of events) if (this.enqueue(e, defaultUrl, everyJob, now)) enqueued++;
      const last = events[events.length - 1];
      if (last !== undefined) cursor = last.seq;
      if (events.length < BATCH) break;
    }
    // Unreported kinds (offered, accepted, …) also move the cursor, so the scan never re-reads them.
    this.d.store.setSetting('outbox_cursor', String(Math.max(cursor, this.d.jobs.lastEventSeq())));
    return enqueued;
  }

  private enqueue(e: JobEventRow, defaultUrl: string | null, everyJob: boolean, now: number): boolean {
    if (!everyJob && !this.d.jobs.wantsDeliveries(e.job_id)) return false;
    const job = this.d.view(e.job_id);
    if (job === undefined) return false;
    const type = eventType(e, job);
    let wrote = false;
    for (const crm of this.d.crm) {
      const back = crm.writeBack(job, type);
      if (back === undefined) continue;
      this.d.store.insertDelivery({ id: back.id, job_id: job.id, type: back.type, url: back.url, payload: back.payload, next_at: now, created_at: now });
      wrote = true;
    }
    const url = job.request.statusCallbackUrl ?? defaultUrl;
    if (url === null) return wrote;
    const event: StatusEvent = {
      id: `${job.id}.${e.seq}`,
      type,
      timestamp: new Date(e.at).toISOString(),
      data: {
        pbx: job.pbx, jobId: job.id, sequence: e.seq, status: job.status,
        attempt: job.attempts.find((a) => a.id === e.attempt_id) ?? null,
        nextAttemptAt: job.nextAttemptAt, lastError: job.lastError, metadata: job.request.metadata ?? null,
        ...(type === 'campaign.contact.completed' && e.data !== null ? { campaignContact: JSON.parse(e.data) as StatusEvent['data']['campaignContact'] } : {}),
      },
    };
    this.d.store.insertDelivery({ id: event.id, job_id: job.id, type, url, payload: JSON.stringify(event), next_at: now, created_at: now });
    return true;
  }

  nextDueAt(): number | undefined {
    return this.d.store.nextDeliveryAt();
  }

  /**
   * POSTs every due delivery and records the outcome of each: jobs in parallel (a few at a time), a
   * job's own events one after another in sequence order, so a healthy receiver sees them in order.
   */
  async deliverDue(now: number): Promise<void> {
    const settings = this.settings();
    const byJob = new Map<string, DeliveryRow[]>();
    for (const row of this.d.store.dueDeliveries(now, 50)) byJob.set(row.job_id, [...(byJob.get(row.job_id) ?? []), row]);
    const lanes = [...byJob.values()];
    for (let i = 0; i < lanes.length; i += PARALLEL) {
      await Promise.all(lanes.slice(i, i + PARALLEL).map(async (rows) => {
        for (const row of rows.sort((a, b) => a.seq - b.seq)) await this.deliver(row, settings);
      }));
    }
  }

  private async deliver(row: DeliveryRow, s: StatusCallbackSettings): Promise<void> {
    const number = row.attempts + 1;
    const started = Date.now();
    // Leased: a second alarm (or a restart mid-request) retries it only after this attempt's timeout.
    this.d.store.lease(row.id, started + s.timeoutMs + 5_000);
    const outcome = await this.post(row, s);
    if ('holdUntil' in outcome) {
      this.d.store.lease(row.id, outcome.holdUntil);
      return;
    }
    // A 2xx whose answer lacks what is needed (register without a CALL_ID) carries an error: not delivered.
    const ok = outcome.error === null && outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300;
    const waitSec = s.backoffSec[number - 1];
    const status = ok ? 'delivered' : outcome.permanent || waitSec === undefined ? 'failed' : 'pending';
    const nextAt = status === 'pending' && waitSec !== undefined ? Date.now() + waitSec * 1000 : null;
    this.d.store.recordAttempt({ delivery_id: row.id, number, at: started, status_code: outcome.statusCode, error: outcome.error, duration_ms: Date.now() - started }, status, nextAt);
  }

  private async post(row: DeliveryRow, s: StatusCallbackSettings): Promise<PostOutcome | Hold> {
    if (isWriteBack(row.type)) return this.writeBack(row, s);
    const refused = callbackUrlProblem(row.url, this.d.allowPrivate());
    if (refused !== null) return { statusCode: null, error: `not called: ${refused}`, permanent: true };
    const secrets = this.d.store.secrets('outbound').map((r) => r.secret);
    if (secrets.length === 0) return { statusCode: null, error: 'no outbound webhook secret to sign with: create one (purpose outbound)', permanent: false };
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = await sign(secrets, row.id, timestamp, row.payload);
    return this.send(row, s, { 'webhook-id': row.id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature });
  }

  private async writeBack(row: DeliveryRow, s: StatusCallbackSettings): Promise<PostOutcome | Hold> {
    const crm = this.d.crm.find((c) => c.types.includes(row.type as WriteBackType));
    if (crm === undefined) return { statusCode: null, error: 'no CRM adapter for this write-back', permanent: true };
    const ready = await crm.prepare(row);
    if ('holdUntil' in ready) return ready;
    if ('error' in ready) return { statusCode: null, ...ready };
    const url = ready.url ?? row.url;
    const refused = callbackUrlProblem(url, this.d.allowPrivate());
    if (refused !== null) return { statusCode: null, error: `not called: ${refused}`, permanent: true };
    const outcome = await this.send({ ...row, url, payload: ready.payload }, s, ready.headers ?? {}, true);
    if (outcome.statusCode !== null && (outcome.statusCode < 200 || outcome.statusCode >= 300)) crm.refused?.(row, outcome.statusCode);
    const problem = outcome.error === null ? crm.answered(row, outcome.body ?? '') : undefined;
    return problem === undefined ? outcome : { ...outcome, ...problem };
  }

  private async send(row: DeliveryRow, s: StatusCallbackSettings, extra: Record<string, string>, readAnswer = false): Promise<PostOutcome & { body?: string }> {
    try {
      const res = await fetch(row.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Perezvon-Webhooks/1', ...extra },
        body: row.payload,
        signal: AbortSignal.timeout(s.timeoutMs),
        redirect: 'manual',
      });
      const body = readAnswer && res.ok ? (await res.text()).slice(0, MAX_ANSWER) : undefined;
      if (body === undefined) await res.body?.cancel();
      return { statusCode: res.status, error: res.ok ? null : `HTTP ${res.status}`, permanent: false, ...(body === undefined ? {} : { body }) };
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      return { statusCode: null, error: timedOut ? `no answer within ${s.timeoutMs} ms` : 'connection failed', permanent: false };
    }
  }

  deliveries(jobId: string): DeliveryView[] {
    return this.d.store.deliveriesOf(jobId).map((r) => ({
      id: r.id, jobId: r.job_id, type: isWriteBack(r.type) ? r.type : STATUS_EVENT_TYPES.find((t) => t === r.type) ?? 'job.queued', url: deliveryUrl(r), status: r.status,
      nextAttemptAt: r.status === 'pending' && r.next_at !== null ? new Date(r.next_at).toISOString() : null,
      createdAt: new Date(r.created_at).toISOString(),
      deliveredAt: r.delivered_at === null ? null : new Date(r.delivered_at).toISOString(),
      attempts: this.d.store.attemptsOf(r.id).map((a) => ({
        number: a.number, at: new Date(a.at).toISOString(), statusCode: a.status_code, error: a.error, durationMs: a.duration_ms,
      })),
    }));
  }
}

/** An `ended` attempt is the job's end when the job is final now, else a retry is coming. */
function eventType(e: JobEventRow, job: JobView): StatusEventType {
  const mapped = EVENT_TYPES[e.type] ?? 'job.queued';
  if (mapped !== 'ended') return mapped;
  return FINAL_STATUSES.has(job.status) ? (FINAL_TYPES[job.status] ?? 'job.failed') : 'job.retrying';
}

/** A write-back's URL carries the portal's webhook code: show its endpoint only. */
function deliveryUrl(r: DeliveryRow): string {
  if (!isWriteBack(r.type)) return r.url;
  const u = new URL(r.url);
  return `${u.origin}/…/${u.pathname.split('/').pop() ?? ''}`;
}
