// The website widget inside a PBX queue: widget keys (admin), and the public intake that does rate
// limits, deduplication, status-token issue and job creation in ONE Durable Object call, so a 2xx
// means the job, its token and the counters are all on disk. Called only by pbx-queue.ts.
// Invariant: widget jobs always ring the operator first, whatever the widget's configured direction.
import { FINAL_STATUSES, type CallbackRequest, type JobStatus } from '../../shared/jobs.js';
import type { NumberRefusal } from '../../shared/numbering/number-refusal.js';
import type { PbxSettings } from '../../shared/pbx.js';
import { widgetConfig, type WidgetConfig, type WidgetState, type WidgetView } from '../../shared/widget.js';
import { sha256Hex } from '../auth/tokens.js';
import { firstExceeded, windowStart, type LimitCheck } from '../widget/rate-limit.js';
import type { CreateResult } from './job-desk.js';
import type { JobStore } from './job-store.js';
import { gateNumberFrom, policyOf } from './number-gate.js';
import type { WidgetKeyRow, WidgetStore } from './widget-store.js';

export interface WidgetCallbackInput {
  widgetKey: string;
  /** As the visitor typed it; read by the widget's country, judged by the PBX's numbering policy. */
  phone: string;
  ipHash: string;
  /** Hash of the status token the route issued for this request. */
  tokenHash: string;
  /** Next opening of the widget's working hours when it is closed now (ms), else null. */
  notBefore: number | null;
}

export type WidgetCallbackResult =
  | { kind: 'created' | 'existing'; state: WidgetState }
  | { kind: 'rate-limited'; scope: 'ip' | 'number' | 'widget'; retryAfterSec: number }
  | NumberRefusal
  | { kind: 'unknown-widget' };

/** Counters older than the longest window (one day) are of no use. */
const LONGEST_WINDOW_MS = 86_400_000;

export class WidgetIntake {
  constructor(
    private readonly widgets: WidgetStore,
    private readonly jobs: JobStore,
    private readonly createCallback: (request: CallbackRequest, requestHash: string) => Promise<CreateResult>,
    private readonly settings: () => PbxSettings | undefined,
  ) {}

  config(key: string): WidgetConfig | undefined {
    const row = this.widgets.widget(key);
    // Stored by us after validation; parsing again keeps a corrupted row from being trusted.
    return row === undefined ? undefined : widgetConfig.parse(JSON.parse(row.config));
  }

  async intake(input: WidgetCallbackInput, now: number): Promise<WidgetCallbackResult> {
    const config = this.config(input.widgetKey);
    const settings = this.settings();
    if (config === undefined || settings === undefined) return { kind: 'unknown-widget' };
    // Judged before any counter moves: a refused number creates nothing.
    const judged = gateNumberFrom(policyOf(settings), input.phone, config.defaultCountry, 'phone');
    if (!judged.ok) return judged.refusal;
    const e164 = judged.value.e164;
    const numberHash = await sha256Hex(`number:${e164}`);
    this.widgets.pruneCounters(now - LONGEST_WINDOW_MS);
    const limits = config.rateLimits;
    const ip: LimitCheck = { bucket: `ip:${input.ipHash}`, limit: limits.perIp };
    const ipVerdict = firstExceeded([ip], now, (b, w) => this.widgets.count(b, w));
    if (!ipVerdict.ok) return { kind: 'rate-limited', scope: 'ip', retryAfterSec: ipVerdict.retryAfterSec };
    this.count(ip, now);
    const pending = this.pendingJobFor(numberHash);
    if (pending !== undefined) {
      // No token to that job and not its progress: whoever asks again (anyone who knows the number)
      // learns only that a callback is pending, never how the other request's call is going.
      return { kind: 'existing', state: 'queued' };
    }
    const number: LimitCheck = { bucket: `num:${numberHash}`, limit: limits.perNumber };
    const widget: LimitCheck = { bucket: `wid:${input.widgetKey}`, limit: limits.perWidget };
    const verdict = firstExceeded([number, widget], now, (b, w) => this.widgets.count(b, w));
    if (!verdict.ok) return { kind: 'rate-limited', scope: verdict.bucket === number.bucket ? 'number' : 'widget', retryAfterSec: verdict.retryAfterSec };
    const created = await this.createCallback(this.request(config, input, e164, now), `widget:${numberHash}`);
    if (created.kind === 'number-refused') return created.field === 'customer' ? { ...created, field: 'phone' } : created;
    if (created.kind !== 'created' && created.kind !== 'existing') return { kind: 'unknown-widget' };
    this.widgets.insertWidgetJob(created.job.id, input.widgetKey, numberHash, now);
    this.widgets.insertToken(input.tokenHash, created.job.id, input.widgetKey, now);
    this.count(number, now);
    this.count(widget, now);
    return { kind: 'created', state: this.stateOf(created.job.id) };
  }

  /** The coarse state for a token, with the origins that may read it; undefined for an unknown token. */
  status(tokenHash: string): { state: WidgetState; origins: string[] } | undefined {
    const target = this.widgets.tokenTarget(tokenHash);
    if (target === undefined) return undefined;
    return { state: this.stateOf(target.job_id), origins: this.config(target.widget_key)?.origins ?? [] };
  }

  private request(config: WidgetConfig, input: WidgetCallbackInput, e164: string, now: number): CallbackRequest {
    const request: CallbackRequest = {
      customer: e164,
      operator: config.operator,
      // Toll-fraud rule: a public endpoint never makes the PBX dial an outside number first.
      direction: 'operator-first',
      callerId: config.callerId,
      metadata: { source: 'widget', widget: this.widgets.widget(input.widgetKey)?.id ?? null },
    };
    if (input.notBefore !== null && input.notBefore > now) {
      request.notBefore = new Date(input.notBefore).toISOString();
      request.expiresAt = new Date(input.notBefore + (this.settings()?.jobTtlSec ?? 3600) * 1000).toISOString();
    }
    return request;
  }

  /** The number's widget job that is not final yet, if any (dedup: one pending callback per number). */
  private pendingJobFor(numberHash: string): string | undefined {
    const latest = this.widgets.latestJobFor(numberHash);
    const job = latest === undefined ? undefined : this.jobs.job(latest);
    return job !== undefined && !FINAL_STATUSES.has(job.status) ? job.id : undefined;
  }

  private count(check: LimitCheck, now: number): void {
    this.widgets.increment(check.bucket, windowStart(now, check.limit));
  }

  private stateOf(jobId: string): WidgetState {
    const job = this.jobs.job(jobId);
    if (job === undefined) return 'failed';
    const final: Partial<Record<JobStatus, WidgetState>> = { succeeded: 'connected', failed: 'failed', expired: 'failed', cancelled: 'cancelled' };
    const done = final[job.status];
    if (done !== undefined) return done;
    const open = this.jobs.openAttemptOf(jobId)?.status;
    // Operator-first: `ringing` means the operator answered and the visitor's phone is being dialled.
    if (open === 'answered') return 'connected';
    if (open === 'ringing') return 'calling';
    return 'queued';
  }
}

export function widgetView(pbx: string, row: WidgetKeyRow): WidgetView {
  const { turnstile, ...config } = widgetConfig.parse(JSON.parse(row.config));
  return {
    id: row.id, key: row.key, pbx, createdAt: new Date(row.created_at).toISOString(),
    ...config,
    turnstile: turnstile === undefined ? null : { siteKey: turnstile.siteKey },
  };
}
