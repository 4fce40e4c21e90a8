// The amoCRM (Kommo) adapter inside a PBX queue: keeps the connection (its token sealed with the
// Worker's AMOCRM_TOKEN_KEY, the click-to-call secret as a hash), turns a verified click-to-call into
// an operator-first callback from the user's extension, and writes every finished job of the chosen
// sources to POST https://<subdomain>.<domain>/api/v4/calls through the outbox, paced to amoCRM's
// 7 requests per second; a 401 marks the connection broken until a new token is PUT.
// Used by callers.ts. Invariant: the token is opened only to send it, never stored in a delivery,
// returned or logged; the secret is compared in constant time before anything else is read.
import type { AmoClickToCall, AmoCrmConfig, AmoCrmView, JobSource } from '../../shared/amocrm.js';
import { idempotencyKey, type CallbackRequest, type JobView } from '../../shared/jobs.js';
import type { StatusEventType } from '../../shared/webhooks.js';
import { open, seal, sealKey, type SealKeyProblem } from '../auth/sealed-secret.js';
import { newToken, secretsEqual, sha256Hex } from '../auth/tokens.js';
import { log } from '../log.js';
import { amoCallEntry, amoCallsUrl, loggedAttempt } from './amocrm-call.js';
import type { DeliveryRow, HookStore } from './hook-store.js';
import type { ClickToCallResult, CreateResult } from './job-desk.js';
import { jobSource } from './job-source.js';
import type { CrmWriteBacks, Deferral, Hold, Prepared, WriteBack } from './outbox.js';
import { SendPacer } from './send-pacer.js';

export type AmoSaveResult =
  | { kind: 'saved'; view: AmoCrmView; clickToCallSecret?: string }
  | { kind: 'token-required' }
  | { kind: 'key-unavailable'; problem: SealKeyProblem };
/** The queue's amoCRM admin entry point takes these (one RPC method keeps the router short). */
export type AmoCrmCall =
  | { op: 'save'; config: AmoCrmConfig }
  | { op: 'view' }
  | { op: 'remove' }
  | { op: 'rotate-secret' };
export type AmoCrmAnswer =
  | AmoSaveResult
  | { kind: 'no-pbx' }
  | { kind: 'view'; view: AmoCrmView }
  | { kind: 'secret'; clickToCallSecret: string }
  | { kind: 'removed' }
  | { kind: 'not-configured' };
export interface AmoCrmStatus {
  state: AmoCrmView['state'];
  brokenAt: string | null;
  brokenReason: string | null;
}

export interface AmoCrmDeps {
  store: HookStore;
  /** The job's idempotency key (which says whether it came in as a signed webhook). */
  idempotencyKey: (jobId: string) => string | null;
  create: (request: CallbackRequest, key: string, hash: string) => Promise<CreateResult>;
  pbx: () => string;
  /** AMOCRM_TOKEN_KEY, the Worker secret the token is sealed with. */
  tokenKey: () => string | undefined;
  /** Test-only stand-in origin (AMOCRM_API_BASE_URL, set by the test harness); honoured only on loopback. */
  apiBaseOverride: () => string | undefined;
}

interface Stored {
  subdomain: string;
  domain: AmoCrmConfig['domain'];
  users: Record<string, string>;
  sources: JobSource[];
  sealedToken: string;
  tokenHint: string;
  secretHash: string;
}

const KEY = 'amocrm';
const BROKEN_KEY = 'amocrm_broken';
const TYPE = 'amocrm.call';
const FINAL: ReadonlySet<StatusEventType> = new Set(['job.completed', 'job.failed', 'job.cancelled', 'job.expired']);
/** A broken connection is looked at again this often (and at once when a new token is PUT). */
const BROKEN_RECHECK_MS = 3_600_000;

export class AmoCrmDesk implements CrmWriteBacks {
  readonly types = [TYPE] as const;
  /** amoCRM's documented limit: 7 requests per second per account. */
  private readonly pacer = new SendPacer(7, 1000);

