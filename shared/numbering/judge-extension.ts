// The one decision whether a string is an extension of this PBX: used wherever an extension is
// accepted (a callback's operator, conference members, groups and callers, missed-call watches,
// widget targets, CRM user maps). An extension is dialled as Local/<ext>@<operatorContext>, whose
// outbound routes reach the world, so it must look like one of the PBX's extensions and be neither
// an outside number nor a service number.
import { readNumber } from './judge-destination.js';
import { isServiceNumber, isUniversalEmergency } from './service-numbers.js';
import type { NumberingPolicy } from './numbering-policy.js';

export type ExtensionRefusal = 'not-an-extension' | 'length-not-allowed' | 'pattern-not-matched' | 'outside-number' | 'service-number';

export type ExtensionVerdict = { ok: true; extension: string } | { ok: false; code: ExtensionRefusal; message: string };

export function judgeExtension(input: string, policy: NumberingPolicy): ExtensionVerdict {
  const plan = policy.extensions;
  if (!/^[0-9]{1,16}$/.test(input)) return refuse('not-an-extension', 'an extension is ASCII digits only (no *, #, + or spaces)');
  if (input.length < plan.minLength || input.length > plan.maxLength) {
    return refuse('length-not-allowed', `this PBX's extensions have ${plan.minLength} to ${plan.maxLength} digits`);
  }
  if (plan.patterns !== undefined && !plan.patterns.some((p) => matchesPattern(input, p))) {
    return refuse('pattern-not-matched', "the extension matches none of this PBX's extension patterns");
  }
  if (isUniversalEmergency(input) || (isServiceNumber(input, policy.country) && !plan.serviceNumberExceptions.includes(input))) {
    return refuse('service-number', 'an emergency or service number is never dialled as an extension');
  }
  if (readNumber(input, policy).ok) return refuse('outside-number', 'the extension is a number the PBX could dial outside');
  return { ok: true, extension: input };
}

/** Asterisk pattern matching for the fixed-length subset extensionPattern admits (`_1XX`, `_2[0-4]X`). */
export function matchesPattern(digits: string, pattern: string): boolean {
  const classes = pattern.slice(1).match(/\[[^\]]+\]|./g) ?? [];
  if (classes.length !== digits.length) return false;
  return classes.every((c, i) => {
    const d = digits.charCodeAt(i) - 48;
    if (c === 'X') return d >= 0 && d <= 9;
    if (c === 'Z') return d >= 1 && d <= 9;
    if (c === 'N') return d >= 2 && d <= 9;
    if (c.startsWith('[')) return inClass(d, c.slice(1, -1));
    return c === digits[i];
  });
}

function inClass(d: number, body: string): boolean {
  for (let i = 0; i < body.length; i++) {
    const lo = body.charCodeAt(i) - 48;
    const ranged = body[i + 1] === '-';
    const hi = ranged ? body.charCodeAt(i + 2) - 48 : lo;
    if (d >= lo && d <= hi) return true;
    if (ranged) i += 2;
  }
  return false;
}

function refuse(code: ExtensionRefusal, message: string): { ok: false; code: ExtensionRefusal; message: string } {
  return { ok: false, code, message };
}
