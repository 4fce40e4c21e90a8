// The Bitrix24 adapter inside a PBX queue: keeps the portal's configuration, turns a verified
// OnExternalCallStart (a user clicked a number in the CRM) into a callback job, operator first, and
// builds the telephony.externalcall.finish write-back when that job ends. Used by callers.ts.
// Invariant: the application token is compared in constant time, before anything else is read.
import { bitrix24Config, type Bitrix24Config, type BitrixCallStart } from '../../shared/bitrix24.js';
import { PHONE_NUMBER } from '../../shared/dial.js';
import type { CallbackRequest, JobView } from '../../shared/jobs.js';
import type { StatusEventType } from '../../shared/webhooks.js';
import { secretsEqual, sha256Hex } from '../auth/tokens.js';
import type { HookStore } from './hook-store.js';
import type { CreateResult } from './pbx-queue.js';

export type BitrixResult = CreateResult | { kind: 'unauthorized' } | { kind: 'unknown-user' } | { kind: 'bad-number' };

/** Bitrix24 STATUS_CODE per outcome (telephony.externalcall.finish: 200 success, 304 missed, 486 busy, 603 declined). */
const STATUS_CODE: Record<string, string> = {
  answered: '200', 'no-answer': '304', busy: '486', congestion: '503', failed: '603', cancelled: '603-S',
};
const FINAL: ReadonlySet<StatusEventType> = new Set(['job.completed', 'job.failed', 'job.cancelled', 'job.expired']);

export class Bitrix24Desk {
  constructor(
    private readonly store: HookStore,
    private readonly create: (request: CallbackRequest, key: string, hash: string) => Promise<CreateResult>,
  ) {}

  config(): Bitrix24Config | undefined {
    const raw = this.store.setting('bitrix24');
    return raw === undefined ? undefined : bitrix24Config.parse(JSON.parse(raw));
  }

  save(config: Bitrix24Config): void {
    this.store.setSetting('bitrix24', JSON.stringify(config));
  }

  async clickToCall(ev: BitrixCallStart): Promise<BitrixResult> {
    const config = this.config();
    if (config === undefined || !(await secretsEqual(ev['auth[application_token]'], config.applicationToken))) return { kind: 'unauthorized' };
    const operator = config.users[ev['data[USER_ID]']];
    if (operator === undefined) return { kind: 'unknown-user' };
    // Bitrix24 shows numbers as the user typed them: keep the digits (and a leading +) only.
    const customer = ev['data[PHONE_NUMBER]'].replace(/[\s()-]/g, '');
    if (!PHONE_NUMBER.test(customer)) return { kind: 'bad-number' };
    const request: CallbackRequest = {
      customer, operator, direction: 'operator-first', callerId: config.callerId,
      metadata: { source: 'bitrix24', bitrixCallId: ev['data[CALL_ID]'], bitrixUserId: ev['data[USER_ID]'] },
    };
    // The CALL_ID is the idempotency key: a re-sent event returns the same job.
    return this.create(request, `bitrix24:${ev['data[CALL_ID]']}`, await sha256Hex(JSON.stringify(request)));
  }

  /** telephony.externalcall.finish for a Bitrix24 job that just ended; undefined for anything else. */
  writeBack(job: JobView, type: StatusEventType): { url: string; payload: string } | undefined {
    const meta = job.request.metadata;
    const config = this.config();
    if (!FINAL.has(type) || config === undefined || meta?.source !== 'bitrix24') return undefined;
    const last = job.attempts[job.attempts.length - 1];
    const outcome = type === 'job.expired' ? 'no-answer' : last?.outcome ?? 'failed';
    return {
      url: `${config.restUrl}telephony.externalcall.finish.json`,
      payload: JSON.stringify({
        CALL_ID: meta.bitrixCallId, USER_ID: Number(meta.bitrixUserId),
        DURATION: Math.round((last?.durationMs ?? 0) / 1000), STATUS_CODE: STATUS_CODE[outcome] ?? '603', ADD_TO_CHAT: 1,
      }),
    };
  }
}
