// Extension patterns of an organisation's numbering plan, in the notation Asterisk admins write
// (`2XX`, `3NN`, `51[0-4]` without the leading `_`): X is any digit, Z 1–9, N 2–9, [..] a set or range
// of digits, anything else a literal digit. A pattern matches extensions of exactly its length, so
// two patterns overlap only when they have the same length and every position shares a digit —
// which lets an overlap be refused at configuration time, exactly, without enumerating numbers.
import { z } from 'zod';

const PATTERN = /^(?:[0-9XZN]|\[[0-9](?:-[0-9])?(?:[0-9](?:-[0-9])?)*\])+$/;

export const extensionPattern = z
  .string()
  .min(1)
  .max(40)
  .regex(PATTERN, 'must be an extension pattern: digits, X (any digit), Z (1-9), N (2-9) or [digits]')
  .refine((p) => positions(p).length <= 8, 'at most 8 positions');

/** Each position's set of digits, as a 10-bit mask. */
function positions(pattern: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] ?? '';
    if (ch === '[') {
      const end = pattern.indexOf(']', i);
      out.push(setMask(pattern.slice(i + 1, end)));
      i = end;
    } else if (ch === 'X') out.push(0b1111111111);
    else if (ch === 'Z') out.push(0b1111111110);
    else if (ch === 'N') out.push(0b1111111100);
    else out.push(1 << Number(ch));
  }
  return out;
}

function setMask(body: string): number {
  let mask = 0;
  for (let i = 0; i < body.length; i++) {
    const from = Number(body[i]);
    const to = body[i + 1] === '-' ? Number(body[i + 2]) : from;
    for (let d = Math.min(from, to); d <= Math.max(from, to); d++) mask |= 1 << d;
    if (body[i + 1] === '-') i += 2;
  }
  return mask;
}

export function matchesPattern(pattern: string, extension: string): boolean {
  const pos = positions(pattern);
  if (!/^[0-9]+$/.test(extension) || extension.length !== pos.length) return false;
  return pos.every((mask, i) => (mask & (1 << Number(extension[i]))) !== 0);
}

export function patternsOverlap(a: string, b: string): boolean {
  const pa = positions(a);
  const pb = positions(b);
  return pa.length === pb.length && pa.every((mask, i) => (mask & (pb[i] ?? 0)) !== 0);
}
