// The website widget's public endpoint over real HTTP (the Worker in workerd on a loopback port),
// with a local stand-in for Turnstile's siteverify: every protection refuses what it should with the
// right status and creates nothing, and what is accepted is an operator-first job the visitor can
// follow only through an opaque token.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobView } from '../../shared/jobs.js';
import type { WidgetConfigInput, WidgetView } from '../../shared/widget.js';
import { DEMO_SETTINGS } from '../../testkit/system.js';
import { startWorker, TEST_ADMIN_TOKEN, type WorkerRuntime } from '../../testkit/worker-runtime.js';

const SITE = 'https://shop.example';
const SECRET = 'turnstile-secret-0123';
const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' };

interface Verification { secret: string; response: string; remoteip: string | null }
const verifications: Verification[] = [];
let turnstile: Server;
let worker: WorkerRuntime;
let pbx: string;
let apiKey: string;
let ipCounter = 0;
let numberCounter = 0;

/** Siteverify stand-in: `good` passes for shop.example, `elsewhere` was solved on another site, `down` fails the verifier. */
function startTurnstile(): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void new Request('http://x/', { method: 'POST', headers: { 'content-type': req.headers['content-type'] ?? '' }, body: Buffer.concat(chunks) })
        .formData()
        .then((form) => {
          const v = { secret: String(form.get('secret')), response: String(form.get('response')), remoteip: form.has('remoteip') ? String(form.get('remoteip')) : null };
          verifications.push(v);
          if (v.response === 'down') return void res.writeHead(500).end();
          const ok = v.secret === SECRET && (v.response === 'good' || v.response === 'elsewhere');
          const body = ok ? { success: true, hostname: v.response === 'good' ? 'shop.example' : 'evil.example' } : { success: false, 'error-codes': ['invalid-input-response'] };
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        });
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  turnstile = await startTurnstile();
  const verifyUrl = `http://127.0.0.1:${(turnstile.address() as AddressInfo).port}/turnstile/v0/siteverify`;
  worker = await startWorker({ bindings: { TURNSTILE_VERIFY_URL: verifyUrl } });
  pbx = `pbx-widget-${Math.random().toString(36).slice(2, 8)}`;
  const created = await fetch(`${worker.url}/v1/admin/pbxes`, { method: 'POST', headers: admin, body: JSON.stringify({ id: pbx, settings: DEMO_SETTINGS }) });
  expect(created.status).toBe(201);
  const key = await fetch(`${worker.url}/v1/admin/pbxes/${pbx}/api-keys`, { method: 'POST', headers: admin, body: '{}' });
  apiKey = ((await key.json()) as { apiKey: string }).apiKey;
}, 60_000);

afterAll(async () => {
  await worker?.dispose();
  turnstile?.close();
});

async function createWidget(config: Partial<WidgetConfigInput> = {}): Promise<WidgetView & { embed: string; warnings: string[] }> {
  const body: WidgetConfigInput = { origins: [SITE], operator: { extension: '101' }, ...config };
  const res = await fetch(`${worker.url}/v1/admin/pbxes/${pbx}/widgets`, { method: 'POST', headers: admin, body: JSON.stringify(body) });
  if (res.status !== 201) throw new Error(`create widget: ${res.status} ${await res.text()}`);
  return (await res.json()) as WidgetView & { embed: string; warnings: string[] };
}

const freshIp = (): string => `198.51.100.${++ipCounter}`;
/** A distinct allowed Russian mobile number per call, as a visitor might type it. */
const freshNumber = (): string => `8 (916) ${6_000_000 + ++numberCounter}`;

function submit(key: string, body: unknown, opts: { origin?: string | null; ip?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'cf-connecting-ip': opts.ip ?? freshIp() };
  if (opts.origin !== null) headers.origin = opts.origin ?? SITE;
  return fetch(`${worker.url}/v1/widget/${key}/callbacks`, { method: 'POST', headers, body: JSON.stringify(body) });
}

async function jobs(): Promise<JobView[]> {
  const res = await fetch(`${worker.url}/v1/pbxes/${pbx}/jobs?limit=200`, { headers: { authorization: `Bearer ${apiKey}` } });
  return ((await res.json()) as { jobs: JobView[] }).jobs;
}

/** Runs `act`, then asserts that the number of jobs did not change. */
async function createsNothing(act: () => Promise<Response>): Promise<{ res: Response; body: Record<string, unknown> }> {
  const before = (await jobs()).length;
  const res = await act();
  const body = (await res.json()) as Record<string, unknown>;
  expect(body).not.toHaveProperty('token');
  expect((await jobs()).length).toBe(before);
  return { res, body };
}

