// AMI-connection waits for the relay's AMI tests, built on the testkit's one wait helper.
import type { AmiConnection, AmiState } from '../../../relay/ami/connection.js';
import type { AmiMessage } from '../../../relay/ami/wire.js';
import { nextEmit } from '../../../testkit/wait.js';

export { nextEmit, waitUntil } from '../../../testkit/wait.js';

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
