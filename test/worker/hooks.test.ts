// Signed inbound webhooks (Standard Webhooks), webhook secrets and the delivery log, in workerd.
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { sign } from '../../worker/webhooks/standard-webhooks.js';
import { ADMIN, createPbx, postJson } from './helpers.js';

const request = { customer: '+79991234567', operator: { extension: '101' }, metadata: { crmDeal: 'D-17' } };

async function newSecret(pbx: string, purpose: 'inbound' | 'outbound' = 'inbound'): Promise<{ id: string; secret: string }> {
  const res = await postJson(`http://w/v1/admin/pbxes/${pbx}/webhook-secrets`, { purpose, label: 'crm' }, ADMIN);
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; secret: string };
}

async function signedPost(pbx: string, secret: string, body: string, o: { id?: string; ts?: number; path?: string } = {}): Promise<Response> {
  const id = o.id ?? `msg_${crypto.randomUUID()}`;
  const ts = o.ts ?? Math.floor(Date.now() / 1000);
  return SELF.fetch(`http://w/v1/pbxes/${pbx}${o.path ?? '/hooks/generic'}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': await sign([secret], id, ts, body) },
    body,
  });
}

async function jobCount(pbx: string, auth: Record<string, string>): Promise<number> {
  const res = await SELF.fetch(`http://w/v1/pbxes/${pbx}/jobs`, { headers: auth });
  return ((await res.json()) as { jobs: unknown[] }).jobs.length;
}

describe('webhook secrets', () => {
  it('shows a new secret once and lists only its id and label afterwards', async () => {
    const { pbx } = await createPbx();
    const created = await newSecret(pbx);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{32}$/);
    const list = await SELF.fetch(`http://w/v1/admin/pbxes/${pbx}/webhook-secrets`, { headers: ADMIN });
    const text = await list.text();
    expect(text).toContain(created.id);
    expect(text).not.toContain(created.secret.slice(6));
  });

  it('refuses secret management without the admin token', async () => {
    const { pbx, auth } = await createPbx();
    const res = await postJson(`http://w/v1/admin/pbxes/${pbx}/webhook-secrets`, { purpose: 'inbound' }, auth);
    expect(res.status).toBe(401);
  });
});