describe('widget admin API', () => {
  it('issues a public key with a copy-paste embed and never returns the Turnstile secret', async () => {
    const w = await createWidget({ turnstile: { siteKey: '0x4AAAAAAA', secret: SECRET } });
    expect(w.key).toMatch(new RegExp(`^pzw_${pbx}\\.[A-Za-z0-9_-]{16}$`));
    expect(w.embed).toBe(`<script src="${worker.url}/widget.js" data-key="${w.key}" async></script>`);
    expect(w.turnstile).toEqual({ siteKey: '0x4AAAAAAA' });
    const listed = await (await fetch(`${worker.url}/v1/admin/pbxes/${pbx}/widgets`, { headers: admin })).text();
    const one = await (await fetch(`${worker.url}/v1/admin/pbxes/${pbx}/widgets/${w.id}`, { headers: admin })).text();
    for (const text of [JSON.stringify(w), listed, one]) expect(text).not.toContain(SECRET);
    expect(listed).toContain(w.key);
  });

  it('says plainly, when a widget is created without Turnstile, that Origin can be spoofed by a server-side script', async () => {
    const bare = await createWidget();
    expect(bare.warnings).toHaveLength(1);
    expect(bare.warnings[0]).toMatch(/Origin header.*spoof/);
    const guarded = await createWidget({ turnstile: { siteKey: '0x4AAAAAAA', secret: SECRET } });
    expect(guarded.warnings).toEqual([]);
  });

  it('requires the admin token', async () => {
    const res = await fetch(`${worker.url}/v1/admin/pbxes/${pbx}/widgets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ origins: [SITE], operator: { extension: '101' } }) });
    expect(res.status).toBe(401);
  });

  it('refuses an origin that is not scheme://host[:port]', async () => {
    const res = await fetch(`${worker.url}/v1/admin/pbxes/${pbx}/widgets`, { method: 'POST', headers: admin, body: JSON.stringify({ origins: ['https://shop.example/path'], operator: { extension: '101' } }) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { field: string }).field).toBe('origins.0');
  });

  it('stops serving a deleted key', async () => {
    const w = await createWidget();
    expect((await fetch(`${worker.url}/v1/admin/pbxes/${pbx}/widgets/${w.id}`, { method: 'DELETE', headers: admin })).status).toBe(204);
    const { res } = await createsNothing(() => submit(w.key, { phone: freshNumber() }));
    expect(res.status).toBe(404);
  });
});

describe('widget script', () => {
  it('is served small, cacheable and free of eval and inline HTML', async () => {
    const res = await fetch(`${worker.url}/widget.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/javascript/);
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    const text = await res.text();
    expect(new TextEncoder().encode(text).length).toBeLessThan(10 * 1024);
    for (const banned of ['eval(', 'new Function', 'innerHTML', 'onclick=', 'document.write']) expect(text).not.toContain(banned);
  });
});

