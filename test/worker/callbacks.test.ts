import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { ADMIN, createPbx, postJson } from './helpers.js';

const good = { customer: '+79991234567', operator: { extension: '101' }, direction: 'operator-first' };

async function jobCount(pbx: string, auth: Record<string, string>): Promise<number> {
  const res = await SELF.fetch(`http://w/v1/pbxes/${pbx}/jobs`, { headers: auth });
  const body = (await res.json()) as { jobs: unknown[] };
  return body.jobs.length;
}

describe('POST /v1/pbxes/{pbx}/callbacks', () => {
  it('queues a valid callback and returns it with 202', async () => {
    const { pbx, auth } = await createPbx();
    const res = await postJson(`http://w/v1/pbxes/${pbx}/callbacks`, good, auth);
    expect(res.status).toBe(202);
    const job = (await res.json()) as { id: string; status: string; request: unknown };
    expect(job.status).toBe('queued');
    expect(job.request).toEqual(good);
    const read = await SELF.fetch(`http://w/v1/pbxes/${pbx}/jobs/${job.id}`, { headers: auth });
    expect(read.status).toBe(200);
    expect(((await read.json()) as { id: string }).id).toBe(job.id);
  });

  it.each([
    ['a missing field', { customer: '+79991234567' }, 400, 'validation_failed', 'operator'],
    ['an unknown field', { ...good, extra: 1 }, 400, 'unknown_field', 'extra'],
    ['an unknown nested field', { ...good, operator: { extension: '101', context: 'x' } }, 400, 'unknown_field', undefined],
    ['a malformed number', { ...good, customer: '+7 999 123' }, 400, 'validation_failed', 'customer'],
    ['CR/LF in the number', { ...good, customer: '101\r\nAction: Command\r\nCommand: core restart now' }, 400, 'validation_failed', 'customer'],
    ['CR/LF in an extension', { ...good, operator: { extension: '101\r\n\r\nAction: Originate' } }, 400, 'validation_failed', 'operator.extension'],
    ['CR/LF in a variable value', { ...good, variables: { X: 'a\r\nAction: Ping' } }, 400, 'validation_failed', 'variables.X'],
    ['a bad variable name', { ...good, variables: { 'A=B': '1' } }, 400, 'validation_failed', 'variables.A=B'],
    ['CR/LF in the caller ID', { ...good, callerId: 'Sales\r\n' }, 400, 'validation_failed', 'callerId'],
    ['a number outside the destination rules', { ...good, customer: '+4420000000' }, 422, 'destination_not_allowed', 'customer'],
    ['a denied premium-rate number', { ...good, customer: '+78091234567' }, 422, 'destination_not_allowed', 'customer'],
    ['a short number', { ...good, customer: '8112' }, 422, 'destination_not_allowed', 'customer'],
    ['a body that is not JSON', '{"customer":', 400, 'validation_failed', undefined],
    ['an oversized body', { ...good, metadata: { big: 'x'.repeat(200) , ...Object.fromEntries(Array.from({ length: 19 }, (_, i) => [`k${i}`, 'y'.repeat(250)])) }, padding: 'z'.repeat(20_000) }, 413, 'body_too_large', undefined],
  ])('refuses %s and creates nothing', async (_name, body, status, code, field) => {
    const { pbx, auth } = await createPbx();
    const res = await postJson(`http://w/v1/pbxes/${pbx}/callbacks`, body, auth);
    expect(res.status).toBe(status);
    const problem = (await res.json()) as { status: number; code: string; field?: string; message: string };
    expect(problem.status).toBe(status);
    expect(problem.code).toBe(code);
    if (field !== undefined) expect(problem.field).toBe(field);
    expect(problem.message.length).toBeGreaterThan(0);
    expect(await jobCount(pbx, auth)).toBe(0);
  });

  it('refuses a wrong or missing API key', async () => {
    const { pbx } = await createPbx();
    const other = await createPbx();
    for (const headers of [{}, { authorization: 'Bearer pzk_wrongwrongwrongwrongwrong' }, other.auth]) {
      const res = await postJson(`http://w/v1/pbxes/${pbx}/callbacks`, good, headers);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { code: string }).code).toBe('unauthorized');
    }
  });

  it('returns the same job for a repeated Idempotency-Key and 409 for a different body', async () => {
    const { pbx, auth } = await createPbx();
    const headers = { ...auth, 'idempotency-key': 'order-42' };
    const first = await postJson(`http://w/v1/pbxes/${pbx}/callbacks`, good, headers);
    const again = await postJson(`http://w/v1/pbxes/${pbx}/callbacks`, { direction: 'operator-first', operator: { extension: '101' }, customer: '+79991234567' }, headers);
    expect(first.status).toBe(202);
    expect(again.status).toBe(200);
    expect(((await again.json()) as { id: string }).id).toBe(((await first.json()) as { id: string }).id);
    const different = await postJson(`http://w/v1/pbxes/${pbx}/callbacks`, { ...good, customer: '+79990000000' }, headers);
    expect(different.status).toBe(409);
    expect(((await different.json()) as { code: string }).code).toBe('idempotency_conflict');
    expect(await jobCount(pbx, auth)).toBe(1);
  });

  it('cancels a queued job', async () => {
    const { pbx, auth } = await createPbx();
    const job = (await (await postJson(`http://w/v1/pbxes/${pbx}/callbacks`, good, auth)).json()) as { id: string };
    const res = await SELF.fetch(`http://w/v1/pbxes/${pbx}/jobs/${job.id}`, { method: 'DELETE', headers: auth });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe('cancelled');
    const again = await SELF.fetch(`http://w/v1/pbxes/${pbx}/jobs/${job.id}`, { method: 'DELETE', headers: auth });
    expect(again.status).toBe(409);
  });
});

