// Reconnect delay for the AMI connection: capped exponential backoff with full jitter.
// Used by connection.ts between connection attempts (after a drop, a failed ping or a failed login).
// Invariant: the delay is in [0, min(maxMs, initialMs * 2^attempt)], so a restarting PBX is not hammered.

export interface BackoffOptions {
  /** Ceiling of the first retry's delay, in ms. Default 250. */
  initialMs: number;
  /** Cap of any delay, in ms. Default 30000. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 30_000 };

/** Delay before retry number `attempt` (0-based); `random` returns [0, 1) like Math.random. */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const exp = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * exp);
}
