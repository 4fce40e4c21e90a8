// Toll fraud tried as an attacker would, through the Worker in workerd: every way in that can make
// the PBX dial (API callbacks, signed CRM webhooks, Bitrix24 clicks, conference members, groups and
// callers, a room's external participant, missed-call reports) and every configuration that names
// an extension (widget, missed-call policy, CRM user map). Each refusal is a JSON problem naming the
// field, and nothing is created. The PBX has the demo's rules of earlier versions (allow +7 and 8,
// deny +7809 and 8809), which are read by its Russian numbering plan.
import { env, runInDurableObject, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { pbxSettings } from '../../shared/pbx.js';
import type { PbxQueue } from '../../worker/pbx-queue/pbx-queue.js';
import { sign } from '../../worker/webhooks/standard-webhooks.js';
import { ADMIN, connectRelay, createPbx, DEFAULT_SETTINGS, postJson } from './helpers.js';

type Problem = { status: number; code: string; field?: string; message: string };

/** Premium +7809 in the spellings an attacker tries; each is the same E.164 number. */
const PREMIUM = ['81078091234567', '8-10-7809-123-45-67', '8 10 7 809 123 45 67', '+7 809 123 45 67', '88091234567', '+78091234567', '8 (809) 123-45-67'];
/** Forbidden by type or range, or no valid number at all. */
const OTHERS = ['+881612345678', '+882161234567', '+870773111632', '810881612345678', '+442079460958', '+19005551234', '+7916123456789012', '8916123456789012', '++79161234567', '８９１６１２３４５６７', '+7 916 123 45 67 #', '112', '8112'];
/** Ten-digit-or-more "extensions" that are outside numbers, emergency numbers and feature codes. */
const BAD_EXTENSIONS = ['88091234567', '89161234567', '81078091234567', '112', '911', '01', '02', '03', '1', '123456', '*100', '#101', '１０１'];

async function jobs(pbx: string, auth: Record<string, string>): Promise<unknown[]> {
  return ((await (await SELF.fetch(`http://w/v1/pbxes/${pbx}/jobs`, { headers: auth })).json()) as { jobs: unknown[] }).jobs;
}

async function refused(res: Response, status: number, code: string, field: string): Promise<void> {
  const body = (await res.json()) as Problem;
  expect([res.status, body.status, body.code, body.field]).toEqual([status, status, code, field]);
  expect(body.message.length).toBeGreaterThan(0);
}

describe('dialling what the rules forbid: API callbacks', () => {
  it.each([...PREMIUM, ...OTHERS])('refuses the customer %j and creates no job', async (customer) => {
    const { pbx, auth } = await createPbx();
    const res = await postJson(`http://w/v1/pbxes/${pbx}/callbacks`, { customer, operator: { extension: '101' } }, auth);
    expect([400, 422]).toContain(res.status);
    const body = (await res.json()) as Problem;
    expect(body.field).toBe('customer');
    expect(['validation_failed', 'destination_not_allowed']).toContain(body.code);
    expect(await jobs(pbx, auth)).toHaveLength(0);
  });

  it.each(BAD_EXTENSIONS)('refuses the operator extension %j and creates no job', async (extension) => {
    const { pbx, auth } = await createPbx();
    const res = await postJson(`http://w/v1/pbxes/${pbx}/callbacks`, { customer: '+79991234567', operator: { extension } }, auth);
    const body = (await res.json()) as Problem;
    // Schema-level refusals (non-ASCII, too long for any extension) are 400; the plan's are 422.
    expect([[400, 'validation_failed'], [422, 'extension_not_allowed']]).toContainEqual([res.status, body.code]);
    expect(body.field).toBe('operator.extension');
    expect(await jobs(pbx, auth)).toHaveLength(0);
  });

  it('stores the customer in E.164 whatever the spelling, so the dispatcher dials what was judged', async () => {
    const { pbx, auth } = await createPbx();
    const res = await postJson(`http://w/v1/pbxes/${pbx}/callbacks`, { customer: '89991234567', operator: { extension: '101' } }, auth);
    expect(res.status).toBe(202);
    expect(((await res.json()) as { request: { customer: string } }).request.customer).toBe('+79991234567');
  });

  it('refuses an extension outside a PBX’s own plan (patterns) and another country’s service numbers', async () => {
    const { pbx, auth } = await createPbx({ ...DEFAULT_SETTINGS, numbering: { country: 'US' }, destinations: { allow: ['+1'] }, extensions: { minLength: 3, maxLength: 4, patterns: ['_2XXX'] } });
    for (const extension of ['101', '2001x', '3001', '911', '411']) {
      const res = await postJson(`http://w/v1/pbxes/${pbx}/callbacks`, { customer: '+12125550123', operator: { extension } }, auth);
      expect(res.status, extension).not.toBe(202);
    }
    expect((await postJson(`http://w/v1/pbxes/${pbx}/callbacks`, { customer: '011 7 916 123 45 67'.replace(/ /g, ''), operator: { extension: '2001' } }, auth)).status).toBe(422);
    expect(await jobs(pbx, auth)).toHaveLength(0);
    expect((await postJson(`http://w/v1/pbxes/${pbx}/callbacks`, { customer: '12125550123', operator: { extension: '2001' } }, auth)).status).toBe(202);
  });
});

describe('dialling what the rules forbid: signed CRM webhooks', () => {
  it.each([
    ['81078091234567', 422, 'destination_not_allowed'],
    ['+881612345678', 422, 'destination_not_allowed'],
    ['+7916123456789012', 400, 'validation_failed'],
  ])('refuses the customer %j in a correctly signed webhook and creates nothing', async (customer, status, code) => {
    const { pbx, auth } = await createPbx();
    const secret = ((await (await postJson(`http://w/v1/admin/pbxes/${pbx}/webhook-secrets`, { purpose: 'inbound' }, ADMIN)).json()) as { secret: string }).secret;
    const body = JSON.stringify({ customer, operator: { extension: '101' } });
    const id = `msg_${crypto.randomUUID()}`;
    const ts = Math.floor(Date.now() / 1000);
    const res = await SELF.fetch(`http://w/v1/pbxes/${pbx}/hooks/generic`, {
      method: 'POST', body,
      headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': await sign([secret], id, ts, body) },
    });
    await refused(res, status, code, 'customer');
    expect(await jobs(pbx, auth)).toHaveLength(0);
  });
});

describe('dialling what the rules forbid: Bitrix24 click-to-call', () => {
  const config = { applicationToken: 'bx-app-token-123456', restUrl: 'https://example.bitrix24.ru/rest/1/abc123/', users: { '7': { extension: '101' } } };
  const click = (phone: string) => new URLSearchParams({
    event: 'ONEXTERNALCALLSTART', 'data[USER_ID]': '7', 'data[PHONE_NUMBER]': phone, 'data[CALL_ID]': `externalCall.${crypto.randomUUID()}`,
    'auth[application_token]': config.applicationToken,
  }).toString();

  it.each(['8 10 7 809 123-45-67', '81078091234567', '+882 16 123 4567', '+7 (809) 123-45-67'])('refuses the clicked number %j and creates nothing', async (phone) => {
    const { pbx, auth } = await createPbx();
    const put = await SELF.fetch(`http://w/v1/admin/pbxes/${pbx}/integrations/bitrix24`, { method: 'PUT', headers: { ...ADMIN, 'content-type': 'application/json' }, body: JSON.stringify(config) });
    expect(put.status).toBe(200);
    const res = await SELF.fetch(`http://w/v1/pbxes/${pbx}/hooks/bitrix24`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: click(phone) });
    await refused(res, 422, 'destination_not_allowed', 'data[PHONE_NUMBER]');
    expect(await jobs(pbx, auth)).toHaveLength(0);
  });

  it.each(['88091234567', '112', '*100', '1'])('refuses a user map whose extension is %j, and keeps no integration', async (extension) => {
    const { pbx } = await createPbx();
    const put = await SELF.fetch(`http://w/v1/admin/pbxes/${pbx}/integrations/bitrix24`, {
      method: 'PUT', headers: { ...ADMIN, 'content-type': 'application/json' }, body: JSON.stringify({ ...config, users: { '7': { extension: '101' }, '9': { extension } } }),
    });
    const body = (await put.json()) as Problem;
    expect([[400, 'validation_failed'], [422, 'extension_not_allowed']]).toContainEqual([put.status, body.code]);
    expect(body.field).toBe('users.9.extension');
    expect((await SELF.fetch(`http://w/v1/admin/pbxes/${pbx}/integrations/bitrix24`, { headers: ADMIN })).status).toBe(404);
  });
});