describe('admin API', () => {
  it('refuses requests without the admin token', async () => {
    const res = await postJson('http://w/v1/admin/pbxes', { id: 'x', settings: {} }, { authorization: 'Bearer not-the-admin-token' });
    expect(res.status).toBe(401);
  });

  it('refuses to create a PBX twice', async () => {
    const { pbx } = await createPbx();
    const res = await postJson('http://w/v1/admin/pbxes', { id: pbx, settings: { destinations: { allow: ['+7'] } } }, { authorization: 'Bearer test-admin-token-0123456789' });
    expect(res.status).toBe(409);
  });

  it('lists API keys without their secrets and revokes one at once for this isolate', async () => {
    const { pbx, apiKey, auth } = await createPbx();
    const second = (await (await postJson(`http://w/v1/admin/pbxes/${pbx}/api-keys`, { label: 'CRM' }, ADMIN)).json()) as { id: string; apiKey: string };
    const listed = (await (await SELF.fetch(`http://w/v1/admin/pbxes/${pbx}/api-keys`, { headers: ADMIN })).json()) as { apiKeys: Array<Record<string, unknown>> };
    expect(listed.apiKeys).toHaveLength(2);
    expect(listed.apiKeys[1]).toEqual({ id: second.id, label: 'CRM', createdAt: expect.any(String) });
    expect(JSON.stringify(listed)).not.toContain(apiKey.slice(4, 20));
    expect(await jobCount(pbx, auth)).toBe(0); // the key is known (and cached) before it is revoked
    const first = listed.apiKeys[0]!.id as string;
    expect((await SELF.fetch(`http://w/v1/admin/pbxes/${pbx}/api-keys/${first}`, { method: 'DELETE', headers: ADMIN })).status).toBe(204);
    expect((await SELF.fetch(`http://w/v1/pbxes/${pbx}/jobs`, { headers: auth })).status).toBe(401);
    expect((await SELF.fetch(`http://w/v1/pbxes/${pbx}/jobs`, { headers: { authorization: `Bearer ${second.apiKey}` } })).status).toBe(200);
    expect((await SELF.fetch(`http://w/v1/admin/pbxes/${pbx}/api-keys/${first}`, { method: 'DELETE', headers: ADMIN })).status).toBe(404);
    expect((await SELF.fetch(`http://w/v1/admin/pbxes/${pbx}/api-keys/not-a-key`, { method: 'DELETE', headers: ADMIN })).status).toBe(404);
  });

  it('publishes an OpenAPI document generated from the schemas', async () => {
    const res = await SELF.fetch('http://w/openapi.json');
    const doc = (await res.json()) as { paths: Record<string, { post?: { requestBody?: { content: Record<string, { schema: { required?: string[] } }> } } }> };
    const schema = doc.paths['/v1/pbxes/{pbx}/callbacks']?.post?.requestBody?.content['application/json']?.schema;
    expect(schema?.required).toEqual(expect.arrayContaining(['customer', 'operator']));
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([
      '/v1/pbxes/{pbx}/jobs/{id}', '/v1/pbxes/{pbx}/conferences', '/v1/widget/{key}/callbacks', '/v1/pbxes/{pbx}/hooks/generic', '/v1/admin/pbxes/{pbx}/widgets',
    ]));
  });
});
