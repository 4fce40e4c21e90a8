// Turns a validated callback request and the PBX's settings into the plan the relay executes.
// Policy (contexts, caller IDs, timeouts, the dial string) is decided here, in the Worker; the relay only dials.
import type { CallbackRequest } from '../../shared/jobs.js';
import type { PbxSettings } from '../../shared/pbx.js';
import type { CallbackPlan } from '../../shared/relay-protocol.js';
import { gateNumber, policyOf } from './number-gate.js';

/**
 * The plan, with the customer as the dial string of the PBX's current numbering settings; a number
 * those settings refuse now (they changed since admission) is never offered: the refusal comes back.
 */
export function callbackPlan(request: CallbackRequest, settings: PbxSettings): { ok: true; plan: CallbackPlan } | { ok: false; message: string } {
  const customer = gateNumber(policyOf(settings), request.customer, 'customer');
  if (!customer.ok) return { ok: false, message: `the customer number is no longer allowed: ${customer.refusal.message}` };
  return { ok: true, plan: {
    kind: 'callback',
    direction: request.direction,
    customer: customer.value.dial,
    operator: request.operator,
    contexts: { operator: settings.operatorContext, customer: settings.customerContext, queue: settings.queueContext },
    operatorCallerIdName: request.callerId ?? 'Callback',
    customerCallerId: settings.customerCallerId
      ? { ...settings.customerCallerId }
      : null,
    ringTimeoutMs: settings.ringTimeoutSec * 1000,
    variables: request.variables ?? {},
  } };
}
