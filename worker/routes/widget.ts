// The website widget's public surface, the most attacked part of the product: GET /widget.js, and
// under /v1/widget the per-key config, the callback request (CORS to the key's origins, Turnstile,
// working hours, then the number judged + rate limits + dedup + job in one queue call) and
// the status poll. Invariant: a refusal creates nothing, and no response names the number or the job.
import { Hono, type Context } from 'hono';
import { widgetCallbackRequest, widgetConfig, type WidgetConfig, type WidgetPublicConfig } from '../../shared/widget.js';
import { sha256Hex } from '../auth/tokens.js';
import type { AppEnv } from '../env.js';
import { readJson } from '../http/body.js';
import { numberProblem } from '../http/number-problem.js';
import { findPbx } from '../http/pbx.js';
import { HttpProblem, notFound } from '../http/problem.js';
import { issueStatusToken, pbxOfStatusToken, pbxOfWidgetKey } from '../widget/public-ids.js';
import { DEFAULT_TURNSTILE_VERIFY_URL, verifyTurnstile } from '../widget/turnstile.js';
import { WIDGET_SCRIPT } from '../widget/widget-script.js';
import { isOpen, nextOpening } from '../widget/working-hours.js';

type Ctx = Context<AppEnv>;
type Stub = DurableObjectStub<import('../pbx-queue/pbx-queue.js').PbxQueue>;

export const widgetRoutes = new Hono<AppEnv>();

/** GET /widget.js: the embeddable script; static, so cacheable by browsers and the edge. */
export function serveWidgetScript(c: Ctx): Response {
  return c.body(WIDGET_SCRIPT, 200, {
    'content-type': 'application/javascript; charset=utf-8',
    'cache-control': 'public, max-age=300',
    'x-content-type-options': 'nosniff',
    'cross-origin-resource-policy': 'cross-origin',
  });
}

widgetRoutes.get('/status/:token', async (c) => {
  const token = c.req.param('token');
  const pbx = pbxOfStatusToken(token);
  const target = pbx === undefined ? undefined : await findPbx(c.env, pbx);
  const status = target === undefined ? null : await target.stub.widgetStatus(await sha256Hex(token));
  const origin = c.req.header('origin');
  const cors = status !== null && origin !== undefined && status.origins.includes(origin) ? corsHeaders(origin) : {};
  // Readable from any page: it says only that there is no such callback (a page resuming an old token stops polling).
  if (status === null) throw new HttpProblem(404, 'not_found', 'callback not found', undefined, { 'access-control-allow-origin': '*', 'cache-control': 'no-store' });
  return c.json({ state: status.state }, 200, { ...cors, 'cache-control': 'no-store' });
});

widgetRoutes.get('/:key/config', async (c) => {
  const { config, cors } = await allowedWidget(c);
  const hours = config.workingHours;
  const body: WidgetPublicConfig = {
    turnstileSiteKey: config.turnstile?.siteKey ?? null,
    open: hours === undefined || isOpen(hours, Date.now()),
    outside: hours?.outside ?? 'schedule',
  };
  return c.json(body, 200, { ...cors, 'cache-control': 'no-store' });
});

widgetRoutes.options('/:key/callbacks', async (c) => {
  const { cors } = await allowedWidget(c);
  return c.body(null, 204, {
    ...cors,
    'access-control-allow-methods': 'POST',
    'access-control-allow-headers': 'content-type',
    'access-control-max-age': '600',
  });
});

widgetRoutes.post('/:key/callbacks', async (c) => {
  const { key, pbx, stub, config, cors } = await allowedWidget(c);
  try {
    return await requestCallback(c, { key, pbx, stub, config, cors });
  } catch (err) {
    // Errors keep the CORS headers so the widget can read the problem and its Retry-After.
    if (err instanceof HttpProblem) throw new HttpProblem(err.status, err.code, err.message, err.field, { ...cors, ...err.headers });
    throw err;
  }
});

interface Target {
  key: string;
  pbx: string;
  stub: Stub;
  config: WidgetConfig;
  cors: Record<string, string>;
}

