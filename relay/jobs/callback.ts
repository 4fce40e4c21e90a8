// Runs one callback attempt on the PBX: builds the Originate from the queue's plan (operator-first
// or customer-first), follows the call to its end and turns what Asterisk reported into the
// attempt's result. Used by relay.ts once the attempt is journalled. Everything written to AMI is
// validated again by relay/ami (the plan came over the network, so it is not trusted blindly).
import type { Logger } from 'pino';
import type { CallIds } from '../../shared/channel-ids.js';
import type { CallbackPlan, AttemptResult } from '../../shared/relay-protocol.js';
import type { FollowedCall } from '../ami/call-follower.js';
import type { AmiConnection } from '../ami/connection.js';
import { originateAndFollow, type OriginateRequest } from '../ami/originate.js';
import { outcomeOfCause } from '../ami/outcome.js';
import { header, type AmiMessage } from '../ami/wire.js';

export interface CallbackHooks {
  /** The first leg answered (operator-first: the operator picked up and the customer is being dialled). */
  onFirstLegAnswered(at: number): void;
  /** The customer and the operator are connected. */
  onConnected(at: number): void;
}

export interface CallbackRun {
  readonly done: Promise<AttemptResult>;
  /** Hangs up the call if it is not connected yet; the result then says `cancelled`. */
  cancel(): Promise<void>;
}

/** The Originate for a plan. Pure: the first leg is always the one the plan's direction names. */
export function originateRequest(plan: CallbackPlan, ids: CallIds): OriginateRequest {
  const operatorLeg = 'extension' in plan.operator
    ? { exten: plan.operator.extension, context: plan.contexts.operator }
    : { exten: plan.operator.queue, context: plan.contexts.queue };
  const customerLeg = { exten: plan.customer, context: plan.contexts.customer };
  const common = { timeoutMs: plan.ringTimeoutMs, ...ids, variables: plan.variables };
  if (plan.direction === 'operator-first') {
    return {
      ...common,
      channel: `Local/${operatorLeg.exten}@${operatorLeg.context}`,
      context: customerLeg.context, exten: customerLeg.exten, priority: 1,
      // The operator's phone shows who is being called back.
      callerId: { name: plan.operatorCallerIdName, number: plan.customer },
    };
  }
  return {
    ...common,
    channel: `Local/${customerLeg.exten}@${customerLeg.context}`,
    context: operatorLeg.context, exten: operatorLeg.exten, priority: 1,
    ...(plan.customerCallerId ? { callerId: plan.customerCallerId } : {}),
  };
}

/**
 * When both parties were up, if that was observed. The second leg's answer, in both directions;
 * customer-first, a call whose operator side answered without any onward Dial() (an application,
 * not a phone) connected at the first answer — but only if its end was observed too.
 */
export function connectedAt(plan: CallbackPlan, call: FollowedCall): number | null {
  if (call.timestamps.dialAnsweredAt !== null) return call.timestamps.dialAnsweredAt;
  const withoutDial = plan.direction === 'customer-first' && !call.secondLegDialled && call.complete && call.outcome.outcome === 'answered';
  return withoutDial ? call.timestamps.answeredAt : null;
}

/** The attempt's result from the followed call. Pure. */
export function attemptResultOf(plan: CallbackPlan, call: FollowedCall, cancelled: boolean): AttemptResult {
  const { cause, causeText } = call.outcome;
  const firstLegAnswered = call.reason === 4 || call.timestamps.answeredAt !== null;
  const connected = connectedAt(plan, call);
  // 'answered' means a conversation: Reason 4 or a first leg's own Dial() ANSWER only says the
  // first leg picked up. Without both parties up it is what the cause says, never a guess.
  const outcome = call.outcome.outcome === 'answered' && connected === null ? (outcomeOfCause(cause) ?? 'failed') : call.outcome.outcome;
  const secondLeg = plan.direction === 'operator-first' ? 'customer' : 'operator';
  const firstLeg = plan.direction === 'operator-first' ? 'operator' : 'customer';
  const finalOutcome = cancelled && outcome !== 'answered' ? 'cancelled' : outcome;
  return {
    outcome: finalOutcome,
    // An end nobody observed leaves the outcome open, unless the conversation itself was seen.
    certainty: call.complete || finalOutcome === 'answered' ? 'known' : 'unknown',
    cause,
    causeText,
    // The leg that failed to answer, or (abandoned) the leg that was up and gave up waiting.
    failedLeg: finalOutcome === 'answered' || finalOutcome === 'cancelled' ? null
      : finalOutcome === 'abandoned' ? firstLeg
      : firstLegAnswered ? secondLeg : firstLeg,
    originatedAt: call.timestamps.originatedAt,
    answeredAt: connected,
    endedAt: call.timestamps.endedAt,
    durationMs: connected === null ? null : Math.max(0, call.timestamps.endedAt - connected),
    note: call.complete ? null : `the end of the call was not observed (${call.endedBy})`,
  };
}

export function runCallback(ami: AmiConnection, plan: CallbackPlan, ids: CallIds, given: CallbackHooks, logger: Logger): CallbackRun {
  let cancelled = false;
  let connected = false;
  const hooks: CallbackHooks = { ...given, onConnected: (at) => ((connected = true), given.onConnected(at)) };
  const onEvent = (ev: AmiMessage): void => {
    // The originated `;1` runs Dial() to the second leg once the first answered; the `;2` half's own
    // Dial() to the first leg's phone (from-internal → Dial(PJSIP/101)) has the other Uniqueid.
    // (The Originate's own DialEnd carries only Dest* fields, FACTS 11.)
    if (header(ev, 'Event') !== 'DialEnd' || header(ev, 'Uniqueid') !== ids.channelId) return;
    if (header(ev, 'DialStatus') === 'ANSWER') hooks.onConnected(Date.now());
    // Operator-first, the customer was not reached: the outcome is known, and a trunk route that maps
    // DIALSTATUS would now play busy/congestion to the operator until they hang up. Release the
    // operator. (Not customer-first: a queue rings its members again after a DialEnd NOANSWER.)
    else if (plan.direction === 'operator-first') void follower.release().catch(() => undefined);
  };
  // The Originate's Timeout bounds the first leg only; the follower bounds the second the same.
  const { result, follower } = originateAndFollow(ami, originateRequest(plan, ids), { logger, secondLegRingMs: plan.ringTimeoutMs });
  ami.on('event', onEvent);
  result.then(
    (r) => {
      if (r.reason !== 4) return;
      const at = Date.now();
      hooks.onFirstLegAnswered(at);
    },
    (err: unknown) => logger.warn({ err: errorCode(err) }, 'originate was not confirmed'),
  );
  const done = follower.ended
    .then((call) => attemptResultOf(plan, call, cancelled))
    .catch((err: unknown): AttemptResult => ({
      // Refused before it reached the PBX (validation, AMI error or disconnect before writing): nobody rang.
      outcome: cancelled ? 'cancelled' : 'failed', certainty: 'known', cause: null, causeText: null, failedLeg: null,
      originatedAt: null, answeredAt: null, endedAt: Date.now(), durationMs: null, note: `not dialled: ${errorCode(err)}`,
    }))
    .finally(() => ami.off('event', onEvent));
  return {
    done,
    async cancel() {
      // A cancel can cross the connection on the wire (progress goes in batches): a connected call stays up.
      if (connected) return;
      cancelled = true;
      await follower.hangup(16).catch((err: unknown) => logger.warn({ err: errorCode(err) }, 'hangup on cancel failed'));
    },
  };
}

function errorCode(err: unknown): string {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : err instanceof Error ? err.message : 'unknown';
}
