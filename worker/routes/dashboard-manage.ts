// The dashboard's pages beyond calls, under /app/pbxes/{pbx}/: conferences (and redialling an
// assembly's missing members), missed calls, and — admin only — access: API keys and webhook secrets
// created (shown once on the answer page, never in a URL) and revoked, widget keys revoked. Every
// POST passes the origin and form-token checks first; it then does exactly what the admin API does.
import { Hono, type Context } from 'hono';
import { SECRET_PURPOSES } from '../../shared/webhooks.js';
import { accessPage, conferencesPage, missedCallsPage } from '../dashboard/manage-pages.js';
import { opened, ownForm, page, type Opened } from '../dashboard/page-context.js';
import { messagePage, sectionHref } from '../dashboard/pages.js';
import { STRINGS } from '../dashboard/i18n.js';
import type { AppEnv } from '../env.js';
import { issueApiKey, revokeApiKey } from '../http/api-keys.js';

type Ctx = Context<AppEnv>;

const CONFERENCE_ID = /^cnf_[A-Za-z0-9_-]{16}$/;
const SECRET_ID = /^whs_[A-Za-z0-9_-]{16}$/;
const WIDGET_ID = /^wgt_[A-Za-z0-9_-]{16}$/;

export const manageRoutes = new Hono<AppEnv>();

manageRoutes.get('/conferences', async (c) => {
  const seen = await opened(c);
  if (seen instanceof Response) return seen;
  return page(c, conferencesPage(seen.lang, seen.viewer, await seen.stub.listConferences(20)));
});

manageRoutes.post('/conferences/:id/redial', async (c) => {
  const seen = await opened(c);
  if (seen instanceof Response) return seen;
  await ownForm(c, seen.session);
  const id = c.req.param('id');
  const result = CONFERENCE_ID.test(id) ? await seen.stub.redialConference(id, undefined) : null;
  if (result === null) return page(c, messagePage(seen.lang, 'notFound'), 404);
  const notice = STRINGS[seen.lang].redialled.replace('{n}', String(result.requeued));
  return page(c, conferencesPage(seen.lang, seen.viewer, await seen.stub.listConferences(20), notice));
});

manageRoutes.get('/missed-calls', async (c) => {
  const seen = await opened(c);
  if (seen instanceof Response) return seen;
  return page(c, missedCallsPage(seen.lang, seen.viewer, await seen.stub.missedCalls(50)));
});

manageRoutes.get('/access', async (c) => {
  const seen = await opened(c, 'admin');
  if (seen instanceof Response) return seen;
  return showAccess(c, seen);
});

manageRoutes.post('/access/api-keys', async (c) => {
  const seen = await opened(c, 'admin');
  if (seen instanceof Response) return seen;
  const label = labelOf(await ownForm(c, seen.session));
  const issued = await issueApiKey(seen.stub, label);
  return showAccess(c, seen, issued === null ? undefined : { what: label ?? issued.id, secret: issued.apiKey });
});

manageRoutes.post('/access/webhook-secrets', async (c) => {
  const seen = await opened(c, 'admin');
  if (seen instanceof Response) return seen;
  const form = await ownForm(c, seen.session);
  const purpose = SECRET_PURPOSES.find((p) => p === form.get('purpose')) ?? 'inbound';
  const created = await seen.stub.createWebhookSecret(purpose, labelOf(form));
  return showAccess(c, seen, created === null || created === 'too-many' ? undefined : { what: created.label ?? created.id, secret: created.secret });
});

/** A revoke button of the access page: the admin's own form, then the one operation, then back to the page. */
function revokeRoute(path: string, revoke: (seen: Opened, id: string) => Promise<unknown>): void {
  manageRoutes.post(path, async (c) => {
    const seen = await opened(c, 'admin');
    if (seen instanceof Response) return seen;
    await ownForm(c, seen.session);
    await revoke(seen, c.req.param('id') ?? '');
    return c.redirect(sectionHref(seen.viewer.pbx, 'access'), 303);
  });
}

revokeRoute('/access/api-keys/:id/revoke', (seen, id) => revokeApiKey(seen.stub, seen.viewer.pbx, id));
revokeRoute('/access/webhook-secrets/:id/revoke', async (seen, id) => SECRET_ID.test(id) && seen.stub.deleteWebhookSecret(id));
revokeRoute('/access/widgets/:id/revoke', async (seen, id) => WIDGET_ID.test(id) && seen.stub.deleteWidget(id));

async function showAccess(c: Ctx, seen: Opened, revealed?: { what: string; secret: string }): Promise<Response> {
  const [apiKeys, secrets, widgets] = await Promise.all([seen.stub.apiKeys(), seen.stub.webhookSecrets(), seen.stub.listWidgets()]);
  return page(c, accessPage(seen.lang, seen.viewer, { apiKeys: apiKeys ?? [], secrets: secrets ?? [], widgets: widgets ?? [], revealed }));
}

/** A label as the admin API accepts it (1–100 characters), control characters refused by dropping the label. */
function labelOf(form: URLSearchParams): string | null {
  const label = (form.get('label') ?? '').trim();
  return label.length === 0 || label.length > 100 || /[\u0000-\u001f\u007f]/.test(label) ? null : label;
}
