// /v1/admin/pbxes/{pbx}/widgets: creating, listing and deleting website widget keys. Mounted under
// /v1/admin, so the admin token guard of admin.ts runs first. The Turnstile secret goes in with the
// configuration and never comes out again: every response shows the site key only.
import { Hono } from 'hono';
import { widgetConfig } from '../../shared/widget.js';
import type { AppEnv } from '../env.js';
import { readJson } from '../http/body.js';
import { assertExtensions, operatorExtensions } from '../http/extension-check.js';
import { pbxStub } from '../http/pbx.js';
import { notFound } from '../http/problem.js';

const WIDGET_ID = /^wgt_[A-Za-z0-9_-]{16}$/;

/** Said in the answer whenever a widget is created without Turnstile, so nobody mistakes Origin for protection. */
export const WITHOUT_TURNSTILE =
  'no Turnstile: the only check left is the Origin header, which browsers set but any server-side script can spoof; '
  + 'anyone can then ask for callbacks to any allowed number within the rate limits. Add "turnstile" for a public site.';

export const widgetAdminRoutes = new Hono<AppEnv>();

widgetAdminRoutes.post('/', async (c) => {
  const { stub } = await pbxStub(c);
  const { value } = await readJson(c, widgetConfig);
  await assertExtensions(stub, operatorExtensions([[value.operator, 'operator']]));
  const widget = await stub.createWidget(value);
  if (widget === null) throw notFound('PBX');
  const scriptUrl = `${new URL(c.req.url).origin}/widget.js`;
  const warnings = value.turnstile === undefined ? [WITHOUT_TURNSTILE] : [];
  return c.json({ ...widget, embed: `<script src="${scriptUrl}" data-key="${widget.key}" async></script>`, warnings }, 201);
});

widgetAdminRoutes.get('/', async (c) => {
  const widgets = await (await pbxStub(c)).stub.listWidgets();
  if (widgets === null) throw notFound('PBX');
  return c.json({ widgets });
});

widgetAdminRoutes.get('/:id', async (c) => {
  const id = c.req.param('id');
  const widget = WIDGET_ID.test(id) ? await (await pbxStub(c)).stub.getWidget(id) : null;
  if (widget === null) throw notFound('widget');
  return c.json(widget);
});

widgetAdminRoutes.delete('/:id', async (c) => {
  const id = c.req.param('id');
  if (!WIDGET_ID.test(id) || !(await (await pbxStub(c)).stub.deleteWidget(id))) throw notFound('widget');
  return c.body(null, 204);
});
