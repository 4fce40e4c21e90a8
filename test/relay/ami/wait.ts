// Bounded waiting for tests: resolve on an event or condition, fail with a clear message on timeout.
// Used by every integration test in this folder instead of sleeps.
// Invariant: nothing here waits longer than the timeout it is given.

import type { EventEmitter } from 'node:events';
import type { AmiConnection, AmiState } from '../../../relay/ami/connection.js';
import type { AmiMessage } from '../../../relay/ami/wire.js';

/** Resolves with the first emission of `name` whose arguments satisfy `pred`. */
export function nextEmit<A extends unknown[]>(
  emitter: EventEmitter,
  name: string,
  pred: (...args: A) => boolean = () => true,
  timeoutMs = 5_000,
): Promise<A> {
  return new Promise<A>((resolve, reject) => {
    const onEmit = (...args: unknown[]): void => {
      if (!pred(...(args as A))) return;
      clearTimeout(timer);
      emitter.off(name, onEmit);
      resolve(args as A);
    };
    const timer = setTimeout(() => {
      emitter.off(name, onEmit);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for '${name}'`));
    }, timeoutMs);
    emitter.on(name, onEmit);
  });
}

export async function waitForState(conn: AmiConnection, state: AmiState, timeoutMs = 5_000): Promise<void> {
  if (conn.state === state) return;
  await nextEmit<[AmiState]>(conn, 'state', (s) => s === state, timeoutMs);
}

export async function waitForEvent(conn: AmiConnection, pred: (ev: AmiMessage) => boolean, timeoutMs = 5_000): Promise<AmiMessage> {
  const [ev] = await nextEmit<[AmiMessage]>(conn, 'event', pred, timeoutMs);
  return ev;
}

/** Records every state change from now on, for asserting sequences like down→connecting→ready. */
export function recordStates(conn: AmiConnection): AmiState[] {
  const seen: AmiState[] = [];
  conn.on('state', (s) => seen.push(s));
  return seen;
}

/** Polls a cheap condition (e.g. a list that another party appends to) until true, bounded. */
export async function waitUntil(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
