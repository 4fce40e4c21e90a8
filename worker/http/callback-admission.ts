// What every way of asking for a callback (POST /callbacks, a signed CRM webhook) checks beyond the
// schema, and how the queue's answer becomes a response. One place, so the two cannot drift apart.
import type { Context } from 'hono';
import { scheduleProblem, type CallbackRequest } from '../../shared/jobs.js';
import type { AppEnv } from '../env.js';
import type { CreateResult } from '../pbx-queue/job-desk.js';
import { assertCallbackUrl } from './signed-request.js';
import { numberProblem } from './number-problem.js';
import { HttpProblem, notFound } from './problem.js';

export function checkCallbackRequest(value: CallbackRequest, env: AppEnv['Bindings']): void {
  const schedule = scheduleProblem(value, Date.now());
  if (schedule !== null) throw new HttpProblem(400, 'validation_failed', schedule.message, schedule.field);
  assertCallbackUrl(value.statusCallbackUrl, env, 'statusCallbackUrl');
}

/** 202 for a new job, 200 for the job of an earlier request with the same key; problems otherwise. */
export function admissionResponse(c: Context<AppEnv>, result: CreateResult, keyField: 'idempotency-key' | 'webhook-id'): Response {
  switch (result.kind) {
    case 'created':
      return c.json(result.job, 202);
    case 'existing':
      return c.json(result.job, 200);
    case 'idempotency-conflict':
      throw new HttpProblem(409, 'idempotency_conflict', `this ${keyField === 'webhook-id' ? 'webhook-id' : 'Idempotency-Key'} was used with a different body`, keyField);
    case 'number-refused':
      throw numberProblem(result);
    case 'no-pbx':
      throw notFound('PBX');
  }
}
