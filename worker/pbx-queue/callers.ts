// The integrations that bring callers in and report back, for one PBX queue: signed inbound webhooks
// (hook-desk.ts), the status-callback outbox (outbox.ts) and missed-call callbacks
// (missed-call-desk.ts), the Bitrix24 adapter (bitrix24-desk.ts) and the amoCRM one (amocrm-desk.ts), built over the queue's SQLite and its job operations. pbx-queue.ts holds
// one lazily and keeps only thin RPC wrappers. Invariant: no SQL here; each part owns its store.
import type { CallbackRequest, JobView } from '../../shared/jobs.js';
import type { PbxSettings } from '../../shared/pbx.js';
import { AmoCrmDesk } from './amocrm-desk.js';
import { Bitrix24Desk } from './bitrix24-desk.js';
import { HookDesk } from './hook-desk.js';
import { HookStore } from './hook-store.js';
import type { JobStore } from './job-store.js';
import { MissedCallDesk } from './missed-call-desk.js';
import { MissedCallStore } from './missed-call-store.js';
import { Outbox } from './outbox.js';
import type { CreateResult } from './job-desk.js';

export interface CallersDeps {
  sql: SqlStorage;
  jobs: JobStore;
  settings: () => PbxSettings | undefined;
  view: (jobId: string) => JobView | undefined;
  allowPrivate: () => boolean;
  create: (request: CallbackRequest, idempotencyKey: string | null, hash: string) => Promise<CreateResult>;
  cancel: (jobId: string) => Promise<void>;
  /** The Worker secret AMOCRM_TOKEN_KEY and the tests' AMOCRM_API_BASE_URL (see amocrm-desk.ts). */
  amocrmEnv: () => { tokenKey: string | undefined; apiBase: string | undefined };
}

export class Callers {
  readonly store: HookStore;
  readonly hooks: HookDesk;
  readonly outbox: Outbox;
  readonly missed: MissedCallDesk;
  readonly bitrix: Bitrix24Desk;
  readonly amocrm: AmoCrmDesk;

  constructor(d: CallersDeps) {
    this.store = new HookStore(d.sql);
    this.hooks = new HookDesk(this.store);
    this.bitrix = new Bitrix24Desk(this.store, d.create);
    this.amocrm = new AmoCrmDesk({
      store: this.store, idempotencyKey: (id) => d.jobs.job(id)?.idempotency_key ?? null, create: d.create,
      pbx: () => d.jobs.getMeta('pbx') ?? '', tokenKey: () => d.amocrmEnv().tokenKey, apiBaseOverride: () => d.amocrmEnv().apiBase,
    });
    this.outbox = new Outbox({ store: this.store, jobs: d.jobs, view: d.view, allowPrivate: d.allowPrivate, crm: [this.bitrix, this.amocrm] });
    this.missed = new MissedCallDesk({
      calls: new MissedCallStore(d.sql), hooks: this.store, jobs: d.jobs, settings: d.settings,
      create: (request) => d.create(request, null, 'missed-call'), cancel: d.cancel,
    });
  }

  /** From the alarm: enqueue what the last transitions produced, then POST what is due. */
  async deliver(now: number): Promise<void> {
    this.outbox.collect(now);
    await this.outbox.deliverDue(now);
  }
}
