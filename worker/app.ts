// createApp(): the Worker's HTTP surface. Routes are mounted here; every error, thrown or not,
// becomes a JSON problem with a request id in the one onError below, never a stack trace.
import { Hono } from 'hono';
import type { AppEnv } from './env.js';
import { limitBodies } from './http/body.js';
import { allowedMethods, methodNotAllowed } from './http/methods.js';
import { HttpProblem, notFound } from './http/problem.js';
import { log } from './log.js';
import { adminRoutes } from './routes/admin.js';
import { amoCrmAdminRoutes } from './routes/amocrm-admin.js';
import { callbackRoutes } from './routes/callbacks.js';
import { campaignRoutes } from './routes/campaigns.js';
import { conferenceRoutes } from './routes/conferences.js';
import { dashboardHome, dashboardRoutes } from './routes/dashboard.js';
import { hookAdminRoutes } from './routes/hooks-admin.js';
import { hookRoutes } from './routes/hooks.js';
import { jobRoutes } from './routes/jobs.js';
import { openApiDocument } from './routes/openapi.js';
import { orgAdminRoutes } from './routes/orgs-admin.js';
import { orgRoutes } from './routes/orgs.js';
import { relaySocketRoute } from './routes/relay-socket.js';
import { serveWidgetScript, widgetRoutes } from './routes/widget.js';
import { widgetAdminRoutes } from './routes/widget-admin.js';

export function createApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use('*', async (c, next) => {
    c.set('requestId', crypto.randomUUID());
    await next();
    c.header('x-request-id', c.get('requestId'));
  });
  app.use('*', limitBodies);
  app.get('/', (c) => c.json({ service: 'perezvon', docs: '/openapi.json' }));
  app.get('/healthz', (c) => c.json({ ok: true }));
  app.get('/app', (c) => c.redirect('/app/', 301));
  app.get('/app/', dashboardHome);
  app.route('/app', dashboardRoutes);
  app.route('/v1/admin', adminRoutes);
  app.route('/v1/admin/orgs', orgAdminRoutes);
  app.route('/v1/orgs/:org', orgRoutes);
  app.route('/v1/admin/pbxes/:pbx/widgets', widgetAdminRoutes);
  app.route('/v1/admin/pbxes/:pbx/integrations/amocrm', amoCrmAdminRoutes);
  app.get('/widget.js', serveWidgetScript);
  app.route('/v1/widget', widgetRoutes);
  app.route('/v1/pbxes/:pbx/relay', relaySocketRoute);
  app.route('/v1/pbxes/:pbx/callbacks', callbackRoutes);
  app.route('/v1/pbxes/:pbx', jobRoutes);
  app.route('/v1/pbxes/:pbx', conferenceRoutes);
  app.route('/v1/pbxes/:pbx', campaignRoutes);
  app.route('/v1/admin/pbxes/:pbx', hookAdminRoutes);
  app.route('/v1/pbxes/:pbx', hookRoutes);
  // Generated from the routes registered above, so none can be missing from it.
  let document: unknown;
  app.get('/openapi.json', (c) => c.json((document ??= openApiDocument(app.routes))));
  app.notFound((c) => {
    const allowed = allowedMethods(app.routes, c.req.path);
    const p = allowed.length > 0 ? methodNotAllowed(c.req.method, allowed) : notFound('route');
    for (const [k, v] of Object.entries(p.headers)) c.header(k, v);
    return c.json(p.toBody(c.get('requestId')), p.status as 404);
  });
  app.onError((err, c) => {
    const problem = err instanceof HttpProblem ? err : new HttpProblem(500, 'internal', 'internal error');
    if (!(err instanceof HttpProblem)) log('error', 'unhandled error', { requestId: c.get('requestId'), error: String(err) });
    for (const [k, v] of Object.entries(problem.headers)) c.header(k, v);
    return c.json(problem.toBody(c.get('requestId')), problem.status as 400);
  });
  return app;
}
