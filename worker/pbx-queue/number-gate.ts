// The PBX's numbering policy applied to what the queue is asked to store: a callback's customer and
// operator, conference members, extensions in configuration. Every desk asks here, so every path
// refuses with the same judges (shared/numbering/) and the same field names.
import type { OperatorTarget } from '../../shared/jobs.js';
import type { ConferenceMember } from '../../shared/conferences.js';
import { judgeDestination, readNumber } from '../../shared/numbering/judge-destination.js';
import { judgeExtension } from '../../shared/numbering/judge-extension.js';
import { destinationRefusal, extensionRefusal, type NumberRefusal } from '../../shared/numbering/number-refusal.js';
import { numberingPolicy, type NumberingPolicy } from '../../shared/numbering/numbering-policy.js';
import { prefixesOf, regionOfCallingCode } from '../../shared/numbering/phone-metadata.js';
import type { PbxSettings } from '../../shared/pbx.js';

type Judged<T> = { ok: true; value: T } | { ok: false; refusal: NumberRefusal };

/** Undefined for stored settings of earlier versions that name no country: then nothing is dialled. */
export type Policy = NumberingPolicy | undefined;

export const policyOf = (settings: PbxSettings): Policy => numberingPolicy(settings);

const NO_PLAN = "this PBX's settings name no country, so nothing is dialled: set numbering.country (PUT /v1/admin/pbxes/{pbx}/settings)";

const noPlan = (field: string, code: NumberRefusal['code']): NumberRefusal => ({ kind: 'number-refused', field, code, reason: 'no-numbering-plan', message: NO_PLAN });

/** The number in E.164 (what is stored) and the dial string (what the relay sends), or the refusal. */
export function gateNumber(policy: Policy, input: string, field: string): Judged<{ e164: string; dial: string }> {
  if (policy === undefined) return { ok: false, refusal: noPlan(field, 'destination_not_allowed') };
  const v = judgeDestination(input, policy);
  return v.ok ? { ok: true, value: { e164: v.e164, dial: v.dial } } : { ok: false, refusal: destinationRefusal(v, field) };
}

/**
 * Read by a country of its own (a widget's or a campaign's calling code, for numbers written without
 * one; else the PBX's), then judged by the PBX's policy like any other destination.
 */
export function gateNumberFrom(policy: Policy, input: string, callingCode: string | undefined, field: string): Judged<{ e164: string; dial: string }> {
  if (policy === undefined) return gateNumber(policy, input, field);
  const country = (callingCode === undefined ? undefined : regionOfCallingCode(callingCode)) ?? policy.country;
  const read = readNumber(input, { country, prefixes: prefixesOf(country) });
  return read.ok ? gateNumber(policy, read.number.number, field) : { ok: false, refusal: destinationRefusal(read, field) };
}

/**
 * A valid number in E.164, read by the PBX's plan, with no destination rule applied: for numbers
 * that are never dialled (a caller ID shown to customers, a do-not-call entry).
 */
export function readE164(policy: Policy, input: string, field: string): Judged<string> {
  if (policy === undefined) return { ok: false, refusal: noPlan(field, 'destination_not_allowed') };
  const read = readNumber(input, policy);
  return read.ok ? { ok: true, value: read.number.number } : { ok: false, refusal: destinationRefusal(read, field) };
}

export function gateExtension(policy: Policy, input: string, field: string): NumberRefusal | undefined {
  if (policy === undefined) return noPlan(field, 'extension_not_allowed');
  const v = judgeExtension(input, policy);
  return v.ok ? undefined : extensionRefusal(v, field);
}

/** An operator target's extension (a queue name is no extension and is not judged). */
export function gateOperator(policy: Policy, operator: OperatorTarget, field: string): NumberRefusal | undefined {
  return 'extension' in operator ? gateExtension(policy, operator.extension, `${field}.extension`) : undefined;
}

/** Conference members with outside numbers turned into dial strings, or the first refusal. */
export function gateMembers(policy: Policy, members: ReadonlyArray<ConferenceMember>, field = 'members'): Judged<ConferenceMember[]> {
  const out: ConferenceMember[] = [];
  for (const [i, m] of members.entries()) {
    if ('extension' in m) {
      const refused = gateExtension(policy, m.extension, `${field}.${i}.extension`);
      if (refused !== undefined) return { ok: false, refusal: refused };
      out.push(m);
    } else {
      const n = gateNumber(policy, m.number, `${field}.${i}.number`);
      if (!n.ok) return n;
      out.push({ ...m, number: n.value.dial });
    }
  }
  return { ok: true, value: out };
}
