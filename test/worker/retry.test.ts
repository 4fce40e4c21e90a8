import { describe, expect, it } from 'vitest';
import { backoffMs, nextStep } from '../../worker/pbx-queue/retry.js';

const policy = { maxAttempts: 3, backoffSec: [60, 300, 900], retryOn: ['busy', 'no-answer', 'congestion'] as Array<'busy' | 'no-answer' | 'congestion' | 'failed'> };
const HOUR = 3_600_000;

describe('retry policy', () => {
  it('finishes an answered job whatever attempts remain', () => {
    expect(nextStep({ outcome: 'answered', attemptsUsed: 1 }, policy, 3, HOUR, 0)).toEqual({ kind: 'succeeded' });
  });

  it.each(['busy', 'no-answer', 'congestion'] as const)('retries %s after the next backoff step', (outcome) => {
    expect(nextStep({ outcome, attemptsUsed: 1 }, policy, 3, HOUR, 1000)).toEqual({ kind: 'retry', runAt: 61_000 });
    expect(nextStep({ outcome, attemptsUsed: 2 }, policy, 3, HOUR, 1000)).toEqual({ kind: 'retry', runAt: 301_000 });
  });

  it('never retries a failed call (unallocated number, rejected) unless the policy says so', () => {
    expect(nextStep({ outcome: 'failed', attemptsUsed: 1 }, policy, 3, HOUR, 0).kind).toBe('failed');
    expect(nextStep({ outcome: 'failed', attemptsUsed: 1 }, { ...policy, retryOn: ['failed'] }, 3, HOUR, 0).kind).toBe('retry');
  });

  it('stops after the last attempt', () => {
    expect(nextStep({ outcome: 'busy', attemptsUsed: 3 }, policy, 3, HOUR, 0)).toEqual({ kind: 'failed', reason: 'busy after 3 attempt(s)' });
  });

  it('fails rather than schedule an attempt after the job expires', () => {
    expect(nextStep({ outcome: 'busy', attemptsUsed: 1 }, policy, 3, 30_000, 0).kind).toBe('failed');
  });

  it('repeats the last backoff step', () => {
    expect(backoffMs(policy, 7)).toBe(900_000);
  });

  it('fails the job when a leg gave up (abandoned), not cancels it, and retries it when the policy says so', () => {
    expect(nextStep({ outcome: 'abandoned', attemptsUsed: 1 }, policy, 3, HOUR, 0)).toEqual({ kind: 'failed', reason: 'abandoned; not retried' });
    expect(nextStep({ outcome: 'abandoned', attemptsUsed: 1 }, { ...policy, retryOn: ['abandoned'] }, 3, HOUR, 1000)).toEqual({ kind: 'retry', runAt: 61_000 });
  });

  it('treats a cancelled attempt as the end of the job', () => {
    expect(nextStep({ outcome: 'cancelled', attemptsUsed: 1 }, policy, 3, HOUR, 0)).toEqual({ kind: 'cancelled' });
  });
});