describe('POST /v1/pbxes/{pbx}/hooks/generic', () => {
  it('queues the callback of a correctly signed webhook', async () => {
    const { pbx, auth } = await createPbx();
    const { secret } = await newSecret(pbx);
    const res = await signedPost(pbx, secret, JSON.stringify(request));
    expect(res.status).toBe(202);
    const job = (await res.json()) as { id: string; status: string; request: unknown };
    expect(job.request).toEqual({ ...request, direction: 'operator-first' });
    expect(await jobCount(pbx, auth)).toBe(1);
  });

  it('accepts the old and the new secret during a rotation, and not a deleted one', async () => {
    const { pbx, auth } = await createPbx();
    const old = await newSecret(pbx);
    const fresh = await newSecret(pbx);
    expect((await signedPost(pbx, old.secret, JSON.stringify(request))).status).toBe(202);
    expect((await signedPost(pbx, fresh.secret, JSON.stringify({ ...request, customer: '+79990000001' }))).status).toBe(202);
    const del = await SELF.fetch(`http://w/v1/admin/pbxes/${pbx}/webhook-secrets/${old.id}`, { method: 'DELETE', headers: ADMIN });
    expect(del.status).toBe(204);
    const refused = await signedPost(pbx, old.secret, JSON.stringify({ ...request, customer: '+79990000002' }));
    expect(refused.status).toBe(401);
    expect(await jobCount(pbx, auth)).toBe(2);
  });

  it.each([
    ['unsigned', async (pbx: string) => postJson(`http://w/v1/pbxes/${pbx}/hooks/generic`, request, {}), 'signature_invalid'],
    ['tampered', async (pbx: string, secret: string) => {
      const ts = Math.floor(Date.now() / 1000);
      const signature = await sign([secret], 'msg_t', ts, JSON.stringify(request));
      return SELF.fetch(`http://w/v1/pbxes/${pbx}/hooks/generic`, {
        method: 'POST', body: JSON.stringify({ ...request, customer: '+79997777777' }),
        headers: { 'content-type': 'application/json', 'webhook-id': 'msg_t', 'webhook-timestamp': String(ts), 'webhook-signature': signature },
      });
    }, 'signature_invalid'],
    ['stale (6 minutes old)', async (pbx: string, secret: string) => signedPost(pbx, secret, JSON.stringify(request), { ts: Math.floor(Date.now() / 1000) - 360 }), 'timestamp_out_of_tolerance'],
    ['signed with a secret of another PBX', async (pbx: string) => {
      const other = await createPbx();
      return signedPost(pbx, (await newSecret(other.pbx)).secret, JSON.stringify(request));
    }, 'signature_invalid'],
    ['signed with the outbound secret', async (pbx: string) => signedPost(pbx, (await newSecret(pbx, 'outbound')).secret, JSON.stringify(request)), 'signature_invalid'],
  ])('refuses a webhook that is %s with 401 and creates nothing', async (_name, send, code) => {
    const { pbx, auth } = await createPbx();
    const { secret } = await newSecret(pbx);
    const res = await send(pbx, secret);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe(code);
    expect(await jobCount(pbx, auth)).toBe(0);
  });

  it('refuses a replayed webhook id and creates nothing more', async () => {
    const { pbx, auth } = await createPbx();
    const { secret } = await newSecret(pbx);
    const ts = Math.floor(Date.now() / 1000);
    const first = await signedPost(pbx, secret, JSON.stringify(request), { id: 'msg_replay', ts });
    expect(first.status).toBe(202);
    const again = await signedPost(pbx, secret, JSON.stringify(request), { id: 'msg_replay', ts });
    expect(again.status).toBe(401);
    expect(((await again.json()) as { code: string }).code).toBe('webhook_replayed');
    expect(await jobCount(pbx, auth)).toBe(1);
  });

  it('validates the signed body like POST /callbacks and creates nothing on error', async () => {
    const { pbx, auth } = await createPbx();
    const { secret } = await newSecret(pbx);
    const unknown = await signedPost(pbx, secret, JSON.stringify({ ...request, extra: 1 }));
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { code: string }).code).toBe('unknown_field');
    const privateUrl = await signedPost(pbx, secret, JSON.stringify({ ...request, statusCallbackUrl: 'http://127.0.0.1:8080/hook' }));
    expect(privateUrl.status).toBe(422);
    expect(((await privateUrl.json()) as { code: string }).code).toBe('callback_url_not_allowed');
    expect(await jobCount(pbx, auth)).toBe(0);
  });
});

describe('status callback settings and deliveries', () => {
  it('refuses private and loopback receivers unless ALLOW_PRIVATE_CALLBACKS is set', async () => {
    const { pbx, auth } = await createPbx();
    for (const url of ['http://localhost:9/x', 'http://10.0.0.5/x', 'http://[::1]/x', 'http://192.168.1.1/x', 'ftp://example.com/x']) {
      const res = await SELF.fetch(`http://w/v1/admin/pbxes/${pbx}/status-callbacks`, { method: 'PUT', headers: { ...ADMIN, 'content-type': 'application/json' }, body: JSON.stringify({ url }) });
      expect([400, 422]).toContain(res.status);
    }
    const viaApi = await postJson(`http://w/v1/pbxes/${pbx}/callbacks`, { ...request, statusCallbackUrl: 'http://169.254.169.254/latest' }, auth);
    expect(viaApi.status).toBe(422);
    expect(await jobCount(pbx, auth)).toBe(0);
  });

  it('lists a job’s deliveries with their attempts', async () => {
    const { pbx, auth } = await createPbx();
    const put = await SELF.fetch(`http://w/v1/admin/pbxes/${pbx}/status-callbacks`, {
      method: 'PUT', headers: { ...ADMIN, 'content-type': 'application/json' }, body: JSON.stringify({ url: 'https://crm.example.com/perezvon', backoffSec: [60] }),
    });
    expect(put.status).toBe(200);
    const job = (await (await postJson(`http://w/v1/pbxes/${pbx}/callbacks`, request, auth)).json()) as { id: string };
    const res = await SELF.fetch(`http://w/v1/pbxes/${pbx}/jobs/${job.id}/deliveries`, { headers: auth });
    expect(res.status).toBe(200);
    const { deliveries } = (await res.json()) as { deliveries: Array<{ id: string; type: string; url: string; status: string }> };
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ type: 'job.queued', url: 'https://crm.example.com/perezvon' });
    expect(deliveries[0]?.id).toMatch(new RegExp(`^${job.id}\\.[0-9]+$`));
  });
});
