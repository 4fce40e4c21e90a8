// Turns due campaign contacts into jobs on the PBX's queue and finished jobs back into contact
// states. Every call of a campaign is a job with one attempt on the existing spine (offer, fence,
// journal), so it has the guarantees of a callback; the campaign's own retry rules, window and
// budgets decide whether another job follows. Called by the campaign desk on every pump.
// Invariant: a campaign never has more contacts `calling` (each holds one job) than maxConcurrent;
// the PBX's own maxConcurrentCalls is applied by the dispatcher on top.
import { FINAL_STATUSES, callbackRequest, type CallbackRequest } from '../../shared/jobs.js';
import type { PbxSettings } from '../../shared/pbx.js';
import type { CampaignRequest } from '../../shared/campaigns.js';
import type { CallbackPlan } from '../../shared/relay-protocol.js';
import { newId } from '../auth/tokens.js';
import { callbackPlan } from '../pbx-queue/call-plan.js';
import type { JobStore } from '../pbx-queue/job-store.js';
import type { CampaignRow, CampaignStore, ContactRow } from './campaign-store.js';
import { contactStep } from './contact-retry.js';
import { isOpen, localTime, nextLocalMidnight, nextOpening } from './schedule.js';

/** A campaign job not taken by the relay within this long expires; its contact goes back to pending at no cost. */
export const JOB_WAIT_MS = 120_000;
/** Due contacts looked at per campaign and pump: bounds the work of one turn of the Durable Object. */
const SCAN_PER_PUMP = 50;

/** Variables every campaign call carries, for the robot's UserEvent (README). */
export const CAMPAIGN_VARIABLE = 'PEREZVON_CAMPAIGN';
export const CONTACT_VARIABLE = 'PEREZVON_CONTACT';

export class CampaignDialer {
  /** New calls per campaign in the current second: maxPerSecond. In memory: after a restart the budget starts afresh. */
  private readonly second = new Map<string, { at: number; n: number }>();
  /** The earliest instant the last pump left work for (a throttled second, an unfinished scan). */
  private soon: number | undefined;

  constructor(
    private readonly store: CampaignStore,
    private readonly jobs: JobStore,
    private readonly settings: () => PbxSettings | undefined,
  ) {}

  /** Contacts whose job ended get their next state; returns how many. Costs the campaign's live calls, never its list. */
  reconcile(c: CampaignRow, spec: CampaignRequest, now: number): number {
    let done = 0;
    for (const contact of this.store.calling(c.id)) {
      const job = contact.job_id === null ? undefined : this.jobs.job(contact.job_id);
      if (job !== undefined && !FINAL_STATUSES.has(job.status)) continue;
      const attempt = job === undefined || job.attempts_used === 0 ? undefined : this.jobs.attemptsOf(job.id).at(-1);
      const call = attempt?.outcome == null || attempt.certainty === null ? undefined : { outcome: attempt.outcome, certainty: attempt.certainty, attempts: contact.attempts + 1 };
      const step = contactStep(call, spec.retry, now);
      const attempts = contact.attempts + (call === undefined ? 0 : 1);
      const attemptsDay = contact.attempts_day + (call === undefined ? 0 : 1);
      if (call !== undefined && attempt !== undefined) this.store.tallyCall(c.id, call.outcome === 'answered', attempt.duration_ms ?? 0, call.outcome, attempt.cause);
      const base = { attempts, attemptsDay, outcome: call?.outcome ?? null, cause: attempt?.cause ?? null };
      if (step.state === 'pending' && c.state === 'stopped') this.store.endCall(contact.id, { ...base, state: 'cancelled', nextAt: null, note: 'the campaign was stopped' }, now);
      else if (step.state === 'pending') this.store.endCall(contact.id, { ...base, state: 'pending', nextAt: step.nextAt, note: null }, now);
      else {
        this.store.endCall(contact.id, { ...base, state: step.state, nextAt: null, note: step.state === 'failed' ? step.reason : null }, now);
        // Logged on the job like its other events, so the outbox reports it to the campaign's receiver, signed.
        if (job !== undefined) {
          const data = { campaignId: c.id, contactId: contact.id, number: contact.number, state: step.state, attempts };
          this.jobs.addEvent(job.id, attempt?.id ?? null, 'contact-completed', data, now);
        }
      }
      done++;
    }
    return done;
  }

  /** Starts calls for due contacts of a running campaign, within its limits and windows. */
  dial(c: CampaignRow, spec: CampaignRequest, now: number): void {
    const settings = this.settings();
    if (settings === undefined) return;
    const sec = Math.floor(now / 1000);
    const used = this.second.get(c.id);
    const inSecond = used !== undefined && used.at === sec ? used.n : 0;
    let room = Math.min(spec.limits.maxConcurrent - this.store.countInState(c.id, 'calling'), spec.limits.maxPerSecond - inSecond);
    if (room <= 0) {
      if (inSecond >= spec.limits.maxPerSecond) this.wakeAt((sec + 1) * 1000);
      return;
    }
    const due = this.store.dueContacts(c.id, now, SCAN_PER_PUMP);
    let started = 0;
    for (const contact of due) {
      if (room <= 0) break;
      if (this.dialable(contact, spec, now) && this.startCall(c, spec, contact, settings, now)) {
        room--;
        started++;
      }
    }
    this.second.set(c.id, { at: sec, n: inSecond + started });
    if (due.length === SCAN_PER_PUMP && room > 0) this.wakeAt(now + 50);
    else if (room <= 0 && inSecond + started >= spec.limits.maxPerSecond) this.wakeAt((sec + 1) * 1000);
  }