  constructor(private readonly d: AmoCrmDeps) {}

  async run(call: AmoCrmCall, now: number): Promise<AmoCrmAnswer> {
    const none = { kind: 'not-configured' } as const;
    switch (call.op) {
      case 'save':
        return this.save(call.config, now);
      case 'view': {
        const view = this.view();
        return view === undefined ? none : { kind: 'view', view };
      }
      case 'remove':
        return this.remove() ? { kind: 'removed' } : none;
      case 'rotate-secret': {
        const secret = await this.rotateSecret();
        return secret === undefined ? none : { kind: 'secret', clickToCallSecret: secret };
      }
    }
  }

  async save(input: AmoCrmConfig, now: number): Promise<AmoSaveResult> {
    const key = await sealKey(this.d.tokenKey());
    if (typeof key === 'string') return { kind: 'key-unavailable', problem: key };
    const old = this.stored();
    const sameAccount = old !== undefined && old.subdomain === input.subdomain && old.domain === input.domain;
    // A token belongs to one account: moving the connection to another one needs that account's token.
    if (input.token === undefined && !sameAccount) return { kind: 'token-required' };
    const secret = old === undefined ? newToken('amocrm-hook') : undefined;
    const next: Stored = {
      subdomain: input.subdomain, domain: input.domain, users: input.users, sources: input.sources,
      sealedToken: input.token === undefined ? (old?.sealedToken ?? '') : await seal(key, input.token, this.sealContext()),
      tokenHint: input.token === undefined ? (old?.tokenHint ?? '') : `…${input.token.slice(-4)}`,
      secretHash: secret === undefined ? (old?.secretHash ?? '') : await sha256Hex(secret),
    };
    this.d.store.setSetting(KEY, JSON.stringify(next));
    if (input.token !== undefined) {
      this.d.store.deleteSetting(BROKEN_KEY);
      // Calls held while the old token was refused go now, with the new one.
      this.d.store.bringForward(TYPE, now);
    }
    const view = this.view();
    if (view === undefined) throw new Error('the amoCRM connection was just saved');
    return secret === undefined ? { kind: 'saved', view } : { kind: 'saved', view, clickToCallSecret: secret };
  }

  /** A new click-to-call secret (shown once); the old one stops at once. Undefined without a connection. */
  async rotateSecret(): Promise<string | undefined> {
    const old = this.stored();
    if (old === undefined) return undefined;
    const secret = newToken('amocrm-hook');
    this.d.store.setSetting(KEY, JSON.stringify({ ...old, secretHash: await sha256Hex(secret) }));
    return secret;
  }

  remove(): boolean {
    this.d.store.deleteSetting(BROKEN_KEY);
    return this.d.store.deleteSetting(KEY);
  }

  view(): AmoCrmView | undefined {
    const s = this.stored();
    if (s === undefined) return undefined;
    return { subdomain: s.subdomain, domain: s.domain, tokenHint: s.tokenHint, users: s.users, sources: s.sources, ...this.statusOf() };
  }

  status(): AmoCrmStatus | null {
    return this.stored() === undefined ? null : this.statusOf();
  }

  async clickToCall(secret: string, req: AmoClickToCall): Promise<ClickToCallResult> {
    const s = this.stored();
    if (s === undefined || !(await secretsEqual(await sha256Hex(secret), s.secretHash))) return { kind: 'unauthorized' };
    const extension = s.users[req.userId];
    if (extension === undefined) return { kind: 'unknown-user' };
    // The card's number as amoCRM shows it: the queue's admission reads it by the PBX's numbering plan.
    const request: CallbackRequest = {
      customer: req.phone, operator: { extension }, direction: 'operator-first', callerId: 'amoCRM',
      metadata: { source: 'amocrm', amocrmUserId: req.userId },
    };
    // Its own idempotency namespace: a click id can never meet an API client's or a webhook's key.
    return this.d.create(request, idempotencyKey.amocrm(req.requestId), await sha256Hex(JSON.stringify(request)));
  }

