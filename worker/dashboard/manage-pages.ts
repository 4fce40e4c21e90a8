// The dashboard's pages beyond calls: conferences (assemblies with each member's outcome and a
// redial button, who is in each room now), missed calls, and — for the admin — access: API keys and
// webhook secrets (created here, shown once) and website widgets, each revocable.
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { ConferenceView } from '../../shared/conferences.js';
import type { MissedCallView } from '../../shared/missed-calls.js';
import type { WebhookSecretView } from '../../shared/webhooks.js';
import type { WidgetView } from '../../shared/widget.js';
import { STRINGS, type Lang } from './i18n.js';
import { layout, postForm, sectionHref, type Viewer } from './pages.js';

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

const when = (iso: string | null): string => (iso === null ? '—' : iso.replace('T', ' ').slice(0, 19));

export function conferencesPage(lang: Lang, viewer: Viewer, conferences: ConferenceView[], notice?: string): Html {
  const t = STRINGS[lang];
  return layout({
    lang, title: t.conferences, viewer, section: 'conferences',
    body: html`<h1>${t.conferences}</h1>
${notice === undefined ? '' : html`<p role="status">${notice}</p>`}
${conferences.length === 0 ? html`<p>${t.none}</p>` : conferences.map((c) => html`<section class="card" aria-label="${t.room} ${c.room}" data-conference="${c.id}">
<h2>${t.room} ${c.room} <span class="hint">${c.source} · ${when(c.createdAt)}</span></h2>
<div class="scroll"><table><thead><tr><th scope="col">${t.members}</th><th scope="col">${t.number}</th><th scope="col">${t.status}</th><th scope="col">${t.attempts}</th><th scope="col">${t.reason}</th></tr></thead>
<tbody>${c.members.map((m) => html`<tr data-member="${m.id}" data-status="${m.status}"><td>${m.name}</td><td>${m.extension ?? m.number ?? ''}</td><td>${m.status}</td><td>${m.attempts}</td><td>${m.cause === null ? '' : `Q.850 ${m.cause}`}${m.note === null ? '' : ` ${m.note}`}</td></tr>`)}</tbody></table></div>
<p>${t.participants}: ${c.participants.length === 0 ? '—' : c.participants.map((p) => p.callerIdNum ?? p.channel).join(', ')}</p>
${postForm(viewer, `${sectionHref(viewer.pbx, 'conferences')}/${c.id}/redial`, html``, t.redial)}
</section>`)}`,
  });
}

export function missedCallsPage(lang: Lang, viewer: Viewer, calls: MissedCallView[]): Html {
  const t = STRINGS[lang];
  return layout({
    lang, title: t.missedCalls, viewer, section: 'missedCalls',
    body: html`<h1>${t.missedCalls}</h1>
${calls.length === 0 ? html`<p>${t.none}</p>` : html`<div class="scroll"><table id="missed"><thead><tr><th scope="col">${t.number}</th><th scope="col">${t.target}</th><th scope="col">${t.count}</th><th scope="col">${t.firstAt}</th><th scope="col">${t.lastAt}</th><th scope="col">${t.status}</th><th scope="col">${t.job}</th></tr></thead>
<tbody>${calls.map((m) => html`<tr data-missed="${m.id}"><td>${m.number}</td><td>${m.target ?? ''}</td><td>${m.count}</td><td>${when(m.firstAt)}</td><td>${when(m.lastAt)}</td><td>${m.status}${m.reason === null ? '' : ` (${m.reason})`}</td><td>${m.jobId === null ? '' : html`<a href="${sectionHref(viewer.pbx, 'calls')}jobs/${m.jobId}">${m.jobId}</a>`}</td></tr>`)}</tbody></table></div>`}`,
  });
}

export interface AccessView {
  apiKeys: Array<{ id: string; label: string | null; createdAt: string }>;
  secrets: WebhookSecretView[];
  widgets: Array<Pick<WidgetView, 'id' | 'origins'>>;
  /** A secret just created: shown on this one page, never again. */
  revealed?: { what: string; secret: string };
}

export function accessPage(lang: Lang, viewer: Viewer, v: AccessView): Html {
  const t = STRINGS[lang];
  const base = sectionHref(viewer.pbx, 'access');
  const label = html`<label for="label">${t.label}</label><input id="label" name="label" maxlength="100">`;
  return layout({
    lang, title: t.access, viewer, section: 'access',
    body: html`<h1>${t.access}</h1>
${v.revealed === undefined ? '' : html`<div class="card" role="alert"><p><strong>${v.revealed.what}</strong>: <code id="revealed">${v.revealed.secret}</code></p><p>${t.shownOnce}</p></div>`}
<section class="card" aria-labelledby="keys-h"><h2 id="keys-h">${t.apiKeys}</h2>
${v.apiKeys.length === 0 ? html`<p>${t.none}</p>` : html`<ul>${v.apiKeys.map((k) => html`<li data-key="${k.id}">${k.label ?? k.id} <span class="hint">${when(k.createdAt)}</span>${postForm(viewer, `${base}/api-keys/${k.id}/revoke`, html``, t.revoke)}</li>`)}</ul>`}
${postForm(viewer, `${base}/api-keys`, label, t.create)}</section>
<section class="card" aria-labelledby="secrets-h"><h2 id="secrets-h">${t.webhookSecrets}</h2>
${v.secrets.length === 0 ? html`<p>${t.none}</p>` : html`<ul>${v.secrets.map((s) => html`<li data-secret="${s.id}">${s.label ?? s.id} (${s.purpose}) <span class="hint">${when(s.createdAt)}</span>${postForm(viewer, `${base}/webhook-secrets/${s.id}/revoke`, html``, t.revoke)}</li>`)}</ul>`}
${postForm(viewer, `${base}/webhook-secrets`, html`<label for="purpose">${t.purpose}</label><select id="purpose" name="purpose"><option>inbound</option><option>outbound</option></select><label for="secret-label">${t.label}</label><input id="secret-label" name="label" maxlength="100">`, t.create)}</section>
<section class="card" aria-labelledby="widgets-h"><h2 id="widgets-h">${t.widgets}</h2>
${v.widgets.length === 0 ? html`<p>${t.none}</p>` : html`<ul>${v.widgets.map((w) => html`<li data-widget="${w.id}">${w.id} · ${t.origins}: ${w.origins.join(', ')}${postForm(viewer, `${base}/widgets/${w.id}/revoke`, html``, t.revoke)}</li>`)}</ul>`}
</section>`,
  });
}
