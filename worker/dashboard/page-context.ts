// What every dashboard page needs from its request: the language, the page's security headers, the
// signed-in viewer allowed to open the PBX in the path (or the response to send instead), and the
// form body of a POST from one of our own pages.
import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { pbxId } from '../../shared/pbx.js';
import type { AppEnv } from '../env.js';
import { MAX_BODY_BYTES } from '../http/body.js';
import { findPbx } from '../http/pbx.js';
import { HttpProblem } from '../http/problem.js';
import { currentSession, mayOpen, requireOwnPage } from './guard.js';
import { pickLang, type Lang } from './i18n.js';
import { messagePage, type Viewer } from './pages.js';
import type { Session } from './session-store.js';

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

export function langOf(c: Ctx): Lang {
  const lang = pickLang(c.req.query('lang'), getCookie(c, 'pz_lang'), c.req.header('accept-language'));
  if (c.req.query('lang') === lang) setCookie(c, 'pz_lang', lang, { path: '/app', sameSite: 'Strict', secure: true, maxAge: 365 * 86400 });
  return lang;
}

export async function page(c: Ctx, body: Promise<string> | string, status = 200): Promise<Response> {
  return c.html(await body, status as 200, PAGE_HEADERS);
}

export interface Opened {
  session: Session;
  viewer: Viewer;
  lang: Lang;
  stub: DurableObjectStub<import('../pbx-queue/pbx-queue.js').PbxQueue>;
}

/** The session may open the PBX in the path: its page context; otherwise the response to send instead. */
export async function opened(c: Ctx, need: 'viewer' | 'admin' = 'viewer'): Promise<Opened | Response> {
  const lang = langOf(c);
  const session = await currentSession(c);
  if (session === undefined) return c.redirect(`/app/?lang=${lang}`, 303);
  const pbx = pbxId.safeParse(c.req.param('pbx'));
  const admin = session.scope.kind === 'admin';
  if (!pbx.success || !mayOpen(session, pbx.data) || (need === 'admin' && !admin)) return page(c, messagePage(lang, 'forbidden'), 403);
  const target = await findPbx(c.env, pbx.data);
  if (target === undefined) return page(c, messagePage(lang, 'notFound'), 404);
  return { session, lang, stub: target.stub, viewer: { csrf: session.csrf, pbx: pbx.data, admin } };
}

/** A POST from one of the viewer's own pages: its form, after the origin and form-token checks. */
export async function ownForm(c: Ctx, session: Session | undefined): Promise<URLSearchParams> {
  const form = await readForm(c);
  requireOwnPage(c, session, form.get('csrf') ?? undefined);
  return form;
}

export async function readForm(c: Ctx): Promise<URLSearchParams> {
  if (!/^application\/x-www-form-urlencoded\b/i.test(c.req.header('content-type') ?? '')) {
    throw new HttpProblem(415, 'unsupported_media_type', 'send the form as application/x-www-form-urlencoded', 'content-type');
  }
  const text = await c.req.text();
  if (text.length > MAX_BODY_BYTES) throw new HttpProblem(413, 'body_too_large', `the body is larger than ${MAX_BODY_BYTES} bytes`);
  return new URLSearchParams(text);
}
