// Free text that is stored and shown back (metadata, names, labels): any script, but no control
// character — no CR, LF or NUL (which would split log lines, headers or CSV exports and end C
// strings), no other C0/C1 control, no Unicode line or paragraph separator, no bidirectional
// override (which makes a name read differently than it is stored). And the object keys JavaScript
// treats specially, refused wherever a body is parsed. Shared by every schema in shared/ that takes
// text, and by the Worker's JSON parsing and problem rendering.
import { z } from 'zod';

/** Characters free text may not contain. */
export const CONTROL_CHARACTERS = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

const NO_CONTROL = 'must not contain control characters (CR, LF, NUL, …)';

/** Text of 1 (or `min`) to `max` characters without control characters. */
export const freeText = (max: number, min = 1): z.ZodString => z.string().min(min).max(max).regex(new RegExp(`^[^${CONTROL_CHARACTERS.source.slice(1, -1)}]*$`, 'u'), NO_CONTROL);

/** Keys that reach Object.prototype or a constructor when a body is merged into an object: refused, never dropped. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** `text` with every control character written as `\uXXXX`, for messages that quote what was sent. */
export function escapeControls(text: string): string {
  return text.replace(new RegExp(CONTROL_CHARACTERS.source, 'gu'), (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`);
}
