// The dashboard's doors, tried as an attacker would: no session, a forged or altered cookie, a
// signed-out cookie, a cross-site form post, a key of one PBX reaching for another, a foreign page
// opening the live feed. Each is refused and changes nothing; a real sign-in works.
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../testkit/wait.js';
import { ADMIN, connectRelay, createPbx, postJson } from './helpers.js';

const ORIGIN = 'http://w';
const FORM = { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN };
const CALLBACK = { customer: '+79991234567', operator: { extension: '101' } };

async function signIn(pbx: string, token: string, headers: Record<string, string> = FORM): Promise<Response> {
  return SELF.fetch(`${ORIGIN}/app/sign-in`, { method: 'POST', headers, body: new URLSearchParams({ pbx, token }).toString(), redirect: 'manual' });
}

async function session(pbx: string, token: string): Promise<{ cookie: string; csrf: string }> {
  const res = await signIn(pbx, token);
  expect(res.status).toBe(303);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const page = await SELF.fetch(`${ORIGIN}/app/pbxes/${pbx}/`, { headers: { cookie } });
  const csrf = /name="csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
  return { cookie, csrf };
}

function open(pbx: string, cookie: string): Promise<Response> {
  return SELF.fetch(`${ORIGIN}/app/pbxes/${pbx}/`, { headers: { cookie }, redirect: 'manual' });
}

