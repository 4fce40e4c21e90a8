// Strict patterns for everything that can end up in an AMI action: phone numbers, extensions,
// queue/context names, variable names and values, caller ID names. Shared by the Worker (zod
// validation at the edge) and the relay (checked again before anything is written to AMI).
// Invariant: none of these patterns admits CR, LF or any other control character.
import { z } from 'zod';

/** A customer's number as dialled through the outbound route: optional `+`, then 3–20 digits. */
export const PHONE_NUMBER = /^\+?[0-9]{3,20}$/;
/** A local extension: digits, optionally a leading `*` service-code star; 1–16 characters. */
export const EXTENSION = /^\*?[0-9]{1,16}$/;
/** Dialplan context, queue or ConfBridge profile name: letters, digits, `_` and `-`. */
export const DIALPLAN_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/;
/** Channel variable name; one or two leading underscores make it inheritable through Dial(). */
export const VARIABLE_NAME = /^_{0,2}[A-Za-z][A-Za-z0-9_]{0,31}$/;
/** Channel variable value: printable ASCII/Unicode without control characters, `,` or `|` (the Variable header separators). */
export const VARIABLE_VALUE = /^[^\p{Cc}\p{Zl}\p{Zp},|]{0,128}$/u;
/** Caller ID name shown on a phone: no control characters, quotes or angle brackets (they delimit the number). */
export const CALLER_ID_NAME = /^[^\p{Cc}\p{Zl}\p{Zp}"<>]{0,40}$/u;

export const phoneNumber = z
  .string()
  .regex(PHONE_NUMBER, 'must be a phone number: an optional + and 3 to 20 digits, nothing else');
export const extension = z.string().regex(EXTENSION, 'must be an extension: digits, optionally after one *');
export const dialplanName = z.string().regex(DIALPLAN_NAME, 'must be letters, digits, _ or -, at most 40');
export const variableName = z.string().regex(VARIABLE_NAME, 'must be a channel variable name');
export const variableValue = z.string().regex(VARIABLE_VALUE, 'must be at most 128 characters without control characters, commas or |');
export const callerIdName = z.string().regex(CALLER_ID_NAME, 'must be at most 40 characters without control characters, quotes or <>');

/** Digits of a number without its `+`, for prefix comparisons. */
export function digitsOf(number: string): string {
  return number.startsWith('+') ? number.slice(1) : number;
}