  /** The instant the last pumps asked to be woken at, consumed. */
  takeSoon(): number | undefined {
    const t = this.soon;
    this.soon = undefined;
    return t;
  }

  /** A withdrawn (paused, stopped) campaign's jobs that no relay holds yet are cancelled; their contacts go back at no cost. */
  withdrawQueued(c: CampaignRow, now: number): void {
    for (const contact of this.store.calling(c.id)) {
      const job = contact.job_id === null ? undefined : this.jobs.job(contact.job_id);
      if (job?.status !== 'queued') continue;
      this.jobs.setJobStatus(job.id, 'cancelled', now, `the campaign was ${c.state}`);
      this.jobs.addEvent(job.id, null, 'cancelled', undefined, now);
    }
  }

  /** Whether the contact may be called now; if not, it is parked until it may or ended if it never may. */
  private dialable(contact: ContactRow, spec: CampaignRequest, now: number): boolean {
    if (this.store.isDnc(contact.number)) {
      this.store.finishPending(contact.id, 'dnc', 'on the do-not-call list', now);
      return false;
    }
    if (!isOpen(spec.schedule, now, contact.time_zone)) {
      const opens = nextOpening(spec.schedule, now, contact.time_zone);
      if (opens === undefined) this.store.finishPending(contact.id, 'failed', 'the schedule never opens in the contact\'s time zone', now);
      else this.store.park(contact.id, opens, now);
      return false;
    }
    const today = localTime(now, contact.time_zone).date;
    if (contact.day === today && contact.attempts_day >= spec.retry.maxAttemptsPerDay) {
      this.store.park(contact.id, nextLocalMidnight(now, contact.time_zone), now, 'daily attempts used');
      return false;
    }
    return true;
  }

  private startCall(c: CampaignRow, spec: CampaignRequest, contact: ContactRow, settings: PbxSettings, now: number): boolean {
    const variables = { ...spec.variables, ...(JSON.parse(contact.variables) as Record<string, string>) };
    const target = spec.target;
    const parsed = callbackRequest.safeParse({
      customer: contact.number,
      operator: 'queue' in target ? { queue: target.queue } : { extension: 'exten' in target ? target.exten : target.extension },
      direction: spec.direction,
      callerId: spec.name.slice(0, 64).replace(/[^\p{L}\p{M}\p{N} _.:@+*#/()!?'-]/gu, ' ').trim() || 'Campaign',
      retry: { maxAttempts: 1, backoffSec: [60], retryOn: [] },
      variables,
      // `source` is what the CRM write-back filters read (worker/pbx-queue/job-source.ts).
      metadata: { source: 'campaign', campaign: c.id, contact: contact.id },
      ...(spec.statusCallbackUrl === undefined ? {} : { statusCallbackUrl: spec.statusCallbackUrl }),
    });
    if (!parsed.success) {
      // Checked at import and creation; a contact that still does not make a valid request can never be called.
      this.store.finishPending(contact.id, 'failed', `cannot be dialled: ${parsed.error.issues[0]?.message ?? 'invalid'}`, now);
      return false;
    }
    const request: CallbackRequest = parsed.data;
    const pool = spec.callerIdPool;
    const number = pool[this.store.takeCallerIdTurn(c.id) % pool.length] ?? pool[0]!;
    // The numbering judge, as at dispatch (the dispatcher judges the customer again then).
    const planned = callbackPlan(request, settings);
    if (!planned.ok) {
      this.store.finishPending(contact.id, 'failed', planned.message, now);
      return false;
    }
    const base = planned.plan;
    const plan: CallbackPlan = {
      ...base,
      customerCallerId: { ...(settings.customerCallerId?.name === undefined ? {} : { name: settings.customerCallerId.name }), number },
      // Ours, so set on the plan: a request may not set PEREZVON_ names (shared/reserved-variables.ts).
      variables: { ...base.variables, [CAMPAIGN_VARIABLE]: c.id, [CONTACT_VARIABLE]: contact.id },
      // A dialplan destination is dialled like an extension, in its own context.
      contexts: 'context' in target ? { ...base.contexts, operator: target.context } : base.contexts,
    };
    const jobId = newId('job_');
    this.jobs.insertJob({
      id: jobId, type: 'campaign', status: 'queued', request: JSON.stringify(request), idempotency_key: null,
      request_hash: `${c.id}.${contact.id}.${contact.attempts + 1}`, requested_at: now, not_before: null, run_at: now,
      expires_at: now + JOB_WAIT_MS, max_attempts: 1, updated_at: now, plan: JSON.stringify(plan),
    });
    this.jobs.addEvent(jobId, null, 'queued', undefined, now);
    const today = localTime(now, contact.time_zone).date;
    this.store.startCall(contact.id, jobId, today, contact.day === today ? contact.attempts_day : 0, now);
    return true;
  }

  private wakeAt(t: number): void {
    this.soon = this.soon === undefined ? t : Math.min(this.soon, t);
  }
}
