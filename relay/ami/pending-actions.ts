// The table of AMI actions in flight, keyed by our ActionID, each with its own deadline.
// Used by connection.ts: a Response settles its entry, a dropped socket rejects them all.
// Invariant: an entry settles exactly once (Response, timeout or disconnect) and is then forgotten,
// so a late Response after a timeout matches nothing.

import { AmiActionError, AmiDisconnectedError, AmiTimeoutError } from './errors.js';
import { header } from './wire.js';
import type { AmiMessage } from './wire.js';

interface Entry {
  readonly action: string;
  readonly resolve: (msg: AmiMessage) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export class PendingActions {
  private readonly entries = new Map<string, Entry>();

  has(actionId: string): boolean {
    return this.entries.has(actionId);
  }

  /** Registers `actionId` and returns the promise of its Response; call before writing the bytes. */
  add(actionId: string, action: string, timeoutMs: number): Promise<AmiMessage> {
    return new Promise<AmiMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.entries.delete(actionId);
        reject(new AmiTimeoutError(action, timeoutMs));
      }, timeoutMs);
      this.entries.set(actionId, { action, resolve, reject, timer });
    });
  }

  /** Settles the entry of this Response's ActionID; false when none is waiting (late or foreign). */
  settle(response: AmiMessage): boolean {
    const id = header(response, 'ActionID');
    const entry = id === undefined ? undefined : this.entries.get(id);
    if (!entry || id === undefined) return false;
    this.entries.delete(id);
    clearTimeout(entry.timer);
    // `Response: Error` is the only failure form (captures 00, 04, 05); Success/Goodbye/Follows succeed.
    if (header(response, 'Response')?.toLowerCase() === 'error') entry.reject(new AmiActionError(entry.action, response));
    else entry.resolve(response);
    return true;
  }

  /** The socket is gone: whatever was written may or may not have run on the PBX. */
  rejectAll(): void {
    for (const [id, entry] of this.entries) {
      clearTimeout(entry.timer);
      this.entries.delete(id);
      entry.reject(new AmiDisconnectedError(entry.action, true));
    }
  }
}
