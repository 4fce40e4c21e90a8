// Strict patterns for everything that can end up in an AMI action: phone numbers, extensions,
// queue/context names, variable names and values, caller ID names. Shared by the Worker (zod
// validation at the edge) and the relay (checked again before anything is written to AMI).
// Invariant: none of these patterns admits CR, LF or any other control character.
import { z } from 'zod';

/**
 * Phone number: optional leading `+`, then 3–20 ASCII digits (E.164 is at most 15, but national
 * formats with trunk/international prefixes such as `8` or `00` need a few more; fewer than 3
 * digits is an extension, not a number). No spaces, dashes or brackets: normalise before.
 */
export const PHONE_NUMBER = /^\+?[0-9]{3,20}$/;
/** Extension: 1–16 characters, ASCII digits with an optional leading `*` or `#` (feature codes like `*1005`). */
export const EXTENSION = /^(?=.{1,16}$)[*#]?[0-9]+$/;
/** Queue, ConfBridge room, bridge/user profile and application names: ASCII word chars and `-`, 1–40. */
export const AMI_NAME = /^[A-Za-z0-9_-]{1,40}$/;
/**
 * Dialplan context: starts with a letter or digit, then ASCII word chars and `-`, up to 79 (Asterisk's
 * AST_MAX_CONTEXT is 80 with the NUL). `.` is refused although Asterisk allows it: no context we
 * target needs one, and `@`/`/`/`,` would change the Local dial string or an application argument.
 */
export const CONTEXT = /^[A-Za-z0-9][A-Za-z0-9_-]{0,78}$/;
/** Channel variable name; `_`/`__` prefixes make Dial() inherit it (capture 03h). */
export const VARIABLE_NAME = /^_{0,2}[A-Za-z][A-Za-z0-9_]{0,31}$/;
/**
 * Variable value: letters/marks/digits of any script, space and `_ . : @ + * # / = - ( ) ! ? '`, up
 * to 256. No `,` (Originate splits every `Variable:` header on commas, capture 02b: `a,B=x` would
 * set B), no `\` or `"` (argument quoting), no `$ { } [ ]` (dialplan expressions), no `;` `|` `&`.
 */
export const VARIABLE_VALUE = /^[\p{L}\p{M}\p{N} _.:@+*#/=()!?'-]{0,256}$/u;
/** Caller ID name: like a variable value minus `=`, 1–64; `<`, `>` and `"` would break `"name" <number>`. */
export const CALLER_ID_NAME = /^[\p{L}\p{M}\p{N} _.:@+*#/()!?'-]{1,64}$/u;

export const phoneNumber = z
  .string()
  .regex(PHONE_NUMBER, 'must be a phone number: an optional + and 3 to 20 digits, nothing else');
export const extension = z.string().regex(EXTENSION, 'must be an extension: 1 to 16 digits, optionally after one * or #');
export const contextName = z.string().regex(CONTEXT, 'must be a dialplan context: letters, digits, _ or -, at most 79');
export const amiName = z.string().regex(AMI_NAME, 'must be letters, digits, _ or -, at most 40');
export const variableName = z.string().regex(VARIABLE_NAME, 'must be a channel variable name');
export const variableValue = z.string().regex(VARIABLE_VALUE, "must be at most 256 letters, digits, spaces or _.:@+*#/=()!?'-");
export const callerIdName = z.string().regex(CALLER_ID_NAME, "must be 1 to 64 letters, digits, spaces or _.:@+*#/()!?'-");

/** A country calling code (`7`, `44`, `380`), for numbers written without one. */
export const countryCallingCode = z.string().regex(/^[1-9][0-9]{0,2}$/, 'must be a country calling code: 1 to 3 digits');
