// The Bitrix24 adapter inside a PBX queue: keeps the portal's configuration, turns a verified
// OnExternalCallStart (a user clicked a number in the CRM) into a callback job, operator first, and
// builds the write-backs the outbox delivers: telephony.externalcall.finish when a click-to-call job
// ends, and for the callbacks Bitrix24 did not start (missed-call, widget, API jobs)
// telephony.externalcall.register when dialling starts, then finish with the CALL_ID register gave.
// Used by callers.ts. Invariant: the application token is compared in constant time, before anything
// else is read; a job is registered at most once (its write-back ids are fixed per job).
import { bitrix24Config, bitrixRegisterAnswer, type Bitrix24Config, type BitrixCallStart } from '../../shared/bitrix24.js';
import { idempotencyKey, type CallbackRequest, type JobView, type OperatorTarget } from '../../shared/jobs.js';
import type { Outcome } from '../../shared/pbx.js';
import type { StatusEventType } from '../../shared/webhooks.js';
import { secretsEqual, sha256Hex } from '../auth/tokens.js';
import type { DeliveryRow, HookStore } from './hook-store.js';
import type { CrmWriteBacks, Deferral, WriteBack } from './outbox.js';
import type { ClickToCallResult, CreateResult } from './job-desk.js';

export type BitrixResult = ClickToCallResult;

/** Bitrix24 STATUS_CODE per outcome (telephony.externalcall.finish: 200 success, 304 missed, 486 busy, 603 declined). */
export const BITRIX_STATUS_CODE: Readonly<Record<Outcome, string>> = {
  answered: '200', 'no-answer': '304', busy: '486', congestion: '503', failed: '603', cancelled: '603-S',
  // The one on the line hung up before the other answered: to the CRM a missed call, to be called back.
  abandoned: '304',
};
const FINAL: ReadonlySet<StatusEventType> = new Set(['job.completed', 'job.failed', 'job.cancelled', 'job.expired']);
/** telephony.externalcall.register TYPE: 1 = outgoing (a callback is our call to the customer). */
const OUTGOING = 1;

const registerId = (jobId: string): string => `${jobId}.crm-register`;
const finishId = (jobId: string): string => `${jobId}.crm-finish`;
const callIdKey = (jobId: string): string => `bitrix24_call:${jobId}`;

export class Bitrix24Desk implements CrmWriteBacks {
  readonly types = ['bitrix24.register', 'bitrix24.finish'] as const;

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
    // Bitrix24 shows numbers as the user typed them (spaces, brackets, dashes): the queue's admission
    // reads them by the PBX's numbering plan like any other number.
    const request: CallbackRequest = {
      customer: ev['data[PHONE_NUMBER]'], operator, direction: 'operator-first', callerId: config.callerId,
      metadata: { source: 'bitrix24', bitrixCallId: ev['data[CALL_ID]'], bitrixUserId: ev['data[USER_ID]'] },
    };
    // The CALL_ID is the idempotency key: a re-sent event returns the same job.
    return this.create(request, idempotencyKey.bitrix24(ev['data[CALL_ID]']), await sha256Hex(JSON.stringify(request)));
  }

  watchesAllJobs(): boolean {
    return this.config()?.registerCalls === true;
  }

  writeBack(job: JobView, type: StatusEventType): WriteBack | undefined {
    const config = this.config();
    if (config === undefined) return undefined;
    const meta = job.request.metadata;
    if (meta?.source === 'bitrix24') {
      // Bitrix24 registered this call itself when the user clicked: only finish it.
      return FINAL.has(type) ? this.finish(config, job, Number(meta.bitrixUserId), String(meta.bitrixCallId)) : undefined;
    }
    const user = registeredUser(config, job.request.operator);
    if (!config.registerCalls || user === undefined) return undefined;
    if (type === 'job.dialling') {
      return {
        id: registerId(job.id), type: 'bitrix24.register', url: `${config.restUrl}telephony.externalcall.register.json`,
        payload: JSON.stringify({
          USER_ID: Number(user.id), PHONE_NUMBER: job.request.customer, CALL_START_DATE: new Date().toISOString(), TYPE: OUTGOING,
          CRM_CREATE: config.crmCreate ? 1 : 0,
          // The card pops up for the operator whose phone rings first; a queue's stand-in user is only the owner.
          SHOW: user.isOperator && job.request.direction === 'operator-first' ? 1 : 0,
        }),
      };
    }
    // Only a call that was registered is finished: a job cancelled before dialling leaves no trace.
    if (!FINAL.has(type) || this.store.delivery(registerId(job.id)) === undefined) return undefined;
    return this.finish(config, job, Number(user.id), null);
  }

  prepare(row: DeliveryRow): { payload: string } | Deferral {
    if (row.type !== 'bitrix24.finish') return { payload: row.payload };
    const body = JSON.parse(row.payload) as { CALL_ID: string | null };
    if (body.CALL_ID !== null) return { payload: row.payload };
    const callId = this.store.setting(callIdKey(row.job_id));
    if (callId !== undefined) return { payload: JSON.stringify({ ...body, CALL_ID: callId }) };
    const register = this.store.delivery(registerId(row.job_id));
    return register?.status === 'pending'
      ? { error: 'waiting for telephony.externalcall.register to answer with a CALL_ID', permanent: false }
      : { error: 'the call was never registered in Bitrix24 (register failed)', permanent: true };
  }

  answered(row: DeliveryRow, body: string): Deferral | undefined {
    if (row.type !== 'bitrix24.register') return undefined;
    let parsed: ReturnType<typeof bitrixRegisterAnswer.safeParse>;
    try {
      parsed = bitrixRegisterAnswer.safeParse(JSON.parse(body));
    } catch {
      parsed = bitrixRegisterAnswer.safeParse(undefined);
    }
    // Register is safe to repeat: Bitrix24 answers the same CALL_ID for 30 minutes until finish.
    if (!parsed.success) return { error: 'the portal answered register without a CALL_ID', permanent: false };
    this.store.setSetting(callIdKey(row.job_id), parsed.data.result.CALL_ID);
    return undefined;
  }

  private finish(config: Bitrix24Config, job: JobView, userId: number, callId: string | null): WriteBack {
    const last = job.attempts[job.attempts.length - 1];
    const outcome = job.status === 'expired' ? 'no-answer' : last?.outcome ?? 'failed';
    return {
      id: finishId(job.id), type: 'bitrix24.finish', url: `${config.restUrl}telephony.externalcall.finish.json`,
      payload: JSON.stringify({
        // null until delivery: then the CALL_ID that register answered with (see prepare).
        CALL_ID: callId, USER_ID: userId,
        DURATION: Math.round((last?.durationMs ?? 0) / 1000), STATUS_CODE: BITRIX_STATUS_CODE[outcome] ?? '603', ADD_TO_CHAT: 1,
      }),
    };
  }
}

/** The Bitrix24 user a registered call belongs to: the one mapped to its operator, else the configured stand-in. */
function registeredUser(config: Bitrix24Config, operator: OperatorTarget): { id: string; isOperator: boolean } | undefined {
  const key = JSON.stringify(operator);
  const mapped = Object.entries(config.users).find(([, target]) => JSON.stringify(target) === key)?.[0];
  if (mapped !== undefined) return { id: mapped, isOperator: true };
  return config.registerUserId === undefined ? undefined : { id: config.registerUserId, isOperator: false };
}
