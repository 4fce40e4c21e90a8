// The embeddable "call me back" widget, served as GET /widget.js: plain browser JavaScript, no
// framework, no eval, no inline handlers or inline styles (a constructable stylesheet in a shadow
// root), so it runs under a strict Content-Security-Policy. It talks only to the origin it was
// loaded from; the one third-party request is Turnstile's script, and only for keys that use it.
// Keep it small (< 10 KB): it is downloaded by every visitor of every site that embeds it.

export const WIDGET_SCRIPT = String.raw`(function () {
'use strict';
var script = document.currentScript || document.querySelector('script[data-key][src*="widget.js"]');
if (!script || script.getAttribute('data-pzv-done')) return;
script.setAttribute('data-pzv-done', '1');
var key = script.getAttribute('data-key') || '';
var base = new URL(script.src, location.href).origin;
var lang = (script.getAttribute('data-lang') || document.documentElement.lang || navigator.language || 'en').slice(0, 2).toLowerCase();
var T = {
  en: {
    open: 'Call me back', label: 'Your phone number', send: 'Call me', hint: 'We will call you back in a minute.',
    sending: 'Sending…', queued: 'Thank you! We will call you shortly.', calling: 'Calling you now…',
    connected: 'Connected. Thank you!', failed: 'We could not reach you. Please try again later.',
    cancelled: 'The callback was cancelled.', scheduled: 'We are closed now. We will call you at {t}.',
    closed: 'We are closed now. Please try again during working hours.', invalid: 'Please enter a valid phone number.',
    denied: 'Sorry, we cannot call this number.', limited: 'Too many requests. Please try again in {n} min.',
    captcha: 'Please complete the check above.', error: 'Something went wrong. Please try again.'
  },
  ru: {
    open: 'Перезвоните мне', label: 'Ваш номер телефона', send: 'Жду звонка', hint: 'Перезвоним в течение минуты.',
    sending: 'Отправляем…', queued: 'Спасибо! Скоро перезвоним.', calling: 'Звоним вам…',
    connected: 'Соединено. Спасибо!', failed: 'Не удалось до вас дозвониться. Попробуйте позже.',
    cancelled: 'Обратный звонок отменён.', scheduled: 'Сейчас мы не работаем. Перезвоним в {t}.',
    closed: 'Сейчас мы не работаем. Оставьте заявку в рабочее время.', invalid: 'Введите, пожалуйста, правильный номер.',
    denied: 'К сожалению, на этот номер мы позвонить не можем.', limited: 'Слишком много запросов. Попробуйте через {n} мин.',
    captcha: 'Пройдите, пожалуйста, проверку выше.', error: 'Что-то пошло не так. Попробуйте ещё раз.'
  }
};
var t = T[lang] || T.en;
var CSS = ':host{all:initial;display:inline-block;font:15px/1.4 system-ui,sans-serif;color:#1b1f24}' +
  '.open,.send{font:inherit;font-weight:600;border:0;border-radius:999px;padding:.7em 1.4em;background:#0a7d4f;color:#fff;cursor:pointer}' +
  '.open:hover,.send:hover{background:#086640}button:focus-visible,input:focus-visible{outline:3px solid #f5a623;outline-offset:2px}' +
  'form{margin-top:.6em;padding:1em;border:1px solid #d0d7de;border-radius:12px;background:#fff;box-shadow:0 4px 16px rgba(0,0,0,.08);max-width:20em}' +
  'form[hidden]{display:none}label{display:block;font-weight:600;margin-bottom:.3em}' +
  'input{box-sizing:border-box;width:100%;font:inherit;padding:.55em .7em;border:1px solid #8c959f;border-radius:8px;margin-bottom:.7em}' +
  'input[aria-invalid=true]{border-color:#cf222e}.hint{margin:.2em 0 .7em;color:#57606a;font-size:.9em}' +
  '.send[disabled]{opacity:.6;cursor:default}.st{margin:.7em 0 0;min-height:1.4em}.st[data-kind=bad]{color:#cf222e}.st[data-kind=ok]{color:#0a7d4f}';

var host = document.createElement('div');
host.className = 'perezvon-widget';
var target = script.getAttribute('data-target') && document.querySelector(script.getAttribute('data-target'));
if (target) target.appendChild(host); else script.parentNode.insertBefore(host, script.nextSibling);
var root = host.attachShadow({ mode: 'open' });
if ('adoptedStyleSheets' in root && window.CSSStyleSheet && CSSStyleSheet.prototype.replaceSync) {
  var sheet = new CSSStyleSheet(); sheet.replaceSync(CSS); root.adoptedStyleSheets = [sheet];
} else {
  var style = document.createElement('style'); style.textContent = CSS; root.appendChild(style);
}
function el(tag, attrs, text) {
  var e = document.createElement(tag);
  for (var k in attrs) e.setAttribute(k, attrs[k]);
  if (text) e.textContent = text;
  return e;
}
var openBtn = el('button', { type: 'button', 'class': 'open', 'aria-expanded': 'false', 'aria-controls': 'pzv-form' }, t.open);
var form = el('form', { id: 'pzv-form', hidden: '', novalidate: '', 'aria-label': t.open });
var input = el('input', { id: 'pzv-phone', type: 'tel', name: 'phone', autocomplete: 'tel', inputmode: 'tel', maxlength: '40', required: '', 'aria-describedby': 'pzv-hint pzv-status' });
var sendBtn = el('button', { type: 'submit', 'class': 'send' }, t.send);
var status = el('p', { id: 'pzv-status', 'class': 'st', role: 'status', 'aria-live': 'polite' });
form.appendChild(el('label', { 'for': 'pzv-phone' }, t.label));
form.appendChild(input);
form.appendChild(el('p', { id: 'pzv-hint', 'class': 'hint' }, t.hint));
form.appendChild(el('slot', { name: 'captcha' }));
form.appendChild(sendBtn);
form.appendChild(status);
root.appendChild(openBtn);
root.appendChild(form);

var config = { turnstileSiteKey: null };
var captchaToken = null;
var pollTimer = null;
fetch(base + '/v1/widget/' + encodeURIComponent(key) + '/config').then(function (r) { return r.ok ? r.json() : config; })
  .then(function (c) { config = c; }, function () {});

function say(text, kind) { status.textContent = text; status.setAttribute('data-kind', kind || ''); }
function setOpen(open) {
  form.hidden = !open;
  openBtn.setAttribute('aria-expanded', String(open));
  if (open) { input.focus(); loadCaptcha(); } else openBtn.focus();
}
openBtn.addEventListener('click', function () { setOpen(form.hidden); });
root.addEventListener('keydown', function (e) { if (e.key === 'Escape' && !form.hidden) setOpen(false); });

function loadCaptcha() {
  if (!config.turnstileSiteKey || host.querySelector('[slot=captcha]')) return;
  var box = el('div', { slot: 'captcha' });
  host.appendChild(box);
  var render = function () {
    window.turnstile.render(box, { sitekey: config.turnstileSiteKey, callback: function (tok) { captchaToken = tok; },
      'expired-callback': function () { captchaToken = null; } });
  };
  if (window.turnstile) return render();
  var s = el('script', { src: 'https://challenges.cloudflare.com/turnstile/v0/api.js?render=explicit', async: '' });
  s.addEventListener('load', render);
  document.head.appendChild(s);
}

var ERRORS = { validation_failed: 'invalid', destination_not_allowed: 'denied', outside_working_hours: 'closed',
  rate_limited: 'limited', captcha_failed: 'captcha' };
form.addEventListener('submit', function (e) {
  e.preventDefault();
  if (!input.value.trim()) { input.setAttribute('aria-invalid', 'true'); say(t.invalid, 'bad'); input.focus(); return; }
  sendBtn.disabled = true;
  say(t.sending);
  var body = { phone: input.value };
  if (captchaToken) body.turnstileToken = captchaToken;
  fetch(base + '/v1/widget/' + encodeURIComponent(key) + '/callbacks', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body)
  }).then(function (r) {
    return r.json().then(function (j) { return { r: r, j: j }; });
  }).then(function (res) {
    if (res.r.ok) return accepted(res.j);
    sendBtn.disabled = false;
    if (window.turnstile && captchaToken) { captchaToken = null; window.turnstile.reset(); }
    var which = ERRORS[res.j.code] || 'error';
    if (which === 'invalid' || which === 'denied') { input.setAttribute('aria-invalid', 'true'); input.focus(); }
    var minutes = Math.max(1, Math.ceil(Number(res.r.headers.get('retry-after') || 60) / 60));
    say(t[which].replace('{n}', String(minutes)), 'bad');
  }).catch(function () { sendBtn.disabled = false; say(t.error, 'bad'); });
});

function accepted(j) {
  input.removeAttribute('aria-invalid');
  if (j.scheduledFor) {
    host.setAttribute('data-state', j.state);
    sendBtn.disabled = true;
    var when = new Date(j.scheduledFor).toLocaleString(lang, { weekday: 'short', hour: '2-digit', minute: '2-digit' });
    say(t.scheduled.replace('{t}', when), 'ok');
  } else show(j.state);
  // A duplicate has no token of its own: a tab that asked first keeps polling with its own.
  if (!j.token) return;
  remember(j.token);
  poll(j.token, 2000);
}
// The status token is kept for this tab (sessionStorage may be refused: then progress is not resumed),
// so a visitor who reloads or moves to another page of the shop still sees their callback's progress.
var SAVED = 'perezvon:' + key;
function remember(token) { try { if (token) sessionStorage.setItem(SAVED, token); else sessionStorage.removeItem(SAVED); } catch (e) {} }
function resume() {
  var token = null;
  try { token = sessionStorage.getItem(SAVED); } catch (e) {}
  if (!token) return;
  form.hidden = false;
  openBtn.setAttribute('aria-expanded', 'true');
  sendBtn.disabled = true;
  poll(token, 0);
}
function show(state) {
  host.setAttribute('data-state', state);
  say(t[state] || t.error, state === 'failed' || state === 'cancelled' ? 'bad' : 'ok');
  sendBtn.disabled = state === 'queued' || state === 'calling';
}
function poll(token, delay) {
  clearTimeout(pollTimer);
  var last = host.getAttribute('data-state');
  pollTimer = setTimeout(function () {
    fetch(base + '/v1/widget/status/' + encodeURIComponent(token)).then(function (r) { return r.status === 404 ? 'gone' : r.ok ? r.json() : null; })
      .then(function (s) {
        if (s === 'gone') { remember(null); sendBtn.disabled = false; return; }
        if (!s) return poll(token, Math.min(delay * 2, 15000));
        if (s.state !== last) show(s.state);
        if (s.state === 'queued' || s.state === 'calling') poll(token, s.state === 'calling' ? 1000 : Math.min(delay + 500, 5000));
        else remember(null);
      }, function () { poll(token, Math.min(delay * 2, 15000)); });
  }, delay);
}
resume();
})();
`;
