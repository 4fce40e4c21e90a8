// The PBX's numbering policy applied to what the queue is asked to store: a callback's customer and
// operator, conference members, extensions in configuration. Every desk asks here, so every path
// refuses with the same judges (shared/numbering/) and the same field names.
import type { OperatorTarget } from '../../shared/jobs.js';
import type { ConferenceMember } from '../../shared/conferences.js';
import { judgeDestination } from '../../shared/numbering/judge-destination.js';
import { judgeExtension } from '../../shared/numbering/judge-extension.js';
import { destinationRefusal, extensionRefusal, type NumberRefusal } from '../../shared/numbering/number-refusal.js';
import { numberingPolicy, type NumberingPolicy } from '../../shared/numbering/numbering-policy.js';
import type { PbxSettings } from '../../shared/pbx.js';

type Judged<T> = { ok: true; value: T } | { ok: false; refusal: NumberRefusal };

export function policyOf(settings: PbxSettings): NumberingPolicy {
  const policy = numberingPolicy(settings);
  // pbxSettings refuses settings that name no country, so stored settings always have one.
  if (policy === undefined) throw new Error('PBX settings name no country');
  return policy;
}

/** The number in E.164 (what is stored) and the dial string (what the relay sends), or the refusal. */
export function gateNumber(policy: NumberingPolicy, input: string, field: string): Judged<{ e164: string; dial: string }> {
  const v = judgeDestination(input, policy);
  return v.ok ? { ok: true, value: { e164: v.e164, dial: v.dial } } : { ok: false, refusal: destinationRefusal(v, field) };
}

export function gateExtension(policy: NumberingPolicy, input: string, field: string): NumberRefusal | undefined {
  const v = judgeExtension(input, policy);
  return v.ok ? undefined : extensionRefusal(v, field);
}

/** An operator target's extension (a queue name is no extension and is not judged). */
export function gateOperator(policy: NumberingPolicy, operator: OperatorTarget, field: string): NumberRefusal | undefined {
  return 'extension' in operator ? gateExtension(policy, operator.extension, `${field}.extension`) : undefined;
}

export function gateExtensions(policy: NumberingPolicy, list: ReadonlyArray<string>, field: string): NumberRefusal | undefined {
  for (const [i, ext] of list.entries()) {
    const refused = gateExtension(policy, ext, `${field}.${i}`);
    if (refused !== undefined) return refused;
  }
  return undefined;
}

/** Conference members with outside numbers turned into dial strings, or the first refusal. */
export function gateMembers(policy: NumberingPolicy, members: ReadonlyArray<ConferenceMember>, field = 'members'): Judged<ConferenceMember[]> {
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