describe('dashboard sign-in', () => {
  it('signs in with a PBX API key into an HttpOnly, Secure, SameSite=Strict cookie that does not hold the key', async () => {
    const { pbx, apiKey } = await createPbx();
    const res = await signIn(pbx, apiKey);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/app/pbxes/${pbx}/`);
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^pz_session=ses_[^;]+; Path=\/; HttpOnly; Secure; SameSite=Strict; Max-Age=3600$/);
    expect(cookie).not.toContain(apiKey);
    expect(cookie).not.toContain(apiKey.slice(4, 20));
    const page = await open(pbx, cookie.split(';')[0] ?? '');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).not.toMatch(/<script(?![^>]*(src="\/app\/app\.js"|type="application\/json"))/);
    expect(html).not.toMatch(/ style=| on[a-z]+=/);
  });

  it('signs the admin in to any existing PBX with the admin token', async () => {
    const { pbx } = await createPbx();
    const { pbx: other } = await createPbx();
    const { cookie } = await session(pbx, ADMIN.authorization.slice('Bearer '.length));
    expect((await open(pbx, cookie)).status).toBe(200);
    expect((await open(other, cookie)).status).toBe(200);
  });

  it('refuses a wrong token, an API key of another PBX and a PBX that does not exist, with no cookie', async () => {
    const { pbx, apiKey } = await createPbx();
    const { pbx: other } = await createPbx();
    for (const [p, token] of [[pbx, `${apiKey}x`], [other, apiKey], ['no-such-pbx', ADMIN.authorization.slice(7)], [pbx, 'pzk_short'], [pbx, 'x'.repeat(5000)]] as const) {
      const res = await signIn(p, token);
      expect(res.status).toBe(401);
      expect(res.headers.get('set-cookie')).toBeNull();
    }
  });

  it('has no one-click sign-in unless the deployment names a demo PBX for it (npm start only)', async () => {
    const res = await SELF.fetch(`${ORIGIN}/app/dev-sign-in`, { redirect: 'manual' });
    expect(res.status).toBe(404);
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('refuses a sign-in posted from another site (login CSRF)', async () => {
    const { pbx, apiKey } = await createPbx();
    for (const origin of ['https://evil.example', 'null', undefined]) {
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
      if (origin !== undefined) headers.origin = origin;
      const res = await signIn(pbx, apiKey, headers);
      expect(res.status).toBe(403);
      expect(res.headers.get('set-cookie')).toBeNull();
    }
  });
});

describe('dashboard session', () => {
  it('sends a request without a session, or with a forged, altered or expired cookie, to the sign-in page', async () => {
    const { pbx, apiKey } = await createPbx();
    const { cookie } = await session(pbx, apiKey);
    const [, value = ''] = cookie.split('=');
    const [id = '', expiry = '', mac = ''] = value.split('.');
    const forged = [
      '',
      'pz_session=ses_AAAAAAAAAAAAAAAA.9999999999999.' + 'A'.repeat(43),
      `pz_session=${id}.${Number(expiry) + 1000}.${mac}`,
      `pz_session=${id}.1000000000000.${mac}`,
      `pz_session=${id.slice(0, -1)}B.${expiry}.${mac}`,
    ];
    for (const c of forged) {
      const res = await open(pbx, c);
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toMatch(/^\/app\/\?lang=/);
    }
  });

  it('a PBX API key session cannot see another PBX, its jobs or its live feed', async () => {
    const { pbx, apiKey } = await createPbx();
    const { pbx: other, auth } = await createPbx();
    const created = (await (await postJson(`${ORIGIN}/v1/pbxes/${other}/callbacks`, CALLBACK, auth)).json()) as { id: string };
    const { cookie } = await session(pbx, apiKey);
    expect((await open(other, cookie)).status).toBe(403);
    const timeline = await SELF.fetch(`${ORIGIN}/app/pbxes/${other}/jobs/${created.id}`, { headers: { cookie }, redirect: 'manual' });
    expect(timeline.status).toBe(403);
    expect(await timeline.text()).not.toContain(CALLBACK.customer);
    const live = await SELF.fetch(`${ORIGIN}/app/pbxes/${other}/live`, { headers: { cookie, upgrade: 'websocket', origin: ORIGIN } });
    const ws = live.webSocket!;
    const closed = new Promise<number>((resolve) => ws.addEventListener('close', (e) => resolve(e.code)));
    const frames: string[] = [];
    ws.addEventListener('message', (e) => frames.push(String(e.data)));
    ws.accept();
    expect(await closed).toBe(4403);
    expect(frames).toEqual([]);
  });

  it('signing out ends the session for good: the old cookie is refused afterwards, page and live feed', async () => {
    const { pbx, apiKey } = await createPbx();
    const { cookie, csrf } = await session(pbx, apiKey);
    const out = await SELF.fetch(`${ORIGIN}/app/sign-out`, { method: 'POST', headers: { ...FORM, cookie }, body: `csrf=${csrf}`, redirect: 'manual' });
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toMatch(/^pz_session=; .*Max-Age=0/);
    expect((await open(pbx, cookie)).status).toBe(303);
    const live = await SELF.fetch(`${ORIGIN}/app/pbxes/${pbx}/live`, { headers: { cookie, upgrade: 'websocket', origin: ORIGIN } });
    const ws = live.webSocket!;
    const closed = new Promise<number>((resolve) => ws.addEventListener('close', (e) => resolve(e.code)));
    ws.accept();
    expect(await closed).toBe(4401);
  });

  it('refuses a cross-site sign-out post, or one without the form token, and the session lives on', async () => {
    const { pbx, apiKey } = await createPbx();
    const { cookie, csrf } = await session(pbx, apiKey);
    const attempts = [
      { ...FORM, cookie, origin: 'https://evil.example', body: `csrf=${csrf}` },
      { ...FORM, cookie, body: '' },
      { ...FORM, cookie, body: 'csrf=csrf_AAAAAAAAAAAAAAAA' },
    ];
    for (const { body, ...headers } of attempts) {
      const res = await SELF.fetch(`${ORIGIN}/app/sign-out`, { method: 'POST', headers, body, redirect: 'manual' });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { code: string }).code).toBe('forbidden');
    }
    expect((await open(pbx, cookie)).status).toBe(200);
  });

  it('refuses the live feed to a foreign page even with a valid cookie', async () => {
    const { pbx, apiKey } = await createPbx();
    const { cookie } = await session(pbx, apiKey);
    const res = await SELF.fetch(`${ORIGIN}/app/pbxes/${pbx}/live`, { headers: { cookie, upgrade: 'websocket', origin: 'https://evil.example' } });
    expect(res.status).toBe(403);
    expect(res.webSocket).toBeNull();
  });
});

describe('dashboard live feed', () => {
  it('pushes the PBX health and every change of a job as it happens, with its timeline afterwards', async () => {
    const { pbx, apiKey, auth, relayToken } = await createPbx();
    const { cookie } = await session(pbx, apiKey);
    const live = await SELF.fetch(`${ORIGIN}/app/pbxes/${pbx}/live`, { headers: { cookie, upgrade: 'websocket', origin: ORIGIN } });
    expect(live.status).toBe(101);
    const ws = live.webSocket!;
    const frames: Array<{ type: string; job?: { id: string; status: string; attempts: Array<{ status: string }> }; health?: { relay: { connected: boolean } } }> = [];
    ws.addEventListener('message', (e) => frames.push(JSON.parse(String(e.data))));
    ws.accept();
    await waitFor(() => frames.find((f) => f.type === 'health' && f.health?.relay.connected === false), 'the health frame');

    const created = (await (await postJson(`${ORIGIN}/v1/pbxes/${pbx}/callbacks`, CALLBACK, auth)).json()) as { id: string };
    await waitFor(() => frames.find((f) => f.job?.id === created.id && f.job.status === 'queued'), 'the new job on the feed, queued');
    const relay = await connectRelay(pbx, relayToken);
    await waitFor(() => frames.find((f) => f.type === 'health' && f.health?.relay.connected === true), 'the relay shown connected');
    const offer = await relay.next('job.offer');
    await waitFor(() => frames.find((f) => f.job?.id === created.id && f.job.attempts[0]?.status === 'offered'), 'the attempt shown offered');
    relay.send({ type: 'job.reject', attemptId: offer.attemptId, fence: offer.fence, reason: 'test' });
    await waitFor(() => frames.find((f) => f.job?.id === created.id && f.job.attempts.length === 1 && f.job.status === 'queued'), 'the job back in the queue after the refusal');

    const timeline = await SELF.fetch(`${ORIGIN}/app/pbxes/${pbx}/jobs/${created.id}`, { headers: { cookie } });
    expect(timeline.status).toBe(200);
    const html = await timeline.text();
    for (const event of ['queued', 'offered']) expect(html).toContain(`<td>${event}</td>`);
  });
});

describe('dashboard access page', () => {
  const ADMIN_TOKEN = ADMIN.authorization.slice('Bearer '.length);

  it('is for the admin only: a PBX API key session is refused it', async () => {
    const { pbx, apiKey } = await createPbx();
    const { cookie } = await session(pbx, apiKey);
    const res = await SELF.fetch(`${ORIGIN}/app/pbxes/${pbx}/access`, { headers: { cookie } });
    expect(res.status).toBe(403);
    const post = await SELF.fetch(`${ORIGIN}/app/pbxes/${pbx}/access/api-keys`, { method: 'POST', headers: { ...FORM, cookie }, body: 'csrf=x&label=evil' });
    expect(post.status).toBe(403);
  });

  it('creates an API key shown once that works on the API, and revokes it so the API refuses it', async () => {
    const { pbx } = await createPbx();
    const { cookie, csrf } = await session(pbx, ADMIN_TOKEN);
    const created = await SELF.fetch(`${ORIGIN}/app/pbxes/${pbx}/access/api-keys`, { method: 'POST', headers: { ...FORM, cookie }, body: `csrf=${csrf}&label=crm` });
    expect(created.status).toBe(200);
    const html = await created.text();
    const key = /<code id="revealed">(pzk_[^<]+)<\/code>/.exec(html)?.[1] ?? '';
    expect(key).toMatch(/^pzk_/);
    const auth = { authorization: `Bearer ${key}` };
    expect((await SELF.fetch(`${ORIGIN}/v1/pbxes/${pbx}/jobs`, { headers: auth })).status).toBe(200);
    const again = await (await SELF.fetch(`${ORIGIN}/app/pbxes/${pbx}/access`, { headers: { cookie } })).text();
    expect(again).not.toContain(key);
    const id = /data-key="(key_[^"]+)">crm/.exec(again)?.[1] ?? '';
    const revoked = await SELF.fetch(`${ORIGIN}/app/pbxes/${pbx}/access/api-keys/${id}/revoke`, { method: 'POST', headers: { ...FORM, cookie }, body: `csrf=${csrf}`, redirect: 'manual' });
    expect(revoked.status).toBe(303);
    expect((await SELF.fetch(`${ORIGIN}/v1/pbxes/${pbx}/jobs`, { headers: auth })).status).toBe(401);
  });

  it('creates nothing from a cross-site post or one without the form token', async () => {
    const { pbx } = await createPbx();
    const { cookie, csrf } = await session(pbx, ADMIN_TOKEN);
    const before = ((await (await SELF.fetch(`${ORIGIN}/v1/admin/pbxes/${pbx}/api-keys`, { headers: ADMIN })).json()) as { apiKeys: unknown[] }).apiKeys.length;
    for (const [headers, body] of [[{ ...FORM, cookie, origin: 'https://evil.example' }, `csrf=${csrf}`], [{ ...FORM, cookie }, 'label=x']] as const) {
      const res = await SELF.fetch(`${ORIGIN}/app/pbxes/${pbx}/access/api-keys`, { method: 'POST', headers, body });
      expect(res.status).toBe(403);
    }
    const after = ((await (await SELF.fetch(`${ORIGIN}/v1/admin/pbxes/${pbx}/api-keys`, { headers: ADMIN })).json()) as { apiKeys: unknown[] }).apiKeys.length;
    expect(after).toBe(before);
  });
});

describe('dashboard conference and missed-call pages', () => {
  it('lists an assembly with its members and redials the ones not in the room', async () => {
    const { pbx, apiKey, auth } = await createPbx();
    const made = await postJson(`${ORIGIN}/v1/pbxes/${pbx}/conferences`, { room: '7001', members: [{ name: 'Anna', extension: '101' }, { name: 'Boris', number: '+79991112233' }] }, auth);
    expect(made.status).toBe(202);
    const conference = (await made.json()) as { id: string };
    const { cookie, csrf } = await session(pbx, apiKey);
    const html = await (await SELF.fetch(`${ORIGIN}/app/pbxes/${pbx}/conferences`, { headers: { cookie } })).text();
    expect(html).toContain(`data-conference="${conference.id}"`);
    expect(html).toContain('Anna');
    expect(html).toContain('+79991112233');
    const redial = await SELF.fetch(`${ORIGIN}/app/pbxes/${pbx}/conferences/${conference.id}/redial`, { method: 'POST', headers: { ...FORM, cookie }, body: `csrf=${csrf}` });
    expect(redial.status).toBe(200);
    expect(await redial.text()).toMatch(/Dialling again: \d+\./);
    const missed = await SELF.fetch(`${ORIGIN}/app/pbxes/${pbx}/missed-calls`, { headers: { cookie } });
    expect(missed.status).toBe(200);
  });
});
