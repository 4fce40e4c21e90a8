// How a CRM's click-to-call (Bitrix24's OnExternalCallStart, amoCRM's widget request) is answered:
// 202 with the new job, 200 with the job an earlier request with the same id made, or the problem that
// says why no call was made. One place, so the CRM routes cannot drift apart.
import type { Context } from 'hono';
import type { AppEnv } from '../env.js';
import type { ClickToCallResult } from '../pbx-queue/job-desk.js';
import { numberProblem } from './number-problem.js';
import { HttpProblem, notFound } from './problem.js';

/** How the CRM names things, for the problem's message and field. */
export interface ClickToCallNames {
  crm: string;
  /** The credential (`application token`) and the field or header it came in. */
  credential: string;
  credentialField: string;
  userField: string;
  numberField: string;
  /** The request id's field: its idempotency key. */
  requestField: string;
}

export function clickToCallResponse(c: Context<AppEnv>, result: ClickToCallResult, n: ClickToCallNames): Response {
  switch (result.kind) {
    case 'unauthorized':
      throw new HttpProblem(401, 'unauthorized', `the ${n.credential} does not match this PBX’s ${n.crm} integration`, n.credentialField);
    case 'unknown-user':
      throw new HttpProblem(422, 'validation_failed', `this ${n.crm} user has no operator in the integration’s users map`, n.userField);
    case 'number-refused':
      // The customer is the CRM's number; an extension refused is the user map's operator.
      throw numberProblem(result, result.field === 'customer' ? n.numberField : n.userField);
    case 'idempotency-conflict':
      throw new HttpProblem(409, 'idempotency_conflict', `this ${n.requestField} was used for a different call`, n.requestField);
    case 'no-pbx':
      throw notFound('PBX');
    case 'created':
    case 'existing':
      return c.json({ jobId: result.job.id, status: result.job.status }, result.kind === 'created' ? 202 : 200);
  }
}
