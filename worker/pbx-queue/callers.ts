// The integrations that bring callers in and report back, for one PBX queue: signed inbound webhooks
// (hook-desk.ts), the status-callback outbox (outbox.ts) and missed-call callbacks
// (missed-call-desk.ts) and the Bitrix24 adapter (bitrix24-desk.ts), built over the queue's SQLite and its job operations. pbx-queue.ts holds
// one lazily and keeps only thin RPC wrappers. Invariant: no SQL here; each part owns its store.
import type { CallbackRequest, JobView } from '../../shared/jobs.js';
import type { PbxSettings } from '../../shared/pbx.js';
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
}

export class Callers {
  readonly store: HookStore;
  readonly hooks: HookDesk;
  readonly outbox: Outbox;
  readonly missed: MissedCallDesk;
  readonly bitrix: Bitrix24Desk;

  constructor(d: CallersDeps) {
    this.store = new HookStore(d.sql);
    this.hooks = new HookDesk(this.store);
    this.bitrix = new Bitrix24Desk(this.store, d.create);
    this.outbox = new Outbox({ store: this.store, jobs: d.jobs, view: d.view, allowPrivate: d.allowPrivate, crm: this.bitrix });
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
