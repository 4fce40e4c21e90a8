// The relay's one gate for calls: every Originate it writes — callback attempts, conference member
// legs, external participants — holds a slot from before the Originate until the call has ended, so
// the PBX never carries more than min(relay capacity, the PBX's maxConcurrentCalls) calls placed by
// us. Used by relay.ts (offers take a slot before they are accepted), the conference assembler and
// the external participant (they wait their turn, oldest first).
// Invariant: the Worker only hands out work for slots it believes free, counting the calls the relay
// starts on its own (`ownCalls` in the heartbeat); the gate settles the races between the two.
import { EventEmitter } from 'node:events';

/** Gives a slot back; calling it again does nothing. */
export type Release = () => void;

interface Waiter {
  own: boolean;
  grant: (release: Release) => void;
}

export class CallSlots extends EventEmitter<{ change: [] }> {
  private held = 0;
  private ownHeld = 0;
  private limit: number;
  private readonly waiters: Waiter[] = [];

  constructor(private readonly capacity: number) {
    super();
    this.limit = capacity;
  }

  /** The PBX's own limit, as the Worker sent it: the gate holds the lower of the two. */
  setPbxLimit(maxConcurrentCalls: number | undefined): void {
    this.limit = Math.min(this.capacity, maxConcurrentCalls ?? this.capacity);
    this.drain();
  }

  get inUse(): number {
    return this.held;
  }

  /**
   * Calls the relay places on its own decision (external participants), up, ringing or waiting: the
   * Worker keeps that many slots free of its own work.
   */
  get ownCalls(): number {
    return this.ownHeld + this.waiters.filter((w) => w.own).length;
  }

  /** A slot now, or undefined when all are taken (no waiting: the caller refuses instead). */
  tryTake(): Release | undefined {
    if (this.held >= this.limit || this.waiters.length > 0) return undefined;
    return this.grant(false);
  }

  /** A slot as soon as one is free, after everyone who asked before. `own`: see ownCalls. */
  take(own = false): Promise<Release> {
    if (this.held < this.limit && this.waiters.length === 0) return Promise.resolve(this.grant(own));
    return new Promise((resolve) => {
      this.waiters.push({ own, grant: resolve });
      if (own) this.emit('change');
    });
  }

  private grant(own: boolean): Release {
    this.held++;
    if (own) this.ownHeld++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held--;
      if (own) this.ownHeld--;
      this.drain();
      if (own) this.emit('change');
    };
  }

  private drain(): void {
    while (this.held < this.limit && this.waiters.length > 0) {
      const next = this.waiters.shift();
      // Moved from waiting to holding: ownCalls stays the same, no change to announce.
      next?.grant(this.grant(next.own));
    }
  }
}
