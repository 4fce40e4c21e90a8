// Who is looking at the dashboard: the session behind the cookie (signature first, then the session
// store, so a forged cookie costs no storage read and a signed-out one is refused everywhere), what it
// may open, and whether an unsafe request really comes from our own page (same Origin, form token).
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import type { AppEnv, Bindings } from '../env.js';
import { HttpProblem } from '../http/problem.js';
import { SESSION_COOKIE, sessionKey, verifySession } from './session-cookie.js';
import type { DashboardSessions, Session } from './session-store.js';

type Ctx = Context<AppEnv>;

export function sessionStore(env: Bindings): DurableObjectStub<DashboardSessions> {
  return env.DASHBOARD_SESSIONS.get(env.DASHBOARD_SESSIONS.idFromName('sessions'));
}

/** The live session of this request, if its cookie carries one. */
export async function currentSession(c: Ctx): Promise<Session | undefined> {
  const key = await sessionKey(c.env);
  if (key === undefined) return undefined;
  const id = await verifySession(key, getCookie(c, SESSION_COOKIE), Date.now());
  if (id === undefined) return undefined;
  return (await sessionStore(c.env).session(id)) ?? undefined;
}

export function mayOpen(session: Session, pbx: string): boolean {
  return session.scope.kind === 'admin' || session.scope.pbx === pbx;
}

/**
 * Refuses a request that changes something unless it comes from a page of this origin: the browser's
 * Origin header must be ours (SameSite=Strict already keeps the cookie off cross-site requests; this
 * holds even where a browser does not), and, when signed in, the form token must match the session's.
 */
export function requireOwnPage(c: Ctx, session?: Session, csrf?: string): void {
  const origin = c.req.header('origin');
  if (origin === undefined || origin !== new URL(c.req.url).origin) throw new HttpProblem(403, 'forbidden', 'this request must come from the dashboard itself', 'origin');
  if (session !== undefined && csrf !== session.csrf) throw new HttpProblem(403, 'forbidden', 'the form token is missing or stale; reload the page', 'csrf');
}
