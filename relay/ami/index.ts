// Public surface of the relay's AMI client layer; the job runners import from here only.
// Used by relay/jobs/* and relay/main.ts.
// Invariant: wire.ts stays internal to this folder except for its message types and readers.

export { AmiConnection } from './connection.js';
export type { AmiAction, AmiConnectionEvents, AmiConnectionOptions, AmiState, SendOptions } from './connection.js';
export { sendList, listItemCount, isKnownEmptyListError, KNOWN_EMPTY_LIST_ERRORS } from './event-list.js';
export type { AmiListResult, SendListOptions } from './event-list.js';
export { originate, originateAndFollow, buildOriginateAction } from './originate.js';
export type { OriginateOptions, OriginateRequest, OriginateResult, OriginateTarget, OriginatedCall } from './originate.js';
export { CallFollower, followCall } from './call-follower.js';
export type { FollowEnd, FollowOptions, FollowedCall } from './call-follower.js';
export { callOutcome, mostSpecificHangup } from './outcome.js';
export type { CallOutcome, CallOutcomeKind, HangupInfo, OutcomeSignals } from './outcome.js';
export * from './errors.js';
export * from './validation.js';
export { maskNumber } from './redact.js';
export { header, headerAll, kindOf } from './wire.js';
export type { AmiMessage, AmiHeaders } from './wire.js';
