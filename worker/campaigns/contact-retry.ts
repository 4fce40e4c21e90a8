// What happens to a campaign contact after one of its calls ends: done, failed, or pending again
// from some instant on, by the campaign's per-outcome retry rules and attempt budgets. Pure; the
// schedule (window, daily budget) is applied when the contact comes due, not here.
import type { CampaignRetry } from '../../shared/campaigns.js';
import type { Certainty, Outcome } from '../../shared/pbx.js';

export type ContactStep =
  | { state: 'answered' }
  | { state: 'failed'; reason: string }
  | { state: 'pending'; nextAt: number; costsAttempt: boolean };

export interface EndedCall {
  outcome: Outcome;
  certainty: Certainty;
  /** Attempts that reached the PBX, this one included. */
  attempts: number;
}

/** A job that ended without reaching the PBX (expired waiting, cancelled before dialling) is tried again soon, at no cost. */
export const NOT_DIALLED_RETRY_MS = 5_000;

export function contactStep(call: EndedCall | undefined, rules: CampaignRetry, now: number): ContactStep {
  if (call === undefined) return { state: 'pending', nextAt: now + NOT_DIALLED_RETRY_MS, costsAttempt: false };
  const { outcome, certainty, attempts } = call;
  if (outcome === 'answered') return { state: 'answered' };
  // An unobserved end may have rung the customer: the spine never retries those by itself, nor do we.
  if (certainty === 'unknown') return { state: 'failed', reason: 'the outcome of the last call is unknown' };
  if (outcome === 'cancelled') return { state: 'pending', nextAt: now + NOT_DIALLED_RETRY_MS, costsAttempt: false };
  const rule = rules[outcome];
  if (!rule.retry) return { state: 'failed', reason: `${outcome}; not retried` };
  if (attempts >= rules.maxAttempts) return { state: 'failed', reason: `${outcome} after ${attempts} attempt(s)` };
  return { state: 'pending', nextAt: now + rule.delaySec * 1000, costsAttempt: true };
}
