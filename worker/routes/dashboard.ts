// The dashboard under /app/: sign-in and sign-out, the PBX page (health and live calls), a job's
// timeline, the live feed's WebSocket, and the page's own script and styles. Every page carries a
// strict Content-Security-Policy (no inline script or style) and is never cached (page-context.ts).
import { Hono, type Context } from 'hono';
import { signInForm, type SessionScope } from '../../shared/dashboard.js';
import { pbxId } from '../../shared/pbx.js';
import { secretsEqual, sha256Hex } from '../auth/tokens.js';
import { DASHBOARD_ICON, DASHBOARD_SCRIPT, DASHBOARD_STYLES } from '../dashboard/client-script.js';
import { currentSession, mayOpen, requireOwnPage, sessionStore } from '../dashboard/guard.js';
import { langOf, opened, ownForm, page, readForm } from '../dashboard/page-context.js';
import { messagePage, pbxPage, signInPage, timelinePage } from '../dashboard/pages.js';
import { clearedSessionCookie, sessionCookieHeader, sessionKey, signSession, SESSION_TTL_MS } from '../dashboard/session-cookie.js';
import type { AppEnv } from '../env.js';
import { findPbx } from '../http/pbx.js';
import { HttpProblem } from '../http/problem.js';
import { manageRoutes } from './dashboard-manage.js';

type Ctx = Context<AppEnv>;

const JOB_ID = /^job_[A-Za-z0-9_-]{16}$/;
const ASSET = { 'cache-control': 'public, max-age=300', 'x-content-type-options': 'nosniff' };

export const dashboardRoutes = new Hono<AppEnv>();

dashboardRoutes.get('/app.js', (c) => c.body(DASHBOARD_SCRIPT, 200, { ...ASSET, 'content-type': 'application/javascript; charset=utf-8' }));
dashboardRoutes.get('/app.css', (c) => c.body(DASHBOARD_STYLES, 200, { ...ASSET, 'content-type': 'text/css; charset=utf-8' }));
dashboardRoutes.get('/icon.svg', (c) => c.body(DASHBOARD_ICON, 200, { ...ASSET, 'content-type': 'image/svg+xml' }));

/** GET /app/: the sign-in page, or straight to the PBX a key session belongs to. Mounted by app.ts (a sub-app's `/` would be /app). */
export async function dashboardHome(c: Ctx): Promise<Response> {
  const session = await currentSession(c);
  const lang = langOf(c);
  if (session !== undefined && session.scope.kind === 'pbx') return c.redirect(`/app/pbxes/${session.scope.pbx}/`, 303);
  return page(c, signInPage(lang, {}));
}

dashboardRoutes.post('/sign-in', async (c) => {
  requireOwnPage(c);
  const form = await readForm(c);
  const lang = form.get('lang') === 'ru' ? 'ru' : 'en';
  const parsed = signInForm.safeParse({ token: form.get('token') ?? '', pbx: form.get('pbx') ?? '', lang });
  if (!parsed.success) return page(c, signInPage(lang, { pbx: pbxId.safeParse(form.get('pbx')).data, error: 'badCredentials' }), 401);
  const { token, pbx } = parsed.data;
  const scope = await scopeOf(c, token, pbx);
  if (scope === undefined) return page(c, signInPage(lang, { pbx, error: 'badCredentials' }), 401);
  return startSession(c, scope, `/app/pbxes/${pbx}/`);
});

// `npm start` only: one click signs in to the demo PBX. The binding names the PBX; a deployment never sets it.
dashboardRoutes.get('/dev-sign-in', async (c) => {
  const pbx = c.env.DASHBOARD_DEV_SIGN_IN;
  if (pbx === undefined || !pbxId.safeParse(pbx).success) throw new HttpProblem(404, 'not_found', 'route not found');
  return startSession(c, { kind: 'pbx', pbx }, `/app/pbxes/${pbx}/`);
});

dashboardRoutes.post('/sign-out', async (c) => {
  const session = await currentSession(c);
  await ownForm(c, session);
  if (session !== undefined) await sessionStore(c.env).close(session.id);
  c.header('set-cookie', clearedSessionCookie());
  return c.redirect('/app/', 303);
});

dashboardRoutes.get('/pbxes/:pbx/', async (c) => {
  const seen = await opened(c);
  if (seen instanceof Response) return seen;
  return page(c, pbxPage(seen.lang, seen.viewer));
});

dashboardRoutes.get('/pbxes/:pbx/jobs/:id', async (c) => {
  const seen = await opened(c);
  if (seen instanceof Response) return seen;
  const id = c.req.param('id');
  const timeline = JOB_ID.test(id) ? await seen.stub.jobTimeline(id) : null;
  if (timeline === null) return page(c, messagePage(seen.lang, 'notFound'), 404);
  const deliveries = (await seen.stub.jobDeliveries(id)) ?? [];
  return page(c, timelinePage(seen.lang, seen.viewer, timeline.job, timeline.events, deliveries));
});

dashboardRoutes.get('/pbxes/:pbx/live', async (c) => {
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') throw new HttpProblem(426, 'validation_failed', 'this endpoint takes a WebSocket upgrade', 'upgrade');
  // Browsers send Origin on WebSocket upgrades but do not apply CORS to them: a foreign page's socket is refused here.
  if (c.req.header('origin') !== new URL(c.req.url).origin) throw new HttpProblem(403, 'forbidden', 'the live feed is for the dashboard itself', 'origin');
  const pbx = pbxId.safeParse(c.req.param('pbx'));
  const session = await currentSession(c);
  if (!pbx.success || session === undefined || !mayOpen(session, pbx.data)) return closedSocket(session === undefined ? 4401 : 4403);
  const target = await findPbx(c.env, pbx.data);
  if (target === undefined) return closedSocket(4403);
  return target.stub.fetch(new Request('https://pbx/live', { headers: { upgrade: 'websocket' } }));
});

dashboardRoutes.route('/pbxes/:pbx', manageRoutes);

async function scopeOf(c: Ctx, token: string, pbx: string): Promise<SessionScope | undefined> {
  // An unknown PBX touches no storage and answers as a wrong token does.
  const target = await findPbx(c.env, pbx);
  if (target === undefined) return undefined;
  const admin = c.env.ADMIN_TOKEN;
  if (admin !== undefined && (await secretsEqual(token, admin))) return { kind: 'admin' };
  if (!token.startsWith('pzk_')) return undefined;
  return (await target.stub.isApiKey(await sha256Hex(token))) ? { kind: 'pbx', pbx } : undefined;
}

async function startSession(c: Ctx, scope: SessionScope, to: string): Promise<Response> {
  const key = await sessionKey(c.env);
  if (key === undefined) throw new HttpProblem(503, 'internal', 'the dashboard needs ADMIN_TOKEN or SESSION_KEY to be set');
  const session = await sessionStore(c.env).open(scope, Date.now() + SESSION_TTL_MS);
  c.header('set-cookie', sessionCookieHeader(await signSession(key, session.id, session.expiresAt), SESSION_TTL_MS / 1000));
  return c.redirect(to, 303);
}

/** A socket accepted only to be closed with a code the page understands (4401: sign in again). */
function closedSocket(code: number): Response {
  const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
  server.accept();
  server.close(code, code === 4401 ? 'session ended' : 'not this PBX');
  return new Response(null, { status: 101, webSocket: client });
}
