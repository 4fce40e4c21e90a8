// An attacker's attempts at the Worker's edges, in workerd: impossible schedules, oversized and
// endless bodies, made-up PBX ids, webhook ids burnt by refused content, borrowed idempotency keys,
// odd Authorization headers. Each asserts the refusal and that nothing was created.
import { env as testEnv, listDurableObjectIds, SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, secretsEqual } from '../../worker/auth/tokens.js';
import { sign } from '../../worker/webhooks/standard-webhooks.js';
import type { Bindings } from '../../worker/env.js';
import { ADMIN, createPbx, postJson } from './helpers.js';

const env = testEnv as unknown as Bindings;

const request = { customer: '+79991234567', operator: { extension: '101' } };
const DAY_MS = 24 * 3600 * 1000;
const at = (ms: number): string => new Date(ms).toISOString();

async function jobCount(pbx: string, auth: Record<string, string>): Promise<number> {
  const res = await SELF.fetch(`http://w/v1/pbxes/${pbx}/jobs`, { headers: auth });
  return ((await res.json()) as { jobs: unknown[] }).jobs.length;
}

async function problem(res: Response): Promise<{ status: number; code: string; field?: string; message: string }> {
  return (await res.json()) as { status: number; code: string; field?: string; message: string };
}

async function inboundSecret(pbx: string): Promise<string> {
  const res = await postJson(`http://w/v1/admin/pbxes/${pbx}/webhook-secrets`, { purpose: 'inbound' }, ADMIN);
  return ((await res.json()) as { secret: string }).secret;
}

async function signedPost(pbx: string, secret: string | null, body: string, id: string, path = '/hooks/generic'): Promise<Response> {
  const ts = Math.floor(Date.now() / 1000);
  const signature = secret === null ? 'v1,' + btoa('x'.repeat(32)) : await sign([secret], id, ts, body);
  return SELF.fetch(`http://w/v1/pbxes/${pbx}${path}`, {
    method: 'POST', body,
    headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': signature },
  });
}

describe('a callback scheduled by an attacker or by mistake', () => {
  it('counts the TTL from notBefore, so a job scheduled beyond jobTtlSec still rings', async () => {
    const { pbx, auth } = await createPbx();
    const notBefore = Date.now() + 2 * DAY_MS;
    const res = await postJson(`http://w/v1/pbxes/${pbx}/callbacks`, { ...request, notBefore: at(notBefore) }, auth);
    expect(res.status).toBe(202);
    const job = (await res.json()) as { notBefore: string; expiresAt: string };
    expect(Date.parse(job.expiresAt) - Date.parse(job.notBefore)).toBe(3600 * 1000);
  });

  it.each([
    ['expiresAt before notBefore', { notBefore: at(Date.now() + 2 * 3600_000), expiresAt: at(Date.now() + 3600_000) }, 'expiresAt'],
    ['expiresAt equal to notBefore', { notBefore: at(Date.now() + 3600_000), expiresAt: at(Date.now() + 3600_000) }, 'expiresAt'],
    ['notBefore in the year 9999', { notBefore: '9999-12-31T23:59:59Z' }, 'notBefore'],
    ['notBefore 31 days ahead', { notBefore: at(Date.now() + 31 * DAY_MS) }, 'notBefore'],
    ['expiresAt in the year 9999', { expiresAt: '9999-12-31T23:59:59Z' }, 'expiresAt'],
    ['expiresAt 31 days after notBefore', { notBefore: at(Date.now() + DAY_MS), expiresAt: at(Date.now() + 32 * DAY_MS) }, 'expiresAt'],
    ['expiresAt in the past', { expiresAt: at(Date.now() - 1000) }, 'expiresAt'],
  ])('refuses %s with 400 and creates nothing', async (_name, window, field) => {
    const { pbx, auth } = await createPbx();
    const res = await postJson(`http://w/v1/pbxes/${pbx}/callbacks`, { ...request, ...window }, auth);
    expect(res.status).toBe(400);
    expect(await problem(res)).toMatchObject({ code: 'validation_failed', field });
    expect(await jobCount(pbx, auth)).toBe(0);
  });

  it('refuses the same impossible window through a signed webhook', async () => {
    const { pbx, auth } = await createPbx();
    const secret = await inboundSecret(pbx);
    const body = JSON.stringify({ ...request, notBefore: '9999-01-01T00:00:00Z' });
    const res = await signedPost(pbx, secret, body, 'msg_far');
    expect(res.status).toBe(400);
    expect(await jobCount(pbx, auth)).toBe(0);
  });
});

