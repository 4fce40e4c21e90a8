// Typed failures of the relay's AMI layer, each with a stable `code` that callers classify on
// (never on message text). Used by connection.ts, event-list.ts, originate.ts and the job runners.
// Invariant: no error carries the AMI secret or a full phone number in its message.

import type { AmiMessage } from './wire.js';
import { header } from './wire.js';

/** Asterisk answered the action with `Response: Error`; `message` is Asterisk's own `Message:`. */
export class AmiActionError extends Error {
  readonly code = 'AMI_ACTION_ERROR';
  constructor(
    readonly action: string,
    readonly response: AmiMessage,
  ) {
    super(header(response, 'Message') ?? `${action} failed`);
    this.name = 'AmiActionError';
  }
}

/** No matching answer within the deadline (a stalled PBX, a lost list, a missing OriginateResponse). */
export class AmiTimeoutError extends Error {
  readonly code = 'AMI_TIMEOUT';
  constructor(
    readonly action: string,
    readonly timeoutMs: number,
  ) {
    super(`AMI ${action} got no answer within ${timeoutMs} ms`);
    this.name = 'AmiTimeoutError';
  }
}

/**
 * The connection is not ready (nothing was written) or dropped while the action was in flight
 * (it may or may not have run on the PBX: the caller reconciles, e.g. by ChannelId).
 */
export class AmiDisconnectedError extends Error {
  readonly code = 'AMI_DISCONNECTED';
  constructor(
    readonly action: string,
    readonly written: boolean,
  ) {
    super(written ? `AMI connection dropped while ${action} was in flight` : `AMI not ready; ${action} not sent`);
    this.name = 'AmiDisconnectedError';
  }
}

/** Login answered `Authentication failed` (capture 01b/01c); the server closes the socket after it. */
export class AmiAuthError extends Error {
  readonly code = 'AMI_AUTH_FAILED';
  constructor(
    readonly username: string,
    readonly serverMessage: string,
  ) {
    super(`AMI login as ${JSON.stringify(username)} rejected: ${serverMessage}`);
    this.name = 'AmiAuthError';
  }
}

/** A value that would be written to the PBX does not match its strict pattern (validation.ts). */
export class AmiValidationError extends Error {
  readonly code = 'AMI_INVALID_VALUE';
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    // The offending value is deliberately not included: it may be a phone number or hostile bytes.
    super(`invalid ${field}: ${reason}`);
    this.name = 'AmiValidationError';
  }
}
