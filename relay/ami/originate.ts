// Async Originate as one operation: validate, send with `Async: true`, await the OriginateResponse event.
// Used by the callback / conference job runners, usually through `originateAndFollow`.
// Invariants: every value is validated (validation.ts) before serialisation; the result is the
// `Event: OriginateResponse` with our ActionID, never the `Originate successfully queued` Response (FACTS 1).

import type { AmiConnection, AmiState } from './connection.js';
import { AmiDisconnectedError, AmiTimeoutError, AmiValidationError } from './errors.js';
import { header } from './wire.js';
import type { AmiMessage } from './wire.js';
import {
  EXTENSION,
  PHONE_NUMBER,
  validateAppData,
  validateCallerIdName,
  validateChannelId,
  validateContext,
  validateDialString,
  validateMs,
  validateName,
  validatePriority,
  validateVariableName,
  validateVariableValue,
} from './validation.js';
import { CallFollower } from './call-follower.js';
import type { FollowOptions } from './call-follower.js';

export type OriginateTarget =
  | { readonly context: string; readonly exten: string; readonly priority?: number }
  | { readonly application: string; readonly data?: string };

export type OriginateRequest = OriginateTarget & {
  /** Dial string of the first leg, e.g. `Local/101@phones` (operator) or `Local/8999…@outbound`. */
  readonly channel: string;
  readonly callerId?: { readonly name?: string; readonly number?: string };
  /** Originate `Timeout`: how long the first leg may ring, ms (Reason 3 when hit, capture 03c). */
  readonly timeoutMs: number;
  /** Becomes the Uniqueid of `;1` (FACTS 5); the key to find the call again after a reconnect. */
  readonly channelId: string;
  /** Uniqueid of `;2`; Asterisk uses `<channelId>;2` without it. */
  readonly otherChannelId?: string;
  /** Set on both Local halves; name with `_`/`__` to pass through Dial() (capture 03h). */
  readonly variables?: Readonly<Record<string, string>>;
};

export interface OriginateResult {
  readonly response: 'Success' | 'Failure';
  /** OriginateResponse `Reason`: 4 answered, 5 busy, 8 congestion, 3 no answer, 0 anything else. */
  readonly reason: number;
  /** Our ChannelId (or `<unknown>` as Asterisk reports it). */
  readonly uniqueid: string;
  /** Real channel name on Success; the requested dial string on Failure (FACTS 4). */
  readonly channel: string;
  readonly event: AmiMessage;
}

export interface OriginateOptions {
  /** Extra wait for OriginateResponse beyond `timeoutMs`, ms. Default 30000. */
  responseGraceMs?: number;
}

function numberOrExten(value: string | undefined, field: string): string {
  if (value === undefined || (!PHONE_NUMBER.test(value) && !EXTENSION.test(value))) {
    throw new AmiValidationError(field, 'must be an extension or a phone number');
  }
  return value;
}

function callerIdHeader(cid: NonNullable<OriginateRequest['callerId']>): string {
  const number = cid.number === undefined ? undefined : numberOrExten(cid.number, 'callerId.number');
  const name = cid.name === undefined ? undefined : validateCallerIdName(cid.name);
  if (name !== undefined && number !== undefined) return `"${name}" <${number}>`;
  if (number !== undefined) return `<${number}>`;
  if (name !== undefined) return `"${name}"`;
  throw new AmiValidationError('callerId', 'needs a name or a number');
}

