// Missed calls → callbacks for one PBX: applies the policy to each missed call (reported by the relay
// or the webhook), keeping one pending callback job per number whose run time follows the latest
// missed call (delay, then working hours), and cancels it when the number gets through. Used by
// pbx-queue.ts. Invariant: only a job still `queued` is moved or cancelled; one already dialling runs on.
import { FINAL_STATUSES, type CallbackRequest } from '../../shared/jobs.js';
import { missedCallPolicy, type MissedCallPolicy, type MissedCallView } from '../../shared/missed-calls.js';
import type { PbxSettings } from '../../shared/pbx.js';
import type { QueueFrame, RelayFrame } from '../../shared/relay-protocol.js';
import { newId } from '../auth/tokens.js';
import { numberKey } from '../phone/number-key.js';
import { nextOpening } from '../widget/working-hours.js';
import type { HookStore } from './hook-store.js';
import type { JobStore } from './job-store.js';
import type { MissedCallRow, MissedCallStore } from './missed-call-store.js';
import type { CreateResult } from './job-desk.js';

export interface MissedCallDeps {
  calls: MissedCallStore;
  hooks: HookStore;
  jobs: JobStore;
  settings: () => PbxSettings | undefined;
  create: (request: CallbackRequest) => Promise<CreateResult>;
  cancel: (jobId: string) => Promise<void>;
}

export type MissedCallOutcome =
  | { kind: 'created' | 'merged'; missedCall: MissedCallView }
  | { kind: 'ignored'; reason: string };

type RelayReport = Extract<RelayFrame, { type: 'missed-call' | 'call-connected' }>;

/** How long a relay report's Uniqueid is remembered: longer than any relay keeps a report it could not send. */
const REPORT_MEMORY_MS = 24 * 3600_000;

export class MissedCallDesk {
  constructor(private readonly d: MissedCallDeps) {}

  policy(): MissedCallPolicy | undefined {
    const raw = this.d.hooks.setting('missed_call_policy');
    return raw === undefined ? undefined : missedCallPolicy.parse(JSON.parse(raw));
  }

  savePolicy(p: MissedCallPolicy): void {
    this.d.hooks.setSetting('missed_call_policy', JSON.stringify(p));
  }

  /** What the relay should watch; sent after every hello and after a policy change. */
  watchFrame(): Extract<QueueFrame, { type: 'missed-calls.watch' }> {
    const p = this.policy();
    const s = this.d.settings();
    return {
      type: 'missed-calls.watch', enabled: p?.enabled ?? false,
      watch: p?.watch ?? { queues: [], extensions: [], dids: [], inboundContexts: ['from-trunk', 'from-pstn'] },
      operatorContexts: s === undefined ? [] : [...new Set([s.operatorContext, s.customerContext])],
    };
  }

  /** A report from the relay, which sends it again after a reconnect if it is unsure it arrived: each counts once. */
  async relayReport(frame: RelayReport, now: number): Promise<void> {
    if (!this.d.hooks.markSeen('relay', `${frame.type}:${frame.uniqueid}`, now, now - REPORT_MEMORY_MS)) return;
    if (frame.type === 'missed-call') await this.missed(frame.caller, frame.target, frame.at, now);
    else await this.connected(frame.number, frame.direction);
  }

  async missed(caller: string, target: string | null, at: number, now: number): Promise<MissedCallOutcome> {
    const policy = this.policy();
    if (policy === undefined || !policy.enabled) return { kind: 'ignored', reason: 'no missed-call policy is enabled for this PBX' };
    const runAt = this.runAt(policy, at, now);
    const key = numberKey(caller, policy.defaultCountry);
    const pending = this.pending(key);
    if (pending !== undefined) {
      this.d.calls.merge(pending.id, at, target);
      const job = pending.job_id === null ? undefined : this.d.jobs.job(pending.job_id);
      // Another missed call restarts the wait, so the callback never crosses a customer still trying.
      if (job?.status === 'queued') this.d.jobs.requeueJob(job.id, Math.max(job.run_at, runAt), now, null);
      return { kind: 'merged', missedCall: this.mustView(pending.id) };
    }
    const settings = this.d.settings();
    const result = await this.d.create({
      customer: caller, operator: policy.operator, direction: policy.direction, callerId: policy.callerId,
      notBefore: new Date(runAt).toISOString(),
      expiresAt: new Date(runAt + (settings?.jobTtlSec ?? 3600) * 1000).toISOString(),
      retry: { ...(settings?.retry ?? { backoffSec: [60, 300, 900], retryOn: ['busy', 'no-answer', 'congestion'] }), maxAttempts: policy.maxAttempts },
      metadata: { source: 'missed-call', ...(target === null ? {} : { target }) },
      ...(policy.statusCallbackUrl === undefined ? {} : { statusCallbackUrl: policy.statusCallbackUrl }),
    });
    if (result.kind === 'number-refused') return { kind: 'ignored', reason: `${result.field}: ${result.message}` };
    if (result.kind !== 'created' && result.kind !== 'existing') return { kind: 'ignored', reason: result.kind };
    const id = newId('mc_');
    this.d.calls.insert({ id, number: caller, number_key: key, target, count: 1, first_at: at, last_at: at, status: 'pending', job_id: result.job.id, reason: null });
    return { kind: 'created', missedCall: this.mustView(id) };
  }

  /** The number got through (answered inbound call, or an operator reached it): drop its pending callback. */
  async connected(number: string, direction: 'inbound' | 'outbound'): Promise<boolean> {
    const pending = this.pending(numberKey(number, this.policy()?.defaultCountry ?? '7'));
    const job = pending?.job_id == null ? undefined : this.d.jobs.job(pending.job_id);
    if (pending === undefined || job?.status !== 'queued') return false;
    this.d.calls.end(pending.id, 'cancelled', direction === 'inbound' ? 'the customer called again and was answered' : 'an operator called the customer');
    await this.d.cancel(job.id);
    return true;
  }

  list(limit: number): MissedCallView[] {
    return this.d.calls.recent(limit).map((r) => this.view(r));
  }

  private runAt(policy: MissedCallPolicy, at: number, now: number): number {
    const after = Math.max(now, at + policy.delaySec * 1000);
    return policy.workingHours === undefined ? after : nextOpening(policy.workingHours, after) ?? after;
  }

  /** The number's pending row, if its job has not ended yet (an ended job closes the row as `called`). */
  private pending(key: string): MissedCallRow | undefined {
    const row = this.d.calls.pendingFor(key);
    if (row === undefined) return undefined;
    const job = row.job_id === null ? undefined : this.d.jobs.job(row.job_id);
    if (job !== undefined && !FINAL_STATUSES.has(job.status)) return row;
    this.d.calls.end(row.id, job?.status === 'cancelled' ? 'cancelled' : 'called', job?.last_error ?? null);
    return undefined;
  }

  private view(r: MissedCallRow): MissedCallView {
    return {
      id: r.id, number: r.number, target: r.target, count: r.count,
      firstAt: new Date(r.first_at).toISOString(), lastAt: new Date(r.last_at).toISOString(),
      status: r.status, jobId: r.job_id, reason: r.reason,
    };
  }

  private mustView(id: string): MissedCallView {
    const row = this.d.calls.byId(id);
    if (row === undefined) throw new Error(`missed call ${id} vanished`);
    return this.view(row);
  }
}
