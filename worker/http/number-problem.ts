// A refused number or extension (shared/numbering/number-refusal.ts) as the problem every route
// answers with: 400 for something that is no number, 422 for one the PBX's rules refuse.
import type { NumberRefusal } from '../../shared/numbering/number-refusal.js';
import { HttpProblem } from './problem.js';

/** `field` renames the request's field where a route's body names it differently (`phone`, `data[PHONE_NUMBER]`). */
export function numberProblem(r: NumberRefusal, field: string = r.field, headers: Record<string, string> = {}): HttpProblem {
  return new HttpProblem(r.code === 'validation_failed' ? 400 : 422, r.code, `${field}: ${r.message}`, field, headers);
}