/** Validates the request and builds the Originate headers (without ActionID). Pure. */
export function buildOriginateAction(req: OriginateRequest): Array<[string, string]> {
  const headers: Array<[string, string]> = [
    ['Action', 'Originate'],
    ['Channel', validateDialString(req.channel)],
  ];
  if ('application' in req) {
    headers.push(['Application', validateName(req.application, 'application')]);
    if (req.data !== undefined) headers.push(['Data', validateAppData(req.data)]);
  } else {
    headers.push(['Context', validateContext(req.context)]);
    headers.push(['Exten', numberOrExten(req.exten, 'exten')]);
    headers.push(['Priority', String(validatePriority(req.priority ?? 1))]);
  }
  headers.push(['Timeout', String(validateMs(req.timeoutMs, 'timeoutMs', 100, 600_000))]);
  if (req.callerId !== undefined) headers.push(['CallerID', callerIdHeader(req.callerId)]);
  headers.push(['Async', 'true']);
  headers.push(['ChannelId', validateChannelId(req.channelId)]);
  if (req.otherChannelId !== undefined) {
    const other = validateChannelId(req.otherChannelId, 'otherChannelId');
    if (other === req.channelId) throw new AmiValidationError('otherChannelId', 'must differ from channelId');
    headers.push(['OtherChannelId', other]);
  }
  // One `Variable:` header per variable; values carry no `,`, so Asterisk's comma split (02b) is harmless.
  for (const [name, value] of Object.entries(req.variables ?? {})) {
    headers.push(['Variable', `${validateVariableName(name)}=${validateVariableValue(value, `variables.${name}`)}`]);
  }
  return headers;
}

/**
 * Sends an Async Originate and resolves with its OriginateResponse. Rejects with
 * AmiValidationError (nothing sent), AmiActionError (e.g. `Invalid channel`, capture 04),
 * AmiDisconnectedError, or AmiTimeoutError when no OriginateResponse comes in time.
 */
export async function originate(conn: AmiConnection, req: OriginateRequest, options: OriginateOptions = {}): Promise<OriginateResult> {
  const action = buildOriginateAction(req);
  const actionId = conn.nextActionId();
  const waitMs = req.timeoutMs + (options.responseGraceMs ?? 30_000);
  let settle: { resolve: (ev: AmiMessage) => void; reject: (err: Error) => void } | null = null;
  const arrived = new Promise<AmiMessage>((resolve, reject) => {
    settle = { resolve, reject };
  });
  arrived.catch(() => undefined); // may settle while the Response is still awaited
  // Tapped before the write: the OriginateResponse can follow the Response in the same chunk.
  const untap = conn.onActionEvents(actionId, (ev) => {
    if (header(ev, 'Event')?.toLowerCase() === 'originateresponse') settle?.resolve(ev);
  });
  const onState = (state: AmiState): void => {
    if (state === 'down') settle?.reject(new AmiDisconnectedError('Originate', true));
  };
  conn.on('state', onState);
  const timer = setTimeout(() => settle?.reject(new AmiTimeoutError('OriginateResponse', waitMs)), waitMs);
  try {
    await conn.send(action, { actionId });
    const ev = await arrived;
    return {
      response: header(ev, 'Response') === 'Success' ? 'Success' : 'Failure',
      reason: Number(header(ev, 'Reason') ?? '0') || 0,
      uniqueid: header(ev, 'Uniqueid') ?? '<unknown>',
      channel: header(ev, 'Channel') ?? '',
      event: ev,
    };
  } finally {
    clearTimeout(timer);
    conn.off('state', onState);
    untap();
  }
}

export interface OriginatedCall {
  /** The OriginateResponse (see `originate`). */
  readonly result: Promise<OriginateResult>;
  /** Follows the call to its end (Hangups, onward Dial, outcome). Started before the Originate is written. */
  readonly follower: CallFollower;
}

/**
 * Originate + follow. The follower subscribes before the action is written, because Hangup of
 * `;2` can precede OriginateResponse (capture 03d). If the Originate is refused before reaching
 * the PBX, `follower.ended` rejects with the same error.
 */
export function originateAndFollow(
  conn: AmiConnection,
  req: OriginateRequest,
  options: OriginateOptions & FollowOptions = {},
): OriginatedCall {
  const follower = new CallFollower(conn, { channelId: req.channelId, otherChannelId: req.otherChannelId }, options);
  const result = originate(conn, req, options);
  result.catch((err: unknown) => {
    const neverSent =
      err instanceof AmiValidationError ||
      (err instanceof AmiDisconnectedError && !err.written) ||
      (typeof err === 'object' && err !== null && 'code' in err && (err.code === 'AMI_ACTION_ERROR' || err.code === 'AMI_UNSAFE_VALUE'));
    if (neverSent) follower.fail(err instanceof Error ? err : new Error(String(err)));
  });
  return { result, follower };
}
