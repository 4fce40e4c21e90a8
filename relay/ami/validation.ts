// Strict allow-list validation of every value the relay writes into an AMI action.
// Used by originate.ts and the job runners before anything reaches `serialize` (wire.ts).
// Invariant: a validated value contains no CR/LF or other control/separator character, nothing
// that re-splits a header (`,` in `Variable`, `<>"` in `CallerID`) and nothing that changes the
// dial string (`@`, `/`, `&` inside an extension); capture 07-crlf-injection shows why.

import { AmiValidationError } from './errors.js';

declare const brand: unique symbol;
type Branded<T, B extends string> = T & { readonly [brand]: B };

export type PhoneNumber = Branded<string, 'PhoneNumber'>;
export type Extension = Branded<string, 'Extension'>;
export type AmiName = Branded<string, 'AmiName'>;
export type DialplanContext = Branded<string, 'DialplanContext'>;
export type VariableName = Branded<string, 'VariableName'>;
export type VariableValue = Branded<string, 'VariableValue'>;
export type CallerIdName = Branded<string, 'CallerIdName'>;
export type ChannelId = Branded<string, 'ChannelId'>;
export type DialString = Branded<string, 'DialString'>;
export type DtmfDigits = Branded<string, 'DtmfDigits'>;

/**
 * ChannelId/OtherChannelId: ASCII word chars, `.` and `-`, starting with a letter or digit, at most
 * 147 — Asterisk rejects a Uniqueid over 149 (capture 04) and a Local `;2` half gets `<id>;2`.
 */
export const CHANNEL_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,146}$/;
/**
 * Dial string for Originate's `Channel`: `Tech/resource` where the resource is ASCII word chars and
 * `@ . + * # / -` (e.g. `Local/101@phones`, `Local/101@phones/n`, `PJSIP/101`). No `&` (parallel
 * dial), `,` or whitespace.
 */
export const DIAL_STRING = /^[A-Za-z][A-Za-z0-9]{0,15}\/[A-Za-z0-9_@.+*#/-]{1,120}$/;
/** DTMF digits for PlayDTMF, which plays only the first character of `Digit` (capture 11). */
export const DTMF_DIGITS = /^[0-9A-D*#]{1,32}$/;
/** Application data (`Data:`): comma-separated plain arguments such as `7001,default_bridge,quiet_user`. */
export const APP_DATA = /^[A-Za-z0-9_@.+*#/:-]{0,80}(,[A-Za-z0-9_@.+*#/:-]{0,80}){0,7}$/;

import { AMI_NAME, CALLER_ID_NAME, CONTEXT, EXTENSION, PHONE_NUMBER, VARIABLE_NAME, VARIABLE_VALUE } from '../../shared/dial.js';

// The patterns shared with the Worker (which refuses the same values at the edge) live in shared/dial.ts.
export { AMI_NAME, CALLER_ID_NAME, CONTEXT, EXTENSION, PHONE_NUMBER, VARIABLE_NAME, VARIABLE_VALUE };

function check<T extends string>(pattern: RegExp, value: unknown, field: string, expected: string): T {
  if (typeof value !== 'string') throw new AmiValidationError(field, `expected a string, got ${typeof value}`);
  if (!pattern.test(value)) throw new AmiValidationError(field, `must be ${expected} (got ${value.length} chars)`);
  // JS `$` without the m flag matches only at the very end, so a trailing \n cannot slip through.
  return value as T;
}

export function validatePhoneNumber(value: unknown, field = 'number'): PhoneNumber {
  return check<PhoneNumber>(PHONE_NUMBER, value, field, 'an optional + and 3-20 digits');
}

export function validateExtension(value: unknown, field = 'extension'): Extension {
  return check<Extension>(EXTENSION, value, field, '1-16 digits with an optional leading * or #');
}

/** Queue, ConfBridge room, bridge/user profile or application name. */
export function validateName(value: unknown, field: string): AmiName {
  return check<AmiName>(AMI_NAME, value, field, '1-40 of A-Z a-z 0-9 _ -');
}

export function validateContext(value: unknown, field = 'context'): DialplanContext {
  return check<DialplanContext>(CONTEXT, value, field, 'a dialplan context name (A-Z a-z 0-9 _ -, max 79)');
}

export function validateVariableName(value: unknown, field = 'variable name'): VariableName {
  return check<VariableName>(VARIABLE_NAME, value, field, 'a channel variable name');
}

export function validateVariableValue(value: unknown, field = 'variable value'): VariableValue {
  return check<VariableValue>(VARIABLE_VALUE, value, field, 'letters, digits, space and _ . : @ + * # / = - ( ) ! ? \' (max 256)');
}

export function validateCallerIdName(value: unknown, field = 'callerId.name'): CallerIdName {
  return check<CallerIdName>(CALLER_ID_NAME, value, field, 'a caller ID name without < > " , (1-64)');
}

export function validateChannelId(value: unknown, field = 'channelId'): ChannelId {
  return check<ChannelId>(CHANNEL_ID, value, field, 'A-Z a-z 0-9 _ . - (1-147)');
}

export function validateDialString(value: unknown, field = 'channel'): DialString {
  return check<DialString>(DIAL_STRING, value, field, 'a Tech/resource dial string');
}

export function validateDtmfDigits(value: unknown, field = 'digits'): DtmfDigits {
  return check<DtmfDigits>(DTMF_DIGITS, value, field, '1-32 of 0-9 A-D * #');
}

export function validateAppData(value: unknown, field = 'data'): string {
  return check<string>(APP_DATA, value, field, 'comma-separated plain application arguments');
}

/** Dialplan priority: a plain positive integer (labels are not used by the relay). */
export function validatePriority(value: unknown, field = 'priority'): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 9999) {
    throw new AmiValidationError(field, 'must be an integer 1-9999');
  }
  return value;
}

/** A duration in milliseconds within [min, max]; Originate's `Timeout` is the ring time of the first leg. */
export function validateMs(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new AmiValidationError(field, `must be an integer number of ms in [${min}, ${max}]`);
  }
  return value;
}

/** `Local/<exten>@<context>`: both parts validated so the dial string cannot be redirected. */
export function localChannel(exten: string, context: string): DialString {
  if (!EXTENSION.test(exten) && !PHONE_NUMBER.test(exten)) {
    throw new AmiValidationError('exten', 'must be an extension or a phone number');
  }
  return `Local/${exten}@${validateContext(context)}` as DialString;
}

/**
 * A real channel name as Asterisk reported it (`Local/101@phones-00000021;1`, `PJSIP/101-0000001a`),
 * written back in ConfbridgeKick/PlayDTMF/Hangup. Tech/resource with `;` for Local halves; no
 * whitespace, `,` or control characters.
 */
export const CHANNEL_NAME = /^[A-Za-z][A-Za-z0-9]{0,15}\/[A-Za-z0-9_@.+*#/;:-]{1,150}$/;

export function validateChannelName(value: unknown, field = 'channel'): DialString {
  return check<DialString>(CHANNEL_NAME, value, field, 'a channel name as Asterisk reports it');
}
