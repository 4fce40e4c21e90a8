// A refused number or extension as the queue hands it to a route: the field to blame and the
// problem code, so every path answers the same refusal the same way (worker/http/number-problem.ts).
import type { DestinationVerdict } from './judge-destination.js';
import type { ExtensionVerdict } from './judge-extension.js';

export type NumberProblemCode = 'validation_failed' | 'destination_not_allowed' | 'extension_not_allowed';

export interface NumberRefusal {
  kind: 'number-refused';
  /** Dotted path of the field in the request that carried the number (`customer`, `members.2.extension`). */
  field: string;
  code: NumberProblemCode;
  /** The judge's reason (`denied-type`, `service-number`, …). */
  reason: string;
  message: string;
}

type Refused<V> = Extract<V, { ok: false }>;

export function destinationRefusal(v: Refused<DestinationVerdict>, field: string): NumberRefusal {
  // Not written as a number at all: a malformed field. A number in no valid range (a short or
  // service number, an unassigned range) is refused like any destination the rules do not allow.
  const malformed = v.code === 'not-a-number' || v.code === 'too-long';
  return { kind: 'number-refused', field, code: malformed ? 'validation_failed' : 'destination_not_allowed', reason: v.code, message: v.message };
}

export function extensionRefusal(v: Refused<ExtensionVerdict>, field: string): NumberRefusal {
  return { kind: 'number-refused', field, code: 'extension_not_allowed', reason: v.code, message: v.message };
}
