// Which methods a path answers, from the app's own route table: a known path asked with another
// method is a 405 with `Allow` (RFC 9110 §15.5.6), not a 404. Used by app.ts's not-found handler.
import { HttpProblem } from './problem.js';

type Route = { method: string; path: string };

const matcher = (path: string): RegExp =>
  new RegExp(`^${path.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z0-9_]+/g, '[^/]+')}/?$`);

/** The methods registered for `pathname` (GET implies HEAD), in a stable order; empty if none. */
export function allowedMethods(routes: ReadonlyArray<Route>, pathname: string): string[] {
  const methods = new Set<string>();
  for (const r of routes) if (r.method !== 'ALL' && !r.path.includes('*') && matcher(r.path).test(pathname)) methods.add(r.method);
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort();
}

export function methodNotAllowed(method: string, allowed: ReadonlyArray<string>): HttpProblem {
  return new HttpProblem(405, 'method_not_allowed', `${method} is not supported here; use ${allowed.join(', ')}`, undefined, { allow: allowed.join(', ') });
}
