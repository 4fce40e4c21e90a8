// Fixed-window rate limits for the public widget endpoint: which window an instant falls in, and
// whether one more request fits. Pure; the PBX queue keeps the counters in its SQLite
// (widget-store.ts) and asks here. Invariant: a refusal always carries a Retry-After of at least 1 s
// that ends exactly when the window that refused it ends.
import type { RateLimit } from '../../shared/widget.js';

export interface LimitCheck {
  /** Counter key, e.g. `ip:<hash>`; never a raw IP or number. */
  bucket: string;
  limit: RateLimit;
}

export type LimitVerdict = { ok: true } | { ok: false; bucket: string; retryAfterSec: number };

export function windowStart(now: number, limit: RateLimit): number {
  const ms = limit.windowSec * 1000;
  return Math.floor(now / ms) * ms;
}

export function retryAfterSec(now: number, limit: RateLimit): number {
  return Math.max(1, Math.ceil((windowStart(now, limit) + limit.windowSec * 1000 - now) / 1000));
}

/** The first check whose window is already full, given a reader of the current counts. */
export function firstExceeded(checks: ReadonlyArray<LimitCheck>, now: number, count: (bucket: string, windowStart: number) => number): LimitVerdict {
  for (const c of checks) {
    if (count(c.bucket, windowStart(now, c.limit)) >= c.limit.max) return { ok: false, bucket: c.bucket, retryAfterSec: retryAfterSec(now, c.limit) };
  }
  return { ok: true };
}