/** A request body that never ends, counting how much of it was read. */
function endlessBody(): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let pulled = 0;
  const chunk = new Uint8Array(1024).fill(0x20);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled += chunk.length;
      if (pulled > 100 * 1024 * 1024) controller.close();
      else controller.enqueue(chunk);
    },
  }, { highWaterMark: 0 });
  return { stream, pulled: () => pulled };
}

describe('a body larger than 16 KiB', () => {
  it.each([
    ['the unauthenticated webhook endpoint', '/v1/pbxes/{pbx}/hooks/generic'],
    ['the unauthenticated missed-call endpoint', '/v1/pbxes/{pbx}/events/missed-call'],
    ['the widget endpoint', '/v1/widget/pzw_{pbx}.AAAAAAAAAAAAAAAA/callbacks'],
    ['the admin API, without a token', '/v1/admin/pbxes'],
    ['a path that does not exist', '/v1/nowhere'],
  ])('sent chunked to %s is refused with 413 before it is read whole', async (_name, path) => {
    const { pbx } = await createPbx();
    const body = endlessBody();
    const res = await SELF.fetch(`http://w${path.replace('{pbx}', pbx)}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: body.stream, duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(await problem(res)).toMatchObject({ status: 413, code: 'body_too_large' });
    expect(body.pulled()).toBeLessThan(1024 * 1024);
  });

  it('declared in Content-Length is refused with 413 unread, before authentication', async () => {
    const res = await SELF.fetch('http://w/v1/pbxes/nobody/callbacks', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pad: 'x'.repeat(20_000) }),
    });
    expect(res.status).toBe(413);
  });
});

describe('requests to a PBX nobody created', () => {
  it('are refused and leave no Durable Object storage behind', async () => {
    const before = (await listDurableObjectIds(env.PBX_QUEUE)).length;
    const ghost = `ghost-${crypto.randomUUID().slice(0, 8)}`;
    const key = 'pzk_' + 'A'.repeat(43);
    const attempts: Array<[string, RequestInit]> = [
      [`/v1/pbxes/${ghost}/callbacks`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(request) }],
      [`/v1/pbxes/${ghost}/status`, { headers: { authorization: `Bearer ${key}` } }],
      [`/v1/pbxes/${ghost}/hooks/generic`, { method: 'POST', headers: { 'content-type': 'application/json', 'webhook-id': 'm1', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,AAAA' }, body: '{}' }],
      [`/v1/pbxes/${ghost}/hooks/bitrix24`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ event: 'ONEXTERNALCALLSTART', 'data[USER_ID]': '7', 'data[PHONE_NUMBER]': '+79991234567', 'data[CALL_ID]': 'externalCall.1', 'auth[application_token]': 'guess' }).toString() }],
      [`/v1/pbxes/${ghost}/relay`, { headers: { upgrade: 'websocket', authorization: 'Bearer pzr_' + 'A'.repeat(43) } }],
      [`/v1/widget/pzw_${ghost}.AAAAAAAAAAAAAAAA/config`, { headers: { origin: 'https://shop.example' } }],
      [`/v1/widget/status/pzs_${ghost}.${'A'.repeat(43)}`, {}],
      [`/v1/admin/pbxes/${ghost}`, { headers: ADMIN }],
      [`/v1/admin/pbxes/${ghost}/widgets`, { headers: ADMIN }],
    ];
    for (const [path, init] of attempts) {
      const res = await SELF.fetch(`http://w${path}`, init);
      expect([401, 404], path).toContain(res.status);
    }
    expect((await listDurableObjectIds(env.PBX_QUEUE)).length).toBe(before);
  });

  it('answers a webhook exactly as a PBX without an inbound secret does', async () => {
    const { pbx } = await createPbx();
    const body = JSON.stringify(request);
    const known = await signedPost(pbx, null, body, 'msg_probe');
    const unknown = await signedPost(`ghost-${crypto.randomUUID().slice(0, 8)}`, null, body, 'msg_probe');
    expect(known.status).toBe(401);
    expect(unknown.status).toBe(401);
    const [a, b] = [await problem(known), await problem(unknown)];
    expect({ ...a, requestId: undefined }).toEqual({ ...b, requestId: undefined });
  });
});

