// Actions answered with an AMI event list: CoreShowChannels, ConfbridgeList(Rooms), QueueStatus,
// Hangup with a /regex/ channel. Used by call-follower.ts (reconciling after a reconnect) and the job runners.
// Invariant: items are matched by their ActionID header wherever it sits (2nd header in
// Confbridge*/CoreShowChannel items, last in Queue*/ChannelHungup items, FACTS 5) and the
// list ends only at the event carrying `EventList: Complete`.

import type { AmiConnection, AmiAction, AmiState } from './connection.js';
import { AmiActionError, AmiDisconnectedError, AmiTimeoutError } from './errors.js';
import { header } from './wire.js';
import type { AmiMessage } from './wire.js';

export interface AmiListResult {
  /** The action's Response (`EventList: start`), or the Error response taken as an empty list. */
  readonly response: AmiMessage;
  /** The list's item events in arrival order (without the `…Complete` event). */
  readonly items: AmiMessage[];
  /** The `<Name>Complete` event; null when the answer was not a list (or an accepted empty-error). */
  readonly complete: AmiMessage | null;
}

export interface SendListOptions {
  /** Deadline for the whole list (response, items and Complete), ms. Default 10000. */
  timeoutMs?: number;
  /**
   * Treat the known "nothing there" errors as an empty list instead of rejecting:
   * ConfbridgeListRooms → `No active conferences.`, ConfbridgeList → `No active conferences.` (no
   * room on the whole PBX) or `No Conference by that name found.` (other rooms, not this one).
   */
  emptyOnKnownErrors?: boolean;
}

/**
 * Asterisk signals these empty results only by `Response: Error` and message text (capture 05),
 * so text is all there is to match on; the texts are exact copies from Asterisk 22.10.1. ConfbridgeList
 * checks whether any conference exists before it looks the room up (app_confbridge.c,
 * action_confbridgelist), so on a PBX with no room at all it answers `No active conferences.`.
 * `No Conference name provided.` is not among them: it is our mistake, not an empty room.
 */
export const KNOWN_EMPTY_LIST_ERRORS: Readonly<Record<string, ReadonlyArray<string>>> = {
  confbridgelistrooms: ['No active conferences.'],
  confbridgelist: ['No active conferences.', 'No Conference by that name found.'],
};

export function isKnownEmptyListError(action: string, err: unknown): boolean {
  return err instanceof AmiActionError && (KNOWN_EMPTY_LIST_ERRORS[action.toLowerCase()] ?? []).includes(err.message);
}

function actionName(action: AmiAction): string {
  if (Array.isArray(action)) {
    const first = (action as ReadonlyArray<readonly [string, string]>)[0];
    return first?.[1] ?? '';
  }
  const rec = action as Readonly<Record<string, string | number | undefined>>;
  return String(rec['Action'] ?? '');
}

/** Sends `action` and collects its event list; see SendListOptions for the empty-result errors. */
export async function sendList(conn: AmiConnection, action: AmiAction, options: SendListOptions = {}): Promise<AmiListResult> {
  const name = actionName(action);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const actionId = conn.nextActionId();
  const items: AmiMessage[] = [];
  let finish: (complete: AmiMessage | null) => void = () => {};
  let fail: (err: Error) => void = () => {};
  const ended = new Promise<AmiMessage | null>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  ended.catch(() => undefined); // settled unobserved when the action itself fails first
  // The tap is registered before the write: items can share a TCP chunk with the Response.
  const untap = conn.onActionEvents(actionId, (event) => {
    if (header(event, 'EventList')?.toLowerCase() === 'complete') finish(event);
    else items.push(event);
  });
  const onState = (state: AmiState): void => {
    if (state === 'down') fail(new AmiDisconnectedError(name, true));
  };
  conn.on('state', onState);
  const timer = setTimeout(() => fail(new AmiTimeoutError(name, timeoutMs)), timeoutMs);
  try {
    let response: AmiMessage;
    try {
      response = await conn.send(action, { actionId, timeoutMs });
    } catch (err) {
      if (options.emptyOnKnownErrors && isKnownEmptyListError(name, err) && err instanceof AmiActionError) {
        return { response: err.response, items: [], complete: null };
      }
      throw err;
    }
    // Not a list (e.g. Hangup of one named channel answers a plain Success): nothing more will come.
    if (header(response, 'EventList')?.toLowerCase() !== 'start') return { response, items, complete: null };
    const complete = await ended;
    return { response, items, complete };
  } finally {
    clearTimeout(timer);
    conn.off('state', onState);
    untap();
  }
}
