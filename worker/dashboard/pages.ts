// The dashboard's pages as HTML strings (hono/html escapes every interpolated value). No inline
// script or style anywhere: behaviour comes from /app/app.js, looks from /app/app.css, so the strict
// Content-Security-Policy in routes/dashboard.ts holds. The live table is drawn by the script from
// the feed; the words it needs travel as a JSON data block, which the CSP does not execute.
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { DeliveryView } from '../../shared/webhooks.js';
import type { JobView } from '../../shared/jobs.js';
import type { TimelineEvent } from '../pbx-queue/live-feed.js';
import { STRINGS, type Lang, type Strings } from './i18n.js';

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** What a signed-in page knows of its viewer: the form token, the PBX, whether the admin is looking. */
export interface Viewer {
  csrf: string;
  pbx: string;
  admin: boolean;
}

export const SECTIONS = ['calls', 'conferences', 'missedCalls', 'access'] as const;
export type Section = (typeof SECTIONS)[number];
const SECTION_PATH: Record<Section, string> = { calls: '', conferences: 'conferences', missedCalls: 'missed-calls', access: 'access' };

interface Frame {
  lang: Lang;
  title: string;
  /** Present when signed in: the PBX's sections, and the sign-out form. */
  viewer?: Viewer;
  section?: Section;
  body: Html;
}

/** The link to a section of a PBX's pages. */
export const sectionHref = (pbx: string, section: Section): string => `/app/pbxes/${pbx}/${SECTION_PATH[section]}`;

/** A POST form of the dashboard: the session's form token travels with it. */
export function postForm(viewer: Viewer, action: string, fields: Html, button: string): Html {
  return html`<form method="post" action="${action}"><input type="hidden" name="csrf" value="${viewer.csrf}">${fields}<button type="submit">${button}</button></form>`;
}

function layout(f: Frame): Html {
  const t = STRINGS[f.lang];
  const other: Lang = f.lang === 'en' ? 'ru' : 'en';
  return html`<!doctype html>
<html lang="${f.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${f.title} · Perezvon</title><link rel="stylesheet" href="/app/app.css"><link rel="icon" href="/app/icon.svg" type="image/svg+xml"></head>
<body><header><a class="brand" href="/app/">Perezvon</a>
<nav aria-label="${t.title}"><a href="?lang=${other}" hreflang="${other}" lang="${other}">${t.language}</a>
${f.viewer === undefined ? '' : postForm(f.viewer, '/app/sign-out', html``, t.signOut)}
</nav></header>
${f.viewer === undefined ? '' : sectionNav(t, f.viewer, f.section)}
<main id="main">${f.body}</main>
<script type="application/json" id="pz-strings">${raw(JSON.stringify(t).replace(/</g, '\\u003c'))}</script>
<script src="/app/app.js" defer></script></body></html>`;
}

function sectionNav(t: Strings, viewer: Viewer, current: Section | undefined): Html {
  const shown = SECTIONS.filter((s) => s !== 'access' || viewer.admin);
  return html`<nav class="sections" aria-label="${viewer.pbx}"><ul>${shown.map((s) => html`<li><a href="${sectionHref(viewer.pbx, s)}"${s === current ? raw(' aria-current="page"') : ''}>${t[s]}</a></li>`)}</ul></nav>`;
}

export function signInPage(lang: Lang, values: { pbx?: string; error?: keyof Strings }): Html {
  const t = STRINGS[lang];
  return layout({
    lang, title: t.signInTitle,
    body: html`<h1>${t.signInTitle}</h1>
${values.error === undefined ? '' : html`<p class="error" role="alert">${t[values.error]}</p>`}
<form method="post" action="/app/sign-in" class="card">
<input type="hidden" name="lang" value="${lang}">
<label for="pbx">${t.pbx}</label><input id="pbx" name="pbx" required autocomplete="organization" value="${values.pbx ?? ''}" pattern="[a-z0-9][a-z0-9\\-]{0,62}">
<label for="token">${t.token}</label><input id="token" name="token" type="password" required autocomplete="current-password" aria-describedby="token-hint">
<p id="token-hint" class="hint">${t.tokenHint}</p>
<button type="submit">${t.signIn}</button></form>`,
  });
}

