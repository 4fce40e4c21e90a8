// Pure mapping from what Asterisk reported about an originated call to the callback's outcome.
// Used by call-follower.ts when a followed call ends; unit-tested against every 03* capture.
// Invariant: Reason, Hangup causes and the onward Dial()'s DialStatus are combined as FACTS 2–3
// require, and when they contradict each other the answer is 'failed' with the cause, never a guess.

import type { Outcome } from '../../shared/pbx.js';

export type CallOutcomeKind = Outcome;

/** One `Event: Hangup`'s `Cause` / `Cause-txt`. */
export interface HangupInfo {
  readonly cause: number;
  readonly causeText: string;
}

export interface OutcomeSignals {
  /** OriginateResponse `Reason` (4 answered, 5 busy, 8 congestion, 3 no answer, 0 anything else); null if never seen. */
  readonly reason: number | null;
  /** Hangup of the originated channel (`;1`, Uniqueid = ChannelId). */
  readonly hangup1: HangupInfo | null;
  /** Hangup of the `;2` half (Uniqueid = OtherChannelId or `<ChannelId>;2`); null for non-Local channels. */
  readonly hangup2: HangupInfo | null;
  /**
   * DialStatus of the onward `Dial()` made by the originated call (its `;1` in operator-first
   * callbacks, its `;2` behind a trunk route, captures 03h–03m) — not the Originate's own DialEnd.
   */
  readonly dialStatus?: string | null;
  /**
   * Whose Dial() `dialStatus` is: the `;2` half reaching the first leg ('first'), or the originated
   * `;1` dialling the second leg once the first answered ('second'). Absent: read as 'second'.
   */
  readonly dialLeg?: 'first' | 'second' | null;
  /** Hangups of that Dial()'s destination channel(s), e.g. both halves of a Local destination. */
  readonly destHangups?: ReadonlyArray<HangupInfo>;
  /** The relay itself hung the call up before it was answered (an API or owner cancel). */
  readonly cancelRequested?: boolean;
  /** The relay hung the call up because the second leg rang for the whole ring timeout. */
  readonly ringTimedOut?: boolean;
}

export interface CallOutcome {
  readonly outcome: CallOutcomeKind;
  /** The most specific Q.850 cause seen (destination first, then `;2`, then `;1`); null if none. */
  readonly cause: number | null;
  readonly causeText: string | null;
  /** Which signal decided: for logs and for the engineer reading a strange result. */
  readonly basis: 'reason' | 'dial-status' | 'cause' | 'cancel' | 'ring-timeout' | 'disagreement';
}

/** What a second leg that rang out the relay's ring timeout reports: Q.850 19. */
export const RING_TIMEOUT_CAUSE = { cause: 19, causeText: 'No user responding' } as const;

/**
 * Causes that name an outcome by themselves. 17 busy; 18/19 no answer; 34/42 congestion
 * (Asterisk's Congestion() hangs up with 34, capture 03b). 16 Normal Clearing and 0 Unknown say
 * nothing (behind Dial()+Hangup() a busy callee shows 16, capture 03i).
 */
export function outcomeOfCause(cause: number | null): CallOutcomeKind | null {
  switch (cause) {
    case 17:
      return 'busy';
    case 18:
    case 19:
      return 'no-answer';
    case 34:
    case 42:
      return 'congestion';
    default:
      return null;
  }
}

/** First non-zero cause in order of specificity; a 0 only when nothing better was seen. */
export function mostSpecificHangup(signals: OutcomeSignals): HangupInfo | null {
  const ordered = [...(signals.destHangups ?? []), signals.hangup2, signals.hangup1].filter(
    (h): h is HangupInfo => h !== null && h !== undefined,
  );
  return ordered.find((h) => h.cause !== 0) ?? ordered[0] ?? null;
}