describe('dialling what the rules forbid: conferences and rooms', () => {
  it.each(['81078091234567', '+881612345678', '+442079460958'])('refuses the member number %j in an assembly, a group and a room rule, creating none', async (number) => {
    const { pbx, auth } = await createPbx();
    const base = `http://w/v1/pbxes/${pbx}`;
    const members = [{ name: 'Anna', extension: '101' }, { name: 'Mallory', number }];
    await refused(await postJson(`${base}/conferences`, { room: '7001', members }, auth), 422, 'destination_not_allowed', 'members.1.number');
    await refused(await postJson(`${base}/conference-groups`, { name: 'G', code: '5', members }, auth), 422, 'destination_not_allowed', 'members.1.number');
    const rule = await SELF.fetch(`${base}/rooms/7001/external-participant`, { method: 'PUT', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ number }) });
    await refused(rule, 422, 'destination_not_allowed', 'number');
    expect(((await (await SELF.fetch(`${base}/conferences`, { headers: auth })).json()) as { conferences: unknown[] }).conferences).toHaveLength(0);
    expect(((await (await SELF.fetch(`${base}/conference-groups`, { headers: auth })).json()) as { groups: unknown[] }).groups).toHaveLength(0);
    expect(((await (await SELF.fetch(`${base}/rooms/7001`, { headers: auth })).json()) as { rule: unknown }).rule).toBeNull();
  });

  it.each(['88091234567', '112', '02', '1', '123456'])('refuses %j as a member extension and as the caller, creating nothing', async (extension) => {
    const { pbx, auth } = await createPbx();
    const base = `http://w/v1/pbxes/${pbx}`;
    const members = [{ name: 'Anna', extension: '101' }, { name: 'Mallory', extension }];
    const check = async (res: Response, field: string) => {
      const body = (await res.json()) as Problem;
      expect([[400, 'validation_failed'], [422, 'extension_not_allowed']]).toContainEqual([res.status, body.code]);
      expect(body.field).toBe(field);
    };
    await check(await postJson(`${base}/conferences`, { room: '7001', members }, auth), 'members.1.extension');
    await check(await postJson(`${base}/conference-groups`, { name: 'G', code: '5', members }, auth), 'members.1.extension');
    await check(await postJson(`${base}/conferences`, { caller: extension, members: [{ name: 'Anna', extension: '101' }] }, auth), 'caller');
    expect(((await (await SELF.fetch(`${base}/conferences`, { headers: auth })).json()) as { conferences: unknown[] }).conferences).toHaveLength(0);
    expect(((await (await SELF.fetch(`${base}/conference-groups`, { headers: auth })).json()) as { groups: unknown[] }).groups).toHaveLength(0);
  });
});

