// What happens to a job after one of its attempts ends: done, another attempt later, or failed.
// Pure, so the whole retry table is tested directly (test/worker/retry.test.ts).
import type { Outcome, RetryPolicy } from '../../shared/pbx.js';

export type NextStep =
  | { kind: 'succeeded' }
  | { kind: 'cancelled' }
  | { kind: 'retry'; runAt: number }
  | { kind: 'failed'; reason: string };

export interface EndedAttempt {
  outcome: Outcome;
  /** Attempts that reached the PBX so far, this one included. */
  attemptsUsed: number;
}

/** Capped backoff: attempt n+1 waits backoffSec[n-1], the last entry repeating. Milliseconds. */
export function backoffMs(policy: RetryPolicy, attemptsUsed: number): number {
  const list = policy.backoffSec;
  const index = Math.min(Math.max(attemptsUsed - 1, 0), list.length - 1);
  return (list[index] ?? 60) * 1000;
}

export function nextStep(ended: EndedAttempt, policy: RetryPolicy, maxAttempts: number, expiresAt: number, now: number): NextStep {
  const { outcome, attemptsUsed } = ended;
  if (outcome === 'answered') return { kind: 'succeeded' };
  if (outcome === 'cancelled') return { kind: 'cancelled' };
  const retryable = outcome !== 'failed' || policy.retryOn.includes('failed');
  if (!retryable || !policy.retryOn.includes(outcome)) return { kind: 'failed', reason: `${outcome}; not retried` };
  if (attemptsUsed >= maxAttempts) return { kind: 'failed', reason: `${outcome} after ${attemptsUsed} attempt(s)` };
  const runAt = now + backoffMs(policy, attemptsUsed);
  if (runAt >= expiresAt) return { kind: 'failed', reason: `${outcome}; the next attempt would come after the job expires` };
  return { kind: 'retry', runAt };
}