async function requestCallback(c: Ctx, t: Target): Promise<Response> {
  const { value } = await readJson(c, widgetCallbackRequest);
  const ip = c.req.header('cf-connecting-ip') ?? null;
  await checkTurnstile(c, t.config, value.turnstileToken, ip);
  const notBefore = opening(t.config, Date.now());
  const issued = await issueStatusToken(t.pbx);
  const result = await t.stub.widgetCallback({
    widgetKey: t.key, phone: value.phone, tokenHash: issued.hash, notBefore,
    // Without CF-Connecting-IP (never the case behind Cloudflare) all such requests share one bucket.
    ipHash: await sha256Hex(`ip:${t.pbx}:${ip ?? 'unknown'}`),
  });
  switch (result.kind) {
    case 'created':
    case 'existing': {
      const scheduledFor = result.kind === 'created' && notBefore !== null ? new Date(notBefore).toISOString() : null;
      // A duplicate gets no status token: the pending callback's token belongs to whoever asked first.
      const body = { token: result.kind === 'created' ? issued.token : null, state: result.state, duplicate: result.kind === 'existing', scheduledFor };
      return c.json(body, result.kind === 'created' ? 202 : 200, { ...t.cors, 'cache-control': 'no-store' });
    }
    case 'rate-limited':
      throw new HttpProblem(429, 'rate_limited', 'too many callback requests; try again later', undefined, { 'retry-after': String(result.retryAfterSec) });
    case 'number-refused':
      throw numberProblem(result);
    case 'unknown-widget':
      throw notFound('widget');
  }
}

async function checkTurnstile(c: Ctx, config: WidgetConfig, token: string | undefined, ip: string | null): Promise<void> {
  if (config.turnstile === undefined) return;
  const verdict = await verifyTurnstile({
    verifyUrl: c.env.TURNSTILE_VERIFY_URL ?? DEFAULT_TURNSTILE_VERIFY_URL,
    secret: config.turnstile.secret, token, remoteIp: ip,
    allowedHosts: config.origins.map((o) => new URL(o).hostname),
  });
  if (verdict.ok) return;
  if (verdict.reason === 'unavailable') throw new HttpProblem(503, 'captcha_unavailable', 'the anti-bot check is unavailable; try again shortly');
  throw new HttpProblem(403, 'captcha_failed', verdict.reason === 'missing' ? 'the anti-bot check is required' : 'the anti-bot check failed', 'turnstileToken');
}

/** Null when open (or no hours); the next opening when closed and configured to schedule. */
function opening(config: WidgetConfig, now: number): number | null {
  const hours = config.workingHours;
  if (hours === undefined || isOpen(hours, now)) return null;
  const next = hours.outside === 'schedule' ? nextOpening(hours, now) : null;
  if (next === null) throw new HttpProblem(422, 'outside_working_hours', 'we are closed now; please ask for a callback during working hours');
  return next;
}

/** The widget of the `:key` segment, if the request's Origin is one of its origins. */
async function allowedWidget(c: Ctx): Promise<Target> {
  const key = c.req.param('key') ?? '';
  const target = await findPbx(c.env, pbxOfWidgetKey(key) ?? '');
  if (target === undefined) throw notFound('widget');
  const { id: pbx, stub } = target;
  const stored = await stub.widgetPolicy(key);
  if (stored === null) throw notFound('widget');
  // RPC serialisation loses tuple types; the queue validated it on the way in, this re-types it.
  const config = widgetConfig.parse(stored);
  const origin = c.req.header('origin');
  if (origin === undefined || !config.origins.includes(origin)) {
    throw new HttpProblem(403, 'origin_not_allowed', 'this widget is not enabled for this site', 'origin');
  }
  return { key, pbx, stub, config, cors: corsHeaders(origin) };
}

function corsHeaders(origin: string): Record<string, string> {
  return { 'access-control-allow-origin': origin, 'access-control-expose-headers': 'retry-after', vary: 'Origin' };
}