describe('dialling what the rules forbid: missed calls and widget configuration', () => {
  it.each(['81078091234567', '+881612345678', '+78091234567'])('turns a reported missed call from %j into no callback', async (caller) => {
    const { pbx, auth } = await createPbx();
    const policy = await SELF.fetch(`http://w/v1/admin/pbxes/${pbx}/missed-calls/policy`, { method: 'PUT', headers: { ...ADMIN, 'content-type': 'application/json' }, body: JSON.stringify({ operator: { extension: '101' }, delaySec: 0 }) });
    expect(policy.status).toBe(200);
    const res = await postJson(`http://w/v1/pbxes/${pbx}/events/missed-call`, { caller }, auth);
    expect(res.status).toBeLessThan(300);
    expect(((await res.json()) as { status: string }).status).toBe('ignored');
    expect(await jobs(pbx, auth)).toHaveLength(0);
  });

  it.each([
    [{ operator: { extension: '88091234567' } }, 'operator.extension'],
    [{ operator: { extension: '112' } }, 'operator.extension'],
    [{ operator: { queue: 'support' }, watch: { extensions: ['101', '911'] } }, 'watch.extensions.1'],
  ])('refuses a missed-call policy with %j', async (body, field) => {
    const { pbx } = await createPbx();
    const res = await SELF.fetch(`http://w/v1/admin/pbxes/${pbx}/missed-calls/policy`, { method: 'PUT', headers: { ...ADMIN, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await refused(res, 422, 'extension_not_allowed', field);
    expect((await SELF.fetch(`http://w/v1/admin/pbxes/${pbx}/missed-calls/policy`, { headers: ADMIN })).status).toBe(404);
  });

  it.each(['88091234567', '112', '03'])('refuses a widget whose operator extension is %j, and creates no widget', async (extension) => {
    const { pbx } = await createPbx();
    const res = await postJson(`http://w/v1/admin/pbxes/${pbx}/widgets`, { origins: ['https://shop.example'], operator: { extension } }, ADMIN);
    await refused(res, 422, 'extension_not_allowed', 'operator.extension');
    expect(((await (await SELF.fetch(`http://w/v1/admin/pbxes/${pbx}/widgets`, { headers: ADMIN })).json()) as { widgets: unknown[] }).widgets).toHaveLength(0);
  });
});

describe('PBX numbering settings', () => {
  it('refuses settings that name no country, and replaces stored settings with the numbering plan', async () => {
    const bad = await postJson('http://w/v1/admin/pbxes', { id: `pbx-nocountry-${Date.now()}`, settings: { destinations: { allow: ['8'] } } }, ADMIN);
    await refused(bad, 400, 'validation_failed', 'settings.numbering.country');
    const { pbx, auth } = await createPbx();
    const put = await SELF.fetch(`http://w/v1/admin/pbxes/${pbx}/settings`, {
      method: 'PUT', headers: { ...ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify({ numbering: { country: 'RU', dialFormat: 'national' }, extensions: { serviceNumberExceptions: ['101'] } }),
    });
    expect(put.status).toBe(200);
    // Now Russia only: Kazakhstan (+7 7…) is no longer in range, as it was under "allow +7".
    await refused(await postJson(`http://w/v1/pbxes/${pbx}/callbacks`, { customer: '+77012345678', operator: { extension: '101' } }, auth), 422, 'destination_not_allowed', 'customer');
    expect(await jobs(pbx, auth)).toHaveLength(0);
  });

  it('never offers a queued job whose number the settings refuse by the time it is due, and fails it saying why', async () => {
    const { pbx, auth, relayToken } = await createPbx();
    const hook = await SELF.fetch(`http://w/v1/admin/pbxes/${pbx}/status-callbacks`, { method: 'PUT', headers: { ...ADMIN, 'content-type': 'application/json' }, body: JSON.stringify({ url: 'https://crm.example.com/perezvon' }) });
    expect(hook.status).toBe(200);
    const res = await postJson(`http://w/v1/pbxes/${pbx}/callbacks`, { customer: '+79991234567', operator: { extension: '101' } }, auth);
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const put = await SELF.fetch(`http://w/v1/admin/pbxes/${pbx}/settings`, {
      method: 'PUT', headers: { ...ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify({ ...DEFAULT_SETTINGS, destinations: { allow: ['+7'], deny: ['+7999'] } }),
    });
    expect(put.status).toBe(200);
    const relay = await connectRelay(pbx, relayToken);
    relay.hello();
    await relay.settled();
    expect(relay.has('job.offer')).toBe(false);
    const job = (await (await SELF.fetch(`http://w/v1/pbxes/${pbx}/jobs/${id}`, { headers: auth })).json()) as { status: string; lastError: string; attempts: unknown[] };
    expect(job).toMatchObject({ status: 'failed', attempts: [] });
    expect(job.lastError).toMatch(/no longer allowed/);
    const { deliveries } = (await (await SELF.fetch(`http://w/v1/pbxes/${pbx}/jobs/${id}/deliveries`, { headers: auth })).json()) as { deliveries: Array<{ type: string }> };
    expect(deliveries.map((d) => d.type)).toEqual(['job.queued', 'job.failed']);
  });

  it('dials nothing for stored settings of earlier versions that name no country, and says what to set', async () => {
    const { pbx, auth } = await createPbx();
    const queues = (env as { PBX_QUEUE: DurableObjectNamespace<PbxQueue> }).PBX_QUEUE;
    const stub = queues.get(queues.idFromName(pbx));
    // Written as an earlier version could have stored them: rules as dialled only, no country.
    await runInDurableObject(stub, (instance: PbxQueue) => instance.replaceSettings(pbxSettings.parse({ destinations: { allow: ['8'] } })));
    const res = await postJson(`http://w/v1/pbxes/${pbx}/callbacks`, { customer: '89991234567', operator: { extension: '101' } }, auth);
    const body = (await res.json()) as Problem;
    expect([res.status, body.code, body.field]).toEqual([422, 'destination_not_allowed', 'customer']);
    expect(body.message).toMatch(/numbering\.country/);
    expect(await jobs(pbx, auth)).toHaveLength(0);
  });
});