describe('widget callback request', () => {
  it('queues an operator-first job for the normalised number and answers with an opaque token', async () => {
    // Configured customer-first: the toll-fraud rule overrides it for public jobs.
    const w = await createWidget({ operator: { queue: 'sales' }, direction: 'customer-first', callerId: 'Site callback' });
    const res = await submit(w.key, { phone: '+7 (916) 700-00-01' });
    expect(res.status).toBe(202);
    expect(res.headers.get('access-control-allow-origin')).toBe(SITE);
    const body = (await res.json()) as { token: string; state: string };
    expect(Object.keys(body).sort()).toEqual(['duplicate', 'scheduledFor', 'state', 'token']);
    expect(body).toMatchObject({ state: 'queued', duplicate: false, scheduledFor: null });
    expect(body.token).toMatch(/^pzs_[a-z0-9-]+\.[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(body)).not.toContain('9167000001');
    const job = (await jobs()).find((j) => j.request.customer === '+79167000001');
    expect(job?.request).toMatchObject({ customer: '+79167000001', operator: { queue: 'sales' }, direction: 'operator-first', callerId: 'Site callback', metadata: { source: 'widget', widget: w.id } });
  });

  it('shows only the coarse state on the status endpoint, to the widget origin only', async () => {
    const w = await createWidget();
    const { token } = (await (await submit(w.key, { phone: freshNumber() })).json()) as { token: string };
    const res = await fetch(`${worker.url}/v1/widget/status/${token}`, { headers: { origin: SITE } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(SITE);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ state: 'queued' });
    const foreign = await fetch(`${worker.url}/v1/widget/status/${token}`, { headers: { origin: 'https://evil.example' } });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    const guessed = `${token.slice(0, -4)}AAAA`;
    const unknown = await fetch(`${worker.url}/v1/widget/status/${guessed}`, { headers: { origin: 'https://evil.example' } });
    expect(unknown.status).toBe(404);
    // Any page may read that there is no such callback (a resumed stale token stops polling); nothing more.
    expect(unknown.headers.get('access-control-allow-origin')).toBe('*');
    expect(await unknown.json()).toMatchObject({ status: 404, code: 'not_found' });
    expect((await fetch(`${worker.url}/v1/widget/status/job_123`)).status).toBe(404);
  });

  it('returns the pending job again, not a new one, when the same number asks twice', async () => {
    const w = await createWidget();
    const first = await submit(w.key, { phone: '8 916 700-00-02' });
    expect(first.status).toBe(202);
    const before = (await jobs()).length;
    const again = await submit(w.key, { phone: '+79167000002' });
    expect(again.status).toBe(200);
    const body = (await again.json()) as { token: string | null };
    expect(body).toMatchObject({ state: 'queued', duplicate: true });
    expect((await jobs()).length).toBe(before);
    expect((await jobs()).filter((j) => j.request.customer === '+79167000002')).toHaveLength(1);
    // Whoever asks again (anyone who knows the number) gets no token to the first request's callback.
    expect(body.token).toBeNull();
  });
});

describe('widget CORS', () => {
  it('answers the preflight for an allowed origin and refuses any other', async () => {
    const w = await createWidget();
    const preflight = (origin: string): Promise<Response> =>
      fetch(`${worker.url}/v1/widget/${w.key}/callbacks`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    const ok = await preflight(SITE);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(SITE);
    expect(ok.headers.get('access-control-allow-methods')).toBe('POST');
    const bad = await preflight('https://evil.example');
    expect(bad.status).toBe(403);
    expect(bad.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses a request from another origin, or with none, and creates nothing', async () => {
    const w = await createWidget();
    for (const origin of ['https://evil.example', 'https://shop.example:8443', 'http://shop.example', null]) {
      const { res, body } = await createsNothing(() => submit(w.key, { phone: freshNumber() }, { origin }));
      expect(res.status).toBe(403);
      expect(body.code).toBe('origin_not_allowed');
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    }
  });
});

describe('widget Turnstile check', () => {
  it('refuses a missing, rejected or foreign token without a job, and accepts a good one', async () => {
    const w = await createWidget({ turnstile: { siteKey: '0x4AAAAAAA', secret: SECRET } });
    const seen = verifications.length;
    const missing = await createsNothing(() => submit(w.key, { phone: freshNumber() }));
    expect([missing.res.status, missing.body.code]).toEqual([403, 'captcha_failed']);
    expect(verifications.length).toBe(seen); // nothing to verify: refused before calling out
    for (const token of ['forged', 'elsewhere']) {
      const { res, body } = await createsNothing(() => submit(w.key, { phone: freshNumber(), turnstileToken: token }));
      expect([res.status, body.code]).toEqual([403, 'captcha_failed']);
      expect(res.headers.get('access-control-allow-origin')).toBe(SITE);
    }
    const down = await createsNothing(() => submit(w.key, { phone: freshNumber(), turnstileToken: 'down' }));
    expect([down.res.status, down.body.code]).toEqual([503, 'captcha_unavailable']);
    const good = await submit(w.key, { phone: freshNumber(), turnstileToken: 'good' }, { ip: '203.0.113.9' });
    expect(good.status).toBe(202);
    expect(verifications.at(-1)).toEqual({ secret: SECRET, response: 'good', remoteip: '203.0.113.9' });
  });

  it('tells the script which site key to render', async () => {
    const w = await createWidget({ turnstile: { siteKey: '0x4AAAAAAA', secret: SECRET } });
    const res = await fetch(`${worker.url}/v1/widget/${w.key}/config`, { headers: { origin: SITE } });
    expect(await res.json()).toEqual({ turnstileSiteKey: '0x4AAAAAAA', open: true, outside: 'schedule' });
  });
});

describe('widget rate limits', () => {
  it('limits requests per client IP with Retry-After, and other IPs go on', async () => {
    const w = await createWidget({ rateLimits: { perIp: { max: 2, windowSec: 600 } } });
    const ip = freshIp();
    expect((await submit(w.key, { phone: freshNumber() }, { ip })).status).toBe(202);
    expect((await submit(w.key, { phone: freshNumber() }, { ip })).status).toBe(202);
    const { res, body } = await createsNothing(() => submit(w.key, { phone: freshNumber() }, { ip }));
    expect([res.status, body.code]).toEqual([429, 'rate_limited']);
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(600);
    expect(res.headers.get('access-control-expose-headers')).toBe('retry-after');
    expect((await submit(w.key, { phone: freshNumber() }, { ip: freshIp() })).status).toBe(202);
  });

  it('limits callbacks per number once the pending one is over', async () => {
    const w = await createWidget({ rateLimits: { perNumber: { max: 1, windowSec: 3600 } } });
    const phone = '+7 916 700-00-03';
    expect((await submit(w.key, { phone })).status).toBe(202);
    const job = (await jobs()).find((j) => j.request.customer === '+79167000003');
    const cancelled = await fetch(`${worker.url}/v1/pbxes/${pbx}/jobs/${job?.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${apiKey}` } });
    expect(cancelled.status).toBe(200);
    const { res, body } = await createsNothing(() => submit(w.key, { phone }));
    expect([res.status, body.code]).toEqual([429, 'rate_limited']);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('limits callbacks per widget key', async () => {
    const w = await createWidget({ rateLimits: { perWidget: { max: 2, windowSec: 60 } } });
    expect((await submit(w.key, { phone: freshNumber() })).status).toBe(202);
    expect((await submit(w.key, { phone: freshNumber() })).status).toBe(202);
    const { res } = await createsNothing(() => submit(w.key, { phone: freshNumber() }));
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(60);
  });
});

describe('widget number checks', () => {
  it.each([
    ['a malformed number', 'call me maybe', 400, 'validation_failed'],
    ['a short service number', '112', 422, 'destination_not_allowed'],
    ['a premium-rate number denied by the PBX rules', '+7 809 123-45-67', 422, 'destination_not_allowed'],
    ['a country outside the PBX allow-list', '+44 20 7946 0958', 422, 'destination_not_allowed'],
  ])('refuses %s', async (_what, phone, status, code) => {
    const w = await createWidget();
    const { res, body } = await createsNothing(() => submit(w.key, { phone }));
    expect([res.status, body.code, body.field]).toEqual([status, code, 'phone']);
  });

  it('refuses unknown fields in the body', async () => {
    const w = await createWidget();
    const { res, body } = await createsNothing(() => submit(w.key, { phone: freshNumber(), operator: { extension: '999' } }));
    expect([res.status, body.code]).toEqual([400, 'unknown_field']);
  });
});

describe('widget working hours', () => {
  // Open only on the weekday two days from now (UTC), so it is closed now whenever the test runs.
  const day = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'][(new Date().getUTCDay() + 2) % 7] as 'mon';
  const closedNow = { timeZone: 'UTC', days: { [day]: ['10:00', '12:00'] as [string, string] } };

  it('refuses outside working hours when configured to, creating nothing', async () => {
    const w = await createWidget({ workingHours: { ...closedNow, outside: 'refuse' } });
    const { res, body } = await createsNothing(() => submit(w.key, { phone: freshNumber() }));
    expect([res.status, body.code]).toEqual([422, 'outside_working_hours']);
    const config = await (await fetch(`${worker.url}/v1/widget/${w.key}/config`, { headers: { origin: SITE } })).json();
    expect(config).toMatchObject({ open: false, outside: 'refuse' });
  });

  it('schedules the callback for the next opening when configured to', async () => {
    const w = await createWidget({ workingHours: { ...closedNow, outside: 'schedule' } });
    const res = await submit(w.key, { phone: '+7 916 700-00-04' });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { scheduledFor: string };
    const opening = new Date();
    opening.setUTCDate(opening.getUTCDate() + 2);
    opening.setUTCHours(10, 0, 0, 0);
    expect(body.scheduledFor).toBe(opening.toISOString());
    const job = (await jobs()).find((j) => j.request.customer === '+79167000004');
    expect(job?.notBefore).toBe(opening.toISOString());
    expect(job?.status).toBe('queued');
    expect(Date.parse(job?.expiresAt ?? '')).toBeGreaterThan(opening.getTime());
  });
});
