// The dashboard's one script, served as /app/app.js: plain DOM, no framework, no eval, no innerHTML
// (every value goes in through textContent). It draws the PBX's calls and health from the live feed
// of the PBX's Durable Object (a WebSocket, same origin, carrying the session cookie) and reconnects
// with backoff when the feed drops.

export const DASHBOARD_SCRIPT = String.raw`(function () {
'use strict';
var health = document.getElementById('health');
if (!health) return;
var t = JSON.parse(document.getElementById('pz-strings').textContent || '{}');
var pbx = health.getAttribute('data-pbx');
var body = document.querySelector('#jobs tbody');
var liveState = document.getElementById('live-state');
var rows = {};

function text(el, value) { el.textContent = value == null ? '—' : String(value); }
function time(iso) { return iso ? new Date(iso).toLocaleString(document.documentElement.lang) : '—'; }

function showHealth(h) {
  var cells = health.querySelectorAll('[data-health]');
  for (var i = 0; i < cells.length; i++) {
    var key = cells[i].getAttribute('data-health');
    var v = key === 'connected' ? (h.relay.connected ? t.connected : t.disconnected)
      : key === 'ami' ? h.relay.ami : key === 'lastSeenAt' ? time(h.relay.lastSeenAt)
      : key === 'capacity' ? h.relay.capacity : h[key];
    text(cells[i], v);
  }
  health.setAttribute('data-connected', String(h.relay.connected));
  health.setAttribute('data-ami', h.relay.ami);
}

function stateOf(job) {
  var last = job.attempts[job.attempts.length - 1];
  if ((job.status === 'running' || job.status === 'dispatched') && last) return { key: last.status, word: t['at_' + last.status] };
  return { key: job.status, word: t['st_' + job.status] };
}

function resultOf(job) {
  var last = job.attempts[job.attempts.length - 1];
  if (!last || !last.outcome) return job.lastError || '';
  var s = t['oc_' + last.outcome] || last.outcome;
  if (last.cause != null) s += ' (Q.850 ' + last.cause + (last.causeText ? ': ' + last.causeText : '') + ')';
  if (last.failedLeg) s += ' · ' + last.failedLeg;
  if (last.durationMs != null) s += ' · ' + Math.round(last.durationMs / 1000) + ' s';
  return s;
}

function showJob(job) {
  var tr = rows[job.id];
  if (!tr) {
    tr = document.createElement('tr');
    tr.setAttribute('data-job', job.id);
    for (var i = 0; i < 8; i++) tr.appendChild(document.createElement('td'));
    var a = document.createElement('a');
    a.href = '/app/pbxes/' + encodeURIComponent(pbx) + '/jobs/' + encodeURIComponent(job.id);
    tr.firstChild.appendChild(a);
    rows[job.id] = tr;
    body.insertBefore(tr, body.firstChild);
  }
  var c = tr.children, st = stateOf(job), op = job.request.operator;
  text(c[0].firstChild, job.id);
  text(c[1], job.request.customer);
  text(c[2], op.extension || op.queue);
  text(c[3], (job.request.metadata && job.request.metadata.source) || 'api');
  text(c[4], st.word);
  text(c[5], job.attempts.length);
  text(c[6], resultOf(job));
  text(c[7], time(job.requestedAt));
  tr.setAttribute('data-status', st.key);
}

var delay = 500;
function connect() {
  var ws = new WebSocket(location.origin.replace(/^http/, 'ws') + '/app/pbxes/' + encodeURIComponent(pbx) + '/live');
  ws.onopen = function () { delay = 500; text(liveState, t.liveHint); liveState.removeAttribute('data-lost'); };
  ws.onmessage = function (e) {
    var frame = JSON.parse(e.data);
    if (frame.type === 'job') showJob(frame.job);
    else if (frame.type === 'health') showHealth(frame.health);
  };
  ws.onclose = function (e) {
    text(liveState, t.liveLost);
    liveState.setAttribute('data-lost', 'true');
    // 4401: the session ended (signed out elsewhere, or expired): back to the sign-in page.
    if (e.code === 4401) { location.href = '/app/'; return; }
    setTimeout(connect, delay);
    delay = Math.min(delay * 2, 10000);
  };
}
connect();
})();
`;

export const DASHBOARD_STYLES = `:root{color-scheme:light dark;--fg:#1b1f24;--bg:#fff;--muted:#57606a;--line:#d0d7de;--accent:#0a7d4f;--bad:#b42318}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#8d96a0;--line:#30363d;--accent:#3fb950;--bad:#f85149}}
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,sans-serif;color:var(--fg);background:var(--bg)}
header{display:flex;flex-wrap:wrap;gap:.5em 1em;align-items:center;justify-content:space-between;padding:.6em 1em;border-bottom:1px solid var(--line)}
header nav{display:flex;gap:1em;align-items:center}header form{margin:0}.brand{font-weight:700;color:var(--accent);text-decoration:none}
main{padding:1em;max-width:72em;margin:0 auto}h1{font-size:1.4em}h2{font-size:1.1em}
.card{border:1px solid var(--line);border-radius:10px;padding:1em;margin-bottom:1em;max-width:40em}
label{display:block;font-weight:600;margin:.6em 0 .2em}input{font:inherit;width:100%;padding:.5em;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg)}
button{font:inherit;font-weight:600;margin-top:.8em;padding:.45em 1.1em;border:0;border-radius:999px;background:var(--accent);color:#fff;cursor:pointer}
header button{margin:0}a{color:var(--accent)}:focus-visible{outline:3px solid #f5a623;outline-offset:2px}
.hint{color:var(--muted);font-size:.9em}.error{color:var(--bad);font-weight:600}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em;margin:0}dt{color:var(--muted)}dd{margin:0}
.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35em .6em;border-bottom:1px solid var(--line);white-space:nowrap}
tr[data-status=answered] td:nth-child(5),tr[data-status=succeeded] td:nth-child(5){color:var(--accent);font-weight:600}
tr[data-status=failed] td:nth-child(5),tr[data-status=expired] td:nth-child(5){color:var(--bad)}
[data-connected=false] [data-health=connected]{color:var(--bad);font-weight:600}[data-connected=true] [data-health=connected]{color:var(--accent);font-weight:600}
nav.sections ul{display:flex;flex-wrap:wrap;gap:.3em 1.2em;list-style:none;margin:0;padding:.5em 1em;border-bottom:1px solid var(--line)}
nav.sections a[aria-current=page]{font-weight:700;text-decoration:none}select{font:inherit;padding:.4em}li form{display:inline;margin-left:.6em}li button{margin:0;padding:.2em .8em}
@media (max-width:480px){main{padding:.6em}th,td{padding:.3em}}
`;

/** A green handset-ish dot; served so browsers asking for an icon get one (and log no 404). */
export const DASHBOARD_ICON = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#0a7d4f"/><path d="M5 4l2 2-1 1.5 2.5 2.5L10 9l2 2-1.5 1.5C7 12 4 9 3.5 5.5z" fill="#fff"/></svg>';
