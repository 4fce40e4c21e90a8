// Turns a validated callback request and the PBX's settings into the plan the relay executes.
// Policy (contexts, caller IDs, timeouts) is decided here, in the Worker; the relay only dials.
import type { CallbackRequest } from '../../shared/jobs.js';
import type { PbxSettings } from '../../shared/pbx.js';
import type { CallbackPlan } from '../../shared/relay-protocol.js';

export function callbackPlan(request: CallbackRequest, settings: PbxSettings): CallbackPlan {
  return {
    kind: 'callback',
    direction: request.direction,
    customer: request.customer,
    operator: request.operator,
    contexts: { operator: settings.operatorContext, customer: settings.customerContext, queue: settings.queueContext },
    operatorCallerIdName: request.callerId ?? 'Callback',
    customerCallerId: settings.customerCallerId
      ? { ...settings.customerCallerId }
      : null,
    ringTimeoutMs: settings.ringTimeoutSec * 1000,
    variables: request.variables ?? {},
  };
}
