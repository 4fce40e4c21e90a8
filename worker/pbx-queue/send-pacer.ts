// At most N requests per window to one remote account (amoCRM allows 7 per second per account),
// counted in the queue's memory: a sliding window of the last N send times per account. Used by the
// amoCRM desk before each write-back. Invariant: `take` reserves the slot it grants, synchronously,
// so rows prepared one after another never overrun the window together.
export class SendPacer {
  private readonly sent = new Map<string, number[]>();

  constructor(private readonly perWindow: number, private readonly windowMs: number) {}

  /** Reserves a send for `account` at `now`; if the window is full, the instant a slot frees instead. */
  take(account: string, now: number): { ok: true } | { ok: false; retryAt: number } {
    const recent = (this.sent.get(account) ?? []).filter((t) => t > now - this.windowMs);
    if (recent.length >= this.perWindow) {
      this.sent.set(account, recent);
      return { ok: false, retryAt: (recent[0] ?? now) + this.windowMs };
    }
    recent.push(now);
    this.sent.set(account, recent);
    return { ok: true };
  }
}
