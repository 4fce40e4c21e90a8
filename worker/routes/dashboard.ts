// The dashboard under /app/: sign-in and sign-out, the PBX page (health and live calls), a job's
// timeline, the live feed's WebSocket, and the page's own script and styles. Every page carries a
// strict Content-Security-Policy (no inline script or style) and is never cached.
import { Hono, type Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { signInForm, type SessionScope } from '../../shared/dashboard.js';
import { pbxId } from '../../shared/pbx.js';
import { secretsEqual, sha256Hex } from '../auth/tokens.js';
import { DASHBOARD_ICON, DASHBOARD_SCRIPT, DASHBOARD_STYLES } from '../dashboard/client-script.js';
import { currentSession, mayOpen, requireOwnPage, sessionStore } from '../dashboard/guard.js';
import { pickLang, type Lang } from '../dashboard/i18n.js';
import { messagePage, pbxPage, signInPage, timelinePage } from '../dashboard/pages.js';
import { clearedSessionCookie, sessionCookieHeader, sessionKey, signSession, SESSION_TTL_MS } from '../dashboard/session-cookie.js';
import type { Session } from '../dashboard/session-store.js';
import type { AppEnv } from '../env.js';
import { MAX_BODY_BYTES } from '../http/body.js';
import { HttpProblem } from '../http/problem.js';

type Ctx = Context<AppEnv>;

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const PAGE_HEADERS = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // Not no-referrer: under it Chromium sends `Origin: null` with our own form posts, which the CSRF check refuses.
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};
const JOB_ID = /^job_[A-Za-z0-9_-]{16}$/;

export const dashboardRoutes = new Hono<AppEnv>();

function langOf(c: Ctx): Lang {
  const lang = pickLang(c.req.query('lang'), getCookie(c, 'pz_lang'), c.req.header('accept-language'));
  if (c.req.query('lang') === lang) setCookie(c, 'pz_lang', lang, { path: '/app', sameSite: 'Strict', secure: true, maxAge: 365 * 86400 });
  return lang;
}

async function page(c: Ctx, body: Promise<string> | string, status = 200): Promise<Response> {
  return c.html(await body, status as 200, PAGE_HEADERS);
}

dashboardRoutes.get('/app.js', (c) => c.body(DASHBOARD_SCRIPT, 200, { 'content-type': 'application/javascript; charset=utf-8', 'cache-control': 'public, max-age=300', 'x-content-type-options': 'nosniff' }));
dashboardRoutes.get('/icon.svg', (c) => c.body(DASHBOARD_ICON, 200, { 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=86400', 'x-content-type-options': 'nosniff' }));
dashboardRoutes.get('/app.css', (c) => c.body(DASHBOARD_STYLES, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=300', 'x-content-type-options': 'nosniff' }));

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
  const form = await readForm(c);
  requireOwnPage(c, session, form.get('csrf') ?? undefined);
  if (session !== undefined) await sessionStore(c.env).close(session.id);
  c.header('set-cookie', clearedSessionCookie());
  return c.redirect('/app/', 303);
});

dashboardRoutes.get('/pbxes/:pbx/', async (c) => {
  const seen = await opened(c);
  if (seen instanceof Response) return seen;
  return page(c, pbxPage(seen.lang, seen.pbx, seen.session.csrf));
});

dashboardRoutes.get('/pbxes/:pbx/jobs/:id', async (c) => {
  const seen = await opened(c);
  if (seen instanceof Response) return seen;
  const id = c.req.param('id');
  const stub = c.env.PBX_QUEUE.get(c.env.PBX_QUEUE.idFromName(seen.pbx));
  const timeline = JOB_ID.test(id) ? await stub.jobTimeline(id) : null;
  if (timeline === null) return page(c, messagePage(seen.lang, 'notFound'), 404);
  const deliveries = (await stub.jobDeliveries(id)) ?? [];
  return page(c, timelinePage(seen.lang, seen.pbx, seen.session.csrf, timeline.job, timeline.events, deliveries));
});

dashboardRoutes.get('/pbxes/:pbx/live', async (c) => {
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') throw new HttpProblem(426, 'validation_failed', 'this endpoint takes a WebSocket upgrade', 'upgrade');
  // Browsers send Origin on WebSocket upgrades but do not apply CORS to them: a foreign page's socket is refused here.
  if (c.req.header('origin') !== new URL(c.req.url).origin) throw new HttpProblem(403, 'forbidden', 'the live feed is for the dashboard itself', 'origin');
  const pbx = pbxId.safeParse(c.req.param('pbx'));
  const session = await currentSession(c);
  if (!pbx.success || session === undefined || !mayOpen(session, pbx.data)) return closedSocket(session === undefined ? 4401 : 4403);
  const stub = c.env.PBX_QUEUE.get(c.env.PBX_QUEUE.idFromName(pbx.data));
  return stub.fetch(new Request('https://pbx/live', { headers: { upgrade: 'websocket' } }));
});

/** The session may open this PBX: its page context; otherwise the response to send instead. */
async function opened(c: Ctx): Promise<{ session: Session; pbx: string; lang: Lang } | Response> {
  const lang = langOf(c);
  const session = await currentSession(c);
  if (session === undefined) return c.redirect(`/app/?lang=${lang}`, 303);
  const pbx = pbxId.safeParse(c.req.param('pbx'));
  if (!pbx.success || !mayOpen(session, pbx.data)) return page(c, messagePage(lang, 'forbidden'), 403);
  return { session, pbx: pbx.data, lang };
}

async function scopeOf(c: Ctx, token: string, pbx: string): Promise<SessionScope | undefined> {
  const admin = c.env.ADMIN_TOKEN;
  if (admin !== undefined && (await secretsEqual(token, admin))) {
    const stub = c.env.PBX_QUEUE.get(c.env.PBX_QUEUE.idFromName(pbx));
    return (await stub.pbxSettings()) === null ? undefined : { kind: 'admin' };
  }
  if (!token.startsWith('pzk_')) return undefined;
  const stub = c.env.PBX_QUEUE.get(c.env.PBX_QUEUE.idFromName(pbx));
  return (await stub.isApiKey(await sha256Hex(token))) ? { kind: 'pbx', pbx } : undefined;
}

async function startSession(c: Ctx, scope: SessionScope, to: string): Promise<Response> {
  const key = await sessionKey(c.env);
  if (key === undefined) throw new HttpProblem(503, 'internal', 'the dashboard needs ADMIN_TOKEN or SESSION_KEY to be set');
  const session = await sessionStore(c.env).open(scope, Date.now() + SESSION_TTL_MS);
  c.header('set-cookie', sessionCookieHeader(await signSession(key, session.id, session.expiresAt), SESSION_TTL_MS / 1000));
  return c.redirect(to, 303);
}

async function readForm(c: Ctx): Promise<URLSearchParams> {
  if (!/^application\/x-www-form-urlencoded\b/i.test(c.req.header('content-type') ?? '')) {
    throw new HttpProblem(415, 'unsupported_media_type', 'send the form as application/x-www-form-urlencoded', 'content-type');
  }
  const text = await c.req.text();
  if (text.length > MAX_BODY_BYTES) throw new HttpProblem(413, 'body_too_large', `the body is larger than ${MAX_BODY_BYTES} bytes`);
  return new URLSearchParams(text);
}

/** A socket accepted only to be closed with a code the page understands (4401: sign in again). */
function closedSocket(code: number): Response {
  const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
  server.accept();
  server.close(code, code === 4401 ? 'session ended' : 'not this PBX');
  return new Response(null, { status: 101, webSocket: client });
}