function fromDialStatus(status: string, cause: number | null, leg: 'first' | 'second'): { outcome: CallOutcomeKind; basis: CallOutcome['basis'] } {
  switch (status) {
    case 'ANSWER':
      return { outcome: 'answered', basis: 'dial-status' };
    case 'BUSY':
      return agree('busy', cause, 'dial-status');
    case 'CONGESTION':
      return agree('congestion', cause, 'dial-status');
    case 'NOANSWER': {
      // Dial() reports NOANSWER also when the callee hung up with a cause before answering
      // (Hangup(1)/Hangup(21) in captures 03d, 03f, 03k): a specific cause is the better witness.
      if (cause === null || cause === 0 || cause === 16 || outcomeOfCause(cause) === 'no-answer') {
        return { outcome: 'no-answer', basis: 'dial-status' };
      }
      return { outcome: outcomeOfCause(cause) ?? 'failed', basis: 'cause' };
    }
    case 'CANCEL':
      // Nobody asked us to hang up: the caller of the dial gave up while the second leg rang (the
      // operator, operator-first; the customer, customer-first). A first leg's dial is cancelled
      // only by its Originate (Reason 3) or by us, so here it is a contradiction.
      return { outcome: leg === 'second' ? 'abandoned' : 'failed', basis: 'dial-status' };
    default:
      // CHANUNAVAIL, DONTCALL, TORTURE, INVALIDARGS: the customer's leg could not be placed.
      return { outcome: 'failed', basis: 'dial-status' };
  }
}

/** `claimed` stands unless the cause names a different definite outcome. */
function agree(
  claimed: CallOutcomeKind,
  cause: number | null,
  basis: CallOutcome['basis'],
): { outcome: CallOutcomeKind; basis: CallOutcome['basis'] } {
  const byCause = outcomeOfCause(cause);
  if (byCause !== null && byCause !== claimed) return { outcome: 'failed', basis: 'disagreement' };
  return { outcome: claimed, basis };
}

/** Reason 3/5/8 and the onward DialStatus must not contradict each other. */
const DIAL_STATUSES_CONSISTENT_WITH_REASON: Readonly<Record<number, ReadonlyArray<string>>> = {
  3: ['CANCEL', 'NOANSWER'], // the Originate Timeout cancels a ringing Dial() (capture 03j)
  5: ['BUSY'],
  8: ['CONGESTION', 'CHANUNAVAIL'],
};

export function callOutcome(signals: OutcomeSignals): CallOutcome {
  const hangup = mostSpecificHangup(signals);
  const cause = hangup?.cause ?? null;
  const dial = signals.dialStatus ? signals.dialStatus.toUpperCase() : null;
  const decided = decide(signals, dial, cause);
  // Our own Hangup leaves cause 0/16 behind; the leg that never answered is what the cause must say.
  if (decided.basis === 'ring-timeout') return { ...decided, ...RING_TIMEOUT_CAUSE };
  return { ...decided, cause, causeText: hangup?.causeText ?? null };
}

function decide(
  signals: OutcomeSignals,
  dial: string | null,
  cause: number | null,
): { outcome: CallOutcomeKind; basis: CallOutcome['basis'] } {
  const reason = signals.reason;
  // Our own Hangup decides only while nothing else has: a customer already reported BUSY stays busy.
  const undecided = (dial === null || dial === 'CANCEL') && (reason === null || reason === 0 || reason === 1);
  // …and so does our hanging up the first leg while the second rang (its Dial() then says CANCEL).
  if (signals.cancelRequested && (undecided || (reason === 4 && dial === 'CANCEL'))) return { outcome: 'cancelled', basis: 'cancel' };
  if (signals.ringTimedOut && (dial === null || dial === 'CANCEL')) return { outcome: 'no-answer', basis: 'ring-timeout' };
  const leg = signals.dialLeg ?? 'second';
  if (reason === 3 || reason === 5 || reason === 8) {
    const consistent = DIAL_STATUSES_CONSISTENT_WITH_REASON[reason] ?? [];
    if (dial !== null && !consistent.includes(dial)) return { outcome: 'failed', basis: 'disagreement' };
    const claimed: CallOutcomeKind = reason === 3 ? 'no-answer' : reason === 5 ? 'busy' : 'congestion';
    return agree(claimed, cause, 'reason');
  }
  // Reason 4 is the originated leg answering: in an operator-first callback that is the operator,
  // and the customer's fate is the onward Dial()'s status.
  if (reason === 4) {
    if (dial !== null) return fromDialStatus(dial, cause, leg);
    // The second leg was dialled and never answered as far as we saw (the end was lost meanwhile).
    return signals.dialLeg === 'second' ? { outcome: 'no-answer', basis: 'reason' } : { outcome: 'answered', basis: 'reason' };
  }
  // Reason 0 (or none): FACTS 2 — everything else; the dial status and the causes tell.
  if (dial !== null) return fromDialStatus(dial, cause, leg);
  const byCause = outcomeOfCause(cause);
  return byCause !== null ? { outcome: byCause, basis: 'cause' } : { outcome: 'failed', basis: 'cause' };
}