  // ── write-backs (CrmWriteBacks) ────────────────────────────────────────────────────────────

  watchesAllJobs(): boolean {
    return (this.stored()?.sources.length ?? 0) > 0;
  }

  writeBack(job: JobView, type: StatusEventType): WriteBack | undefined {
    const s = this.stored();
    if (s === undefined || !FINAL.has(type) || !s.sources.includes(jobSource(job, this.d.idempotencyKey(job.id)))) return undefined;
    const attempt = loggedAttempt(job);
    if (attempt === undefined) return undefined;
    const entry = amoCallEntry(job, attempt, responsibleUser(s, job));
    // One id per job: whatever events repeat, the call is enqueued once; `uniq` names the attempt to amoCRM.
    return { id: `${job.id}.amocrm-call`, type: TYPE, url: this.callsUrl(s), payload: JSON.stringify([entry]) };
  }

  prepare(row: DeliveryRow): Prepared | Deferral | Hold | Promise<Prepared | Deferral | Hold> {
    const s = this.stored();
    if (s === undefined) return { error: 'the amoCRM connection was removed', permanent: true };
    const now = Date.now();
    if (this.d.store.setting(BROKEN_KEY) !== undefined) return { holdUntil: now + BROKEN_RECHECK_MS };
    const slot = this.pacer.take(`${s.subdomain}.${s.domain}`, now);
    if (!slot.ok) return { holdUntil: slot.retryAt };
    return this.withToken(s, row);
  }

  answered(): Deferral | undefined {
    return undefined;
  }

  refused(row: DeliveryRow, statusCode: number): void {
    if (statusCode !== 401) return;
    const at = Date.now();
    this.d.store.setSetting(BROKEN_KEY, JSON.stringify({ at, reason: 'amoCRM answered 401: the token is invalid, expired or revoked; PUT a new one' }));
    log('warn', 'amoCRM refused the token; write-backs wait for a new one', { pbx: this.d.pbx(), delivery: row.id, statusCode });
  }

  private async withToken(s: Stored, row: DeliveryRow): Promise<Prepared | Deferral> {
    const key = await sealKey(this.d.tokenKey());
    if (typeof key === 'string') return { error: `the AMOCRM_TOKEN_KEY Worker secret is ${key}`, permanent: false };
    const token = await open(key, s.sealedToken, this.sealContext());
    if (token === undefined) return { error: 'the stored amoCRM token does not open with AMOCRM_TOKEN_KEY (was the key changed?): PUT the token again', permanent: false };
    return { payload: row.payload, url: this.callsUrl(s), headers: { authorization: `Bearer ${token}` } };
  }

  private callsUrl(s: Stored): string {
    return amoCallsUrl(s.subdomain, s.domain, this.d.apiBaseOverride());
  }

  private statusOf(): AmoCrmStatus {
    const raw = this.d.store.setting(BROKEN_KEY);
    if (raw === undefined) return { state: 'connected', brokenAt: null, brokenReason: null };
    const b = JSON.parse(raw) as { at: number; reason: string };
    return { state: 'broken', brokenAt: new Date(b.at).toISOString(), brokenReason: b.reason };
  }

  private stored(): Stored | undefined {
    const raw = this.d.store.setting(KEY);
    return raw === undefined ? undefined : (JSON.parse(raw) as Stored);
  }

  /** Bound into the seal: a token sealed for one PBX does not open as another's. */
  private sealContext(): string {
    return `amocrm-token:${this.d.pbx()}`;
  }
}

/** The amoCRM user a call belongs to: who clicked, else the user mapped to the job's extension. */
function responsibleUser(s: Stored, job: JobView): number | undefined {
  const clicked = job.request.metadata?.amocrmUserId;
  if (typeof clicked === 'string' && s.users[clicked] !== undefined) return Number(clicked);
  const operator = job.request.operator;
  if (!('extension' in operator)) return undefined;
  const mapped = Object.entries(s.users).find(([, ext]) => ext === operator.extension)?.[0];
  return mapped === undefined ? undefined : Number(mapped);
}