describe('a signed webhook refused for its content', () => {
  it('does not use up its webhook id: the corrected resend is accepted', async () => {
    const { pbx, auth } = await createPbx();
    const secret = await inboundSecret(pbx);
    const denied = await signedPost(pbx, secret, JSON.stringify({ ...request, customer: '+78091234567' }), 'msg_fix');
    expect(denied.status).toBe(422);
    const invalid = await signedPost(pbx, secret, JSON.stringify({ ...request, extra: true }), 'msg_fix');
    expect(invalid.status).toBe(400);
    expect(await jobCount(pbx, auth)).toBe(0);
    const fixed = await signedPost(pbx, secret, JSON.stringify(request), 'msg_fix');
    expect(fixed.status).toBe(202);
    const replay = await signedPost(pbx, secret, JSON.stringify(request), 'msg_fix');
    expect(await problem(replay)).toMatchObject({ status: 401, code: 'webhook_replayed' });
    expect(await jobCount(pbx, auth)).toBe(1);
  });

  it('is never answered with 401', async () => {
    const { pbx } = await createPbx();
    const secret = await inboundSecret(pbx);
    for (const body of ['not json', JSON.stringify({ customer: 'x' }), JSON.stringify({ ...request, customer: '+78091234567' })]) {
      const res = await signedPost(pbx, secret, body, `msg_${crypto.randomUUID()}`);
      expect([400, 422]).toContain(res.status);
    }
  });
});

describe('an Idempotency-Key chosen by a client', () => {
  it('cannot reach the job a signed webhook created under the same text', async () => {
    const { pbx, auth } = await createPbx();
    const secret = await inboundSecret(pbx);
    const hooked = await signedPost(pbx, secret, JSON.stringify(request), 'msg_ns');
    expect(hooked.status).toBe(202);
    const hookJob = (await hooked.json()) as { id: string };
    const res = await SELF.fetch(`http://w/v1/pbxes/${pbx}/callbacks`, {
      method: 'POST', headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': 'webhook:msg_ns' }, body: JSON.stringify(request),
    });
    expect(res.status).toBe(202);
    expect(((await res.json()) as { id: string }).id).not.toBe(hookJob.id);
    const bitrix = await SELF.fetch(`http://w/v1/pbxes/${pbx}/callbacks`, {
      method: 'POST', headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': 'bitrix24:1' }, body: JSON.stringify({ ...request, customer: '+79990000001' }),
    });
    expect(bitrix.status).toBe(202);
    expect(await jobCount(pbx, auth)).toBe(3);
  });
});

describe('Authorization headers', () => {
  it('take the Bearer scheme in any case (RFC 9110)', async () => {
    const { pbx, apiKey } = await createPbx();
    for (const scheme of ['bearer', 'BEARER', 'BeArEr']) {
      expect((await SELF.fetch(`http://w/v1/pbxes/${pbx}/status`, { headers: { authorization: `${scheme} ${apiKey}` } })).status).toBe(200);
      expect((await SELF.fetch(`http://w/v1/admin/pbxes/${pbx}`, { headers: { authorization: `${scheme} test-admin-token-0123456789` } })).status).toBe(200);
    }
  });

  it.each(['Bearer test-admin-token-0123456789x', 'Bearer test-admin-token-012345678', 'Token test-admin-token-0123456789', 'Basic dGVzdA==', 'Bearer', 'Bearer  ', 'Bearer test-admin-token-0123456789 extra'])(
    'refuses %j as the admin token', async (authorization) => {
      expect((await SELF.fetch('http://w/v1/admin/pbxes/any', { headers: { authorization } })).status).toBe(401);
    });

  it('reads an admin token with any punctuation, so such a token can match', async () => {
    const token = `p@ss:w0rd!#$%^&*()[]{}<>?,;'"\\|\`~`;
    expect(bearer(`Bearer ${token}`)).toBe(token);
    expect(await secretsEqual(token, token)).toBe(true);
    expect(await secretsEqual(token, `${token}x`)).toBe(false);
  });
});

