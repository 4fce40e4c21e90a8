// The missed-call webhook and policy in workerd: API key or signature, one pending callback per number.
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { sign } from '../../worker/webhooks/standard-webhooks.js';
import { ADMIN, connectRelay, createPbx, postJson } from './helpers.js';
import { waitFor } from '../../testkit/wait.js';

const policy = { operator: { extension: '101' }, delaySec: 120 };

async function putPolicy(pbx: string, body: unknown = policy): Promise<Response> {
  return SELF.fetch(`http://w/v1/admin/pbxes/${pbx}/missed-calls/policy`, { method: 'PUT', headers: { ...ADMIN, 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

async function jobs(pbx: string, auth: Record<string, string>): Promise<Array<{ id: string; notBefore: string | null; request: { customer: string } }>> {
  return ((await (await SELF.fetch(`http://w/v1/pbxes/${pbx}/jobs`, { headers: auth })).json()) as { jobs: Array<{ id: string; notBefore: string | null; request: { customer: string } }> }).jobs;
}

describe('POST /v1/pbxes/{pbx}/events/missed-call', () => {
  it('queues one callback after the policy delay and merges repeats into it', async () => {
    const { pbx, auth } = await createPbx();
    expect((await putPolicy(pbx)).status).toBe(200);
    const before = Date.now();
    const first = await postJson(`http://w/v1/pbxes/${pbx}/events/missed-call`, { caller: '+79991234567', target: 'support' }, auth);
    expect(first.status).toBe(202);
    const created = (await first.json()) as { status: string; missedCall: { id: string; count: number; jobId: string } };
    expect(created).toMatchObject({ status: 'created', missedCall: { count: 1 } });
    const second = await postJson(`http://w/v1/pbxes/${pbx}/events/missed-call`, { caller: '+79991234567' }, auth);
    expect(second.status).toBe(200);
    expect((await second.json()) as unknown).toMatchObject({ status: 'merged', missedCall: { id: created.missedCall.id, count: 2, jobId: created.missedCall.jobId } });
    const list = await jobs(pbx, auth);
    expect(list).toHaveLength(1);
    expect(Date.parse(list[0]?.notBefore ?? '')).toBeGreaterThanOrEqual(before + 120_000);
  });

  it('counts a relay report once when the relay sends it again after a reconnect', async () => {
    const { pbx, auth, relayToken } = await createPbx();
    await putPolicy(pbx);
    const missed = (uniqueid: string) => ({ type: 'missed-call' as const, caller: '+79991234567', target: 'support', kind: 'queue' as const, at: Date.now(), uniqueid });
    const first = await connectRelay(pbx, relayToken);
    first.send(missed('1700000000.1'));
    first.ws.close(1000, 'link lost');
    const again = await connectRelay(pbx, relayToken);
    again.send(missed('1700000000.1')); // the same call, resent from the relay's buffer
    again.send(missed('1700000000.9')); // a second missed call from the same number
    const list = async () => ((await (await SELF.fetch(`http://w/v1/pbxes/${pbx}/missed-calls`, { headers: auth })).json()) as { missedCalls: Array<{ count: number }> }).missedCalls;
    await waitFor(async () => ((await list())[0]?.count === 2 ? true : undefined), 'the second missed call to merge', 3000);
    await again.settled();
    expect((await list()).map((m) => m.count)).toEqual([2]);
    expect(await jobs(pbx, auth)).toHaveLength(1);
  });

  it('treats 8…, 7… and +7… forms of one number as one caller, merging and cancelling across them', async () => {
    const { pbx, auth, relayToken } = await createPbx();
    await putPolicy(pbx);
    const report = (caller: string) => postJson(`http://w/v1/pbxes/${pbx}/events/missed-call`, { caller }, auth);
    const first = (await (await report('89991234567')).json()) as { missedCall: { id: string; jobId: string } };
    expect((await (await report('+79991234567')).json()) as unknown).toMatchObject({ status: 'merged', missedCall: { id: first.missedCall.id, count: 2 } });
    expect((await (await report('79991234567')).json()) as unknown).toMatchObject({ status: 'merged', missedCall: { id: first.missedCall.id, count: 3 } });
    const list = await jobs(pbx, auth);
    expect(list.map((j) => j.request.customer)).toEqual(['+79991234567']); // kept in E.164, dialled by the PBX's dial format
    const relay = await connectRelay(pbx, relayToken);
    relay.send({ type: 'call-connected', number: '+79991234567', direction: 'inbound', at: Date.now(), uniqueid: '1700000001.5' });
    relay.send({ type: 'heartbeat', ami: 'ready', inFlight: 0 });
    await relay.next('heartbeat.ack');
    const job = (await (await SELF.fetch(`http://w/v1/pbxes/${pbx}/jobs/${first.missedCall.jobId}`, { headers: auth })).json()) as { status: string };
    expect(job.status).toBe('cancelled');
    // The cancelled callback is closed: the next missed call, in any form, starts a new one.
    const next = await report('+79991234567');
    expect(next.status).toBe(202);
    expect(((await next.json()) as { missedCall: { id: string } }).missedCall.id).not.toBe(first.missedCall.id);
  });

  it('accepts a Standard Webhooks signature instead of an API key', async () => {
    const { pbx, auth } = await createPbx();
    await putPolicy(pbx);
    const { secret } = (await (await postJson(`http://w/v1/admin/pbxes/${pbx}/webhook-secrets`, { purpose: 'inbound' }, ADMIN)).json()) as { secret: string };
    const body = JSON.stringify({ caller: '+79991234567' });
    const ts = Math.floor(Date.now() / 1000);
    const headers = { 'content-type': 'application/json', 'webhook-id': 'msg_mc1', 'webhook-timestamp': String(ts) };
    const signed = await SELF.fetch(`http://w/v1/pbxes/${pbx}/events/missed-call`, { method: 'POST', body, headers: { ...headers, 'webhook-signature': await sign([secret], 'msg_mc1', ts, body) } });
    expect(signed.status).toBe(202);
    const forged = await SELF.fetch(`http://w/v1/pbxes/${pbx}/events/missed-call`, { method: 'POST', body: body.replace('4567', '4568'), headers: { ...headers, 'webhook-id': 'msg_mc2', 'webhook-signature': await sign([secret], 'msg_mc2', ts, body) } });
    expect(forged.status).toBe(401);
    expect(await jobs(pbx, auth)).toHaveLength(1);
  });

  it('ignores reports while no policy is set, and refuses bad bodies', async () => {
    const { pbx, auth } = await createPbx();
    const ignored = await postJson(`http://w/v1/pbxes/${pbx}/events/missed-call`, { caller: '+79991234567' }, auth);
    expect(ignored.status).toBe(200);
    expect(((await ignored.json()) as { status: string }).status).toBe('ignored');
    const bad = await postJson(`http://w/v1/pbxes/${pbx}/events/missed-call`, { caller: '+7 999\r\n' }, auth);
    expect(bad.status).toBe(400);
    expect(await jobs(pbx, auth)).toHaveLength(0);
    expect((await putPolicy(pbx, { ...policy, extra: true })).status).toBe(400);
  });
});

describe('POST /v1/pbxes/{pbx}/hooks/bitrix24', () => {
  const config = { applicationToken: 'bx-app-token-123456', restUrl: 'https://example.bitrix24.ru/rest/1/abc123/', users: { '7': { extension: '101' } } };
  const form = (token: string, callId = 'externalCall.abc.1') => new URLSearchParams({
    event: 'ONEXTERNALCALLSTART', 'data[USER_ID]': '7', 'data[PHONE_NUMBER]': '+7 (999) 123-45-67', 'data[CALL_ID]': callId,
    'data[CRM_ENTITY_TYPE]': 'CONTACT', 'data[CRM_ENTITY_ID]': '42', 'auth[application_token]': token, 'auth[domain]': 'example.bitrix24.ru',
  }).toString();
  const post = (pbx: string, body: string) => SELF.fetch(`http://w/v1/pbxes/${pbx}/hooks/bitrix24`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });

  it('turns OnExternalCallStart into an operator-first callback, once per CALL_ID', async () => {
    const { pbx, auth } = await createPbx();
    const put = await SELF.fetch(`http://w/v1/admin/pbxes/${pbx}/integrations/bitrix24`, { method: 'PUT', headers: { ...ADMIN, 'content-type': 'application/json' }, body: JSON.stringify(config) });
    expect(put.status).toBe(200);
    expect(await put.text()).not.toContain(config.applicationToken);
    const res = await post(pbx, form(config.applicationToken));
    expect(res.status).toBe(202);
    const { jobId } = (await res.json()) as { jobId: string };
    const job = (await (await SELF.fetch(`http://w/v1/pbxes/${pbx}/jobs/${jobId}`, { headers: auth })).json()) as { request: unknown };
    expect(job.request).toMatchObject({ customer: '+79991234567', operator: { extension: '101' }, direction: 'operator-first', metadata: { bitrixCallId: 'externalCall.abc.1' } });
    const again = await post(pbx, form(config.applicationToken));
    expect(again.status).toBe(200);
    expect(((await again.json()) as { jobId: string }).jobId).toBe(jobId);
    expect(await jobs(pbx, auth)).toHaveLength(1);
  });

  it('refuses a wrong or missing application token and creates nothing', async () => {
    const { pbx, auth } = await createPbx();
    await SELF.fetch(`http://w/v1/admin/pbxes/${pbx}/integrations/bitrix24`, { method: 'PUT', headers: { ...ADMIN, 'content-type': 'application/json' }, body: JSON.stringify(config) });
    expect((await post(pbx, form('bx-app-token-123457'))).status).toBe(401);
    expect((await post(pbx, form(config.applicationToken).replace(/&auth%5Bapplication_token%5D=[^&]+/, ''))).status).toBe(401);
    const other = await createPbx();
    expect((await post(other.pbx, form(config.applicationToken))).status).toBe(401);
    expect(await jobs(pbx, auth)).toHaveLength(0);
  });
});