export function pbxPage(lang: Lang, viewer: Viewer): Html {
  const pbx = viewer.pbx;
  const t = STRINGS[lang];
  const cells = (...keys: Array<keyof Strings>): Html => html`${keys.map((k) => html`<th scope="col">${t[k]}</th>`)}`;
  return layout({
    lang, title: pbx, viewer, section: 'calls',
    body: html`<h1>${pbx}</h1>
<section aria-labelledby="health-h" class="card" id="health" data-pbx="${pbx}">
<h2 id="health-h">${t.health}</h2>
<dl>
<dt>${t.relay}</dt><dd data-health="connected">…</dd>
<dt>${t.ami}</dt><dd data-health="ami">…</dd>
<dt>${t.lastHeartbeat}</dt><dd data-health="lastSeenAt">…</dd>
<dt>${t.inFlight}</dt><dd data-health="inFlight">…</dd>
<dt>${t.queued}</dt><dd data-health="queued">…</dd>
<dt>${t.capacity}</dt><dd data-health="capacity">…</dd>
</dl></section>
<section aria-labelledby="calls-h">
<h2 id="calls-h">${t.calls}</h2><p class="hint" id="live-state" role="status" aria-live="polite">${t.liveHint}</p>
<div class="scroll"><table id="jobs"><thead><tr>${cells('job', 'customer', 'operator', 'source', 'state', 'attempts', 'result', 'requested')}</tr></thead>
<tbody aria-live="polite"></tbody></table></div></section>`,
  });
}

export function timelinePage(lang: Lang, viewer: Viewer, job: JobView, events: TimelineEvent[], deliveries: DeliveryView[]): Html {
  const t = STRINGS[lang];
  const attemptOf = (id: string | null): string => {
    const a = job.attempts.find((x) => x.id === id);
    return a === undefined ? '' : `#${a.number}`;
  };
  return layout({
    lang, title: `${t.timeline} ${job.id}`, viewer, section: 'calls',
    body: html`<p><a href="${sectionHref(viewer.pbx, 'calls')}">${t.back}</a></p>
<h1>${t.timeline}: <code>${job.id}</code></h1>
<p>${t.customer}: <strong>${job.request.customer}</strong> · ${t.state}: <strong data-status="${job.status}">${t[`st_${job.status}`]}</strong></p>
<div class="scroll"><table id="timeline"><thead><tr><th scope="col">${t.at}</th><th scope="col">${t.event}</th><th scope="col">${t.attempts}</th><th scope="col">${t.details}</th></tr></thead>
<tbody>${events.map((e) => html`<tr><td><time datetime="${e.at}">${e.at.replace('T', ' ').slice(0, 23)}</time></td><td>${e.type}</td><td>${attemptOf(e.attemptId)}</td><td>${describe(e.data)}</td></tr>`)}</tbody></table></div>
<h2>${t.attempts}</h2>
<ol>${job.attempts.map((a) => html`<li>#${a.number}: ${t[`at_${a.status}`]}${a.outcome === null ? '' : ` — ${t[`oc_${a.outcome}`]}`}${a.cause === null ? '' : ` (Q.850 ${a.cause}${a.causeText === null ? '' : `: ${a.causeText}`})`}${a.failedLeg === null ? '' : ` · ${a.failedLeg}`}${a.durationMs === null ? '' : ` · ${Math.round(a.durationMs / 1000)} s`}</li>`)}</ol>
<h2>${t.deliveries}</h2>
${deliveries.length === 0 ? html`<p>${t.noDeliveries}</p>` : html`<ul>${deliveries.map((d) => html`<li>${d.type}: ${d.status}${d.attempts.map((x) => ` · ${x.statusCode ?? x.error ?? '—'}`).join('')}</li>`)}</ul>`}`,
  });
}

export { layout };

export function messagePage(lang: Lang, title: keyof Strings): Html {
  const t = STRINGS[lang];
  return layout({ lang, title: t[title], body: html`<h1>${t[title]}</h1><p><a href="/app/">${t.signInTitle}</a></p>` });
}

function describe(json: string | null): string {
  const data: unknown = json === null ? null : JSON.parse(json);
  if (data === null || typeof data !== 'object') return '';
  return Object.entries(data as Record<string, unknown>)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
}