describe('status-callback and CRM URLs pointing into the operator’s network', () => {
  // One PBX for all the attempts: each must leave it as it was (no job, no URL stored).
  let world: Awaited<ReturnType<typeof createPbx>>;
  beforeAll(async () => {
    world = await createPbx();
  });
  const put = (pbx: string, path: string, body: unknown): Promise<Response> =>
    SELF.fetch(`http://w/v1/admin/pbxes/${pbx}${path}`, { method: 'PUT', headers: { ...ADMIN, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it.each(['http://[::1', 'http://a b/', 'http://exa mple.com/x', 'http://[::1]]/', 'http://%zz/', 'http://exa\nmple.com/', 'http://', 'javascript:alert(1)', 'http://user:pw@crm.example.com/'])(
    'refuses the malformed %j with a 400 problem, not a 500', async (url) => {
      const { pbx, auth } = world;
      for (const res of [
        await put(pbx, '/status-callbacks', { url }),
        await postJson(`http://w/v1/pbxes/${pbx}/callbacks`, { ...request, statusCallbackUrl: url }, auth),
        await put(pbx, '/integrations/bitrix24', { applicationToken: 'tok', restUrl: url, users: {} }),
      ]) {
        expect(res.status).toBe(400);
        expect(await problem(res)).toMatchObject({ status: 400, code: 'validation_failed' });
      }
      expect(await jobCount(pbx, auth)).toBe(0);
    });

  it.each([
    'http://localhost./x', 'http://LOCALHOST/x', 'http://api.localhost/x', 'http://printer.local/x', 'http://db.internal/x', 'http://intranet/x',
    'http://127.0.0.1/x', 'http://127.1/x', 'http://2130706433/x', 'http://0177.0.0.1/x', 'http://0x7f.1/x', 'http://0x7f000001/x', 'http://0/x', 'http://0.0.0.0/x',
    'http://10.1.2.3/x', 'http://172.31.0.1/x', 'http://192.168.0.1/x', 'http://100.64.0.1/x', 'http://169.254.169.254/latest/meta-data/', 'http://2852039166/x',
    'http://224.0.0.1/x', 'http://255.255.255.255/x', 'http://198.18.0.1/x',
    'http://[::]/x', 'http://[::1]/x', 'http://[::127.0.0.1]/x', 'http://[::ffff:127.0.0.1]/x', 'http://[::ffff:169.254.169.254]/x', 'http://[0:0:0:0:0:ffff:a9fe:a9fe]/x',
    'http://[64:ff9b::169.254.169.254]/x', 'http://[64:ff9b::7f00:1]/x', 'http://[64:ff9b:1::a00:1]/x', 'http://[2002:7f00:1::]/x', 'http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/x',
    'http://[fc00::1]/x', 'http://[fd12:3456::1]/x', 'http://[fe80::1]/x', 'http://[ff02::1]/x', 'http://[2001:db8::1]/x',
  ])('refuses %s as not public (422) and stores nothing', async (url) => {
    const { pbx, auth } = world;
    const res = await put(pbx, '/status-callbacks', { url });
    expect(await problem(res)).toMatchObject({ status: 422, code: 'callback_url_not_allowed' });
    const viaJob = await postJson(`http://w/v1/pbxes/${pbx}/callbacks`, { ...request, statusCallbackUrl: url }, auth);
    expect(viaJob.status).toBe(422);
    expect(await jobCount(pbx, auth)).toBe(0);
    const settings = await SELF.fetch(`http://w/v1/admin/pbxes/${pbx}/status-callbacks`, { headers: ADMIN });
    expect(((await settings.json()) as { url: string | null }).url).toBeNull();
  });

  it.each(['https://crm.example.com/hook', 'http://93.184.216.34/x', 'https://[2606:4700::1111]/x', 'https://crm.example.com./hook'])('accepts the public %s', async (url) => {
    const { pbx } = await createPbx();
    expect((await put(pbx, '/status-callbacks', { url })).status).toBe(200);
  });
});

describe('control characters, prototype keys and reserved variables', () => {
  const controls = ['\r', '\n', '\r\nX-Injected: 1', '\u0000', '\u001b[31m', '\u007f', '\u0085', '\u2028', '\u202e'];

  it.each(controls)('refuses %j in a metadata value or key, and echoes no raw control character', async (bad) => {
    const { pbx, auth } = await createPbx();
    for (const metadata of [{ note: `a${bad}b` }, { [`k${bad}`]: 'v' }]) {
      const res = await postJson(`http://w/v1/pbxes/${pbx}/callbacks`, { ...request, metadata }, auth);
      expect(res.status).toBe(400);
      const text = await res.text();
      expect(text).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u202e]/);
      expect(JSON.parse(text)).toMatchObject({ code: 'validation_failed' });
    }
    expect(await jobCount(pbx, auth)).toBe(0);
  });

  it.each(controls)('refuses %j in a conference group name, a group reference and the labels of keys, secrets and widgets', async (bad) => {
    const { pbx, auth } = await createPbx();
    const group = await postJson(`http://w/v1/pbxes/${pbx}/conference-groups`, { name: `Plan${bad}ning`, code: '5', members: [{ name: 'Anna', extension: '101' }] }, auth);
    expect(group.status).toBe(400);
    const byRef = await postJson(`http://w/v1/pbxes/${pbx}/conferences`, { group: `5${bad}`, room: '7001' }, auth);
    expect(byRef.status).toBe(400);
    expect((await postJson(`http://w/v1/admin/pbxes/${pbx}/api-keys`, { label: `crm${bad}` }, ADMIN)).status).toBe(400);
    expect((await postJson(`http://w/v1/admin/pbxes/${pbx}/webhook-secrets`, { purpose: 'inbound', label: `crm${bad}` }, ADMIN)).status).toBe(400);
    expect((await postJson(`http://w/v1/admin/pbxes/${pbx}/widgets`, { label: `shop${bad}`, origins: ['https://shop.example'], operator: { extension: '101' } }, ADMIN)).status).toBe(400);
    const { groups } = (await (await SELF.fetch(`http://w/v1/pbxes/${pbx}/conference-groups`, { headers: auth })).json()) as { groups: unknown[] };
    expect(groups).toEqual([]);
  });

  it.each(['__proto__', 'constructor', 'prototype'])('refuses a %s key anywhere in the body instead of dropping it', async (key) => {
    const { pbx, auth } = await createPbx();
    for (const body of [`{"customer":"+79991234567","operator":{"extension":"101"},"metadata":{"${key}":{"admin":true}}}`, `{"${key}":{},"customer":"+79991234567","operator":{"extension":"101"}}`]) {
      const res = await postJson(`http://w/v1/pbxes/${pbx}/callbacks`, body, auth);
      expect(res.status).toBe(400);
      expect(await problem(res)).toMatchObject({ code: 'validation_failed', field: key });
    }
    expect(await jobCount(pbx, auth)).toBe(0);
  });

  it.each(['PEREZVON_LEG', 'perezvon_leg', 'PEREZVON_CONFERENCE', '__PEREZVON_LEG', '_CRM_ID', '__CRM_ID', 'AMPUSER', 'ampuser', '__AMPUSER', 'AMPUSERCID', 'DIAL_OPTIONS', 'TRUNK_OPTIONS', 'OUTBOUND_GROUP_ONCE', 'CALLERID', 'CDR_PROP', 'MACRO_CONTEXT', 'ARG1', 'KEEPCID', 'EMERGENCYCID', 'MOHCLASS', 'SIPADDHEADER01', 'PJSIP_HEADER'])(
    'refuses the reserved variable %s and dials nothing', async (name) => {
      const { pbx, auth } = await createPbx();
      const res = await postJson(`http://w/v1/pbxes/${pbx}/callbacks`, { ...request, variables: { [name]: 'x' } }, auth);
      expect(res.status).toBe(400);
      expect(await problem(res)).toMatchObject({ code: 'validation_failed', field: `variables.${name}` });
      expect(await jobCount(pbx, auth)).toBe(0);
    });

  it('still takes ordinary variables', async () => {
    const { pbx, auth } = await createPbx();
    const res = await postJson(`http://w/v1/pbxes/${pbx}/callbacks`, { ...request, variables: { CRM_DEAL: 'D-17', ARGUMENT: 'x' } }, auth);
    expect(res.status).toBe(202);
  });
});
