// The Bitrix24 adapter end to end: a click-to-call event (form-encoded, with the application token)
// becomes a callback in the simulator, and its result is written back to a local stand-in of the
// portal's REST API with telephony.externalcall.finish; callbacks Bitrix24 did not start are registered
// (telephony.externalcall.register) when dialling starts and finished with the CALL_ID it answered.
import { afterEach, describe, expect, it } from 'vitest';
import { startSystem, type System } from '../../testkit/system.js';
import { waitFor } from '../../testkit/wait.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../testkit/webhook-receiver.js';
import { TEST_ADMIN_TOKEN } from '../../testkit/worker-runtime.js';

let system: System | undefined;
let portal: WebhookReceiver | undefined;

afterEach(async () => {
  await system?.stop();
  await portal?.close();
  system = portal = undefined;
});

const REST = '/rest/1/abc123/';

async function configure(s: System, p: WebhookReceiver, extra: Record<string, unknown> = {}): Promise<{ applicationToken: string }> {
  const config = { applicationToken: 'bx-app-token-123456', restUrl: `${p.url}${REST}`, users: { '7': { extension: '101' } }, ...extra };
  const put = await fetch(`${s.worker.url}/v1/admin/pbxes/${s.pbx}/integrations/bitrix24`, {
    method: 'PUT', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(config),
  });
  expect(put.status).toBe(200);
  return config;
}

describe('Bitrix24 click-to-call', () => {
  it('calls the clicked number from the user’s extension and writes the result back', async () => {
    const s = (system = await startSystem());
    const p = (portal = await startWebhookReceiver());
    const config = await configure(s, p);
    const res = await fetch(`${s.worker.url}/v1/pbxes/${s.pbx}/hooks/bitrix24`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ event: 'ONEXTERNALCALLSTART', 'data[USER_ID]': '7', 'data[PHONE_NUMBER]': '89991234567', 'data[CALL_ID]': 'externalCall.e2e.1', 'auth[application_token]': config.applicationToken }).toString(),
    });
    expect(res.status).toBe(202);
    const { jobId } = (await res.json()) as { jobId: string };
    const job = await s.waitForStatus(jobId, 'succeeded', 20_000);
    expect(s.originatesFor(job)).toHaveLength(1);
    const finish = await waitFor(() => p.received.find((r) => r.path === '/rest/1/abc123/telephony.externalcall.finish.json'), 'the finish write-back', 10_000);
    expect(JSON.parse(finish.body)).toMatchObject({ CALL_ID: 'externalCall.e2e.1', USER_ID: 7, STATUS_CODE: '200' });
    expect(p.received).toHaveLength(1);
  });
  it('registers a callback Bitrix24 did not start when dialling begins, and finishes it with the CALL_ID the portal gave', async () => {
    const s = (system = await startSystem());
    const p = (portal = await startWebhookReceiver());
    p.answer(`${REST}telephony.externalcall.register.json`, JSON.stringify({ result: { CALL_ID: 'externalCall.reg.42', CRM_CREATED_LEAD: null } }));
    await configure(s, p, { crmCreate: true });
    const job = await s.requestCallback({ customer: '+79991234567', operator: { extension: '101' }, direction: 'operator-first' });
    await s.waitForStatus(job.id, 'succeeded', 20_000);
    const finish = await waitFor(() => p.received.find((r) => r.path === `${REST}telephony.externalcall.finish.json`), 'the finish write-back', 10_000);
    const register = p.received.find((r) => r.path === `${REST}telephony.externalcall.register.json`);
    expect(JSON.parse(register?.body ?? '{}')).toMatchObject({ USER_ID: 7, PHONE_NUMBER: '+79991234567', TYPE: 1, CRM_CREATE: 1, SHOW: 1 });
    expect(JSON.parse(finish.body)).toMatchObject({ CALL_ID: 'externalCall.reg.42', USER_ID: 7, STATUS_CODE: '200' });
    expect(p.received.map((r) => r.path.slice(REST.length))).toEqual(['telephony.externalcall.register.json', 'telephony.externalcall.finish.json']);
    // A queue's callback belongs to the configured stand-in user; nobody else is registered.
    const queued = await s.requestCallback({ customer: '+79991234568', operator: { queue: 'support' }, direction: 'customer-first' });
    await s.waitForStatus(queued.id, ['succeeded', 'failed'], 20_000);
    // The outbox enqueues a job's write-backs in the same queue call that records its end: none means none will come.
    expect(((await (await s.api(`/jobs/${queued.id}/deliveries`)).json()) as { deliveries: unknown[] }).deliveries).toEqual([]);
    expect(p.received).toHaveLength(2);
  });

  it('holds the finish until register has answered, across a portal outage', async () => {
    const s = (system = await startSystem());
    const p = (portal = await startWebhookReceiver());
    const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' };
    expect((await fetch(`${s.worker.url}/v1/admin/pbxes/${s.pbx}/status-callbacks`, { method: 'PUT', headers: admin, body: JSON.stringify({ url: null, backoffSec: [1, 1, 1, 1] }) })).status).toBe(200);
    p.answer(`${REST}telephony.externalcall.register.json`, JSON.stringify({ result: { CALL_ID: 'externalCall.reg.43' } }));
    p.respondWith([503, 503]); // the portal is down for register's first two tries
    await configure(s, p, { users: {}, registerUserId: '9' });
    const job = await s.requestCallback({ customer: '+79991234567', operator: { extension: '101' }, direction: 'operator-first' });
    await s.waitForStatus(job.id, 'succeeded', 20_000);
    const finish = await waitFor(() => p.received.find((r) => r.path === `${REST}telephony.externalcall.finish.json`), 'the finish write-back', 15_000);
    expect(JSON.parse(finish.body)).toMatchObject({ CALL_ID: 'externalCall.reg.43', USER_ID: 9 });
    const registers = p.received.filter((r) => r.path === `${REST}telephony.externalcall.register.json`);
    expect(registers).toHaveLength(3);
    expect(JSON.parse(registers[0]!.body)).toMatchObject({ USER_ID: 9, SHOW: 0 });
    expect(finish.at).toBeGreaterThan(registers[2]!.at);
    const deliveries = (await (await s.api(`/jobs/${job.id}/deliveries`)).json()) as { deliveries: Array<{ type: string; status: string }> };
    expect(deliveries.deliveries.map((d) => [d.type, d.status])).toEqual([['bitrix24.register', 'delivered'], ['bitrix24.finish', 'delivered']]);
  });

  it('does not count a register answered without a CALL_ID as delivered, and finishes only once one comes', async () => {
    const s = (system = await startSystem());
    const p = (portal = await startWebhookReceiver());
    const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' };
    expect((await fetch(`${s.worker.url}/v1/admin/pbxes/${s.pbx}/status-callbacks`, { method: 'PUT', headers: admin, body: JSON.stringify({ url: null, backoffSec: [1, 1, 1, 1] }) })).status).toBe(200);
    const registerPath = `${REST}telephony.externalcall.register.json`;
    p.answer(registerPath, JSON.stringify({ error: 'QUERY_LIMIT_EXCEEDED' })); // a 200 that is no registration
    await configure(s, p);
    const job = await s.requestCallback({ customer: '+79991234567', operator: { extension: '101' }, direction: 'operator-first' });
    await s.waitForStatus(job.id, 'succeeded', 20_000);
    await waitFor(() => (p.received.filter((r) => r.path === registerPath).length >= 2 ? true : undefined), 'register to be tried again', 10_000);
    expect(p.received.some((r) => r.path.endsWith('finish.json'))).toBe(false);
    const deliveries = (await (await s.api(`/jobs/${job.id}/deliveries`)).json()) as { deliveries: Array<{ type: string; status: string; attempts: Array<{ error: string | null }> }> };
    const register = deliveries.deliveries.find((d) => d.type === 'bitrix24.register');
    expect(register?.status).toBe('pending');
    expect(register?.attempts[0]?.error).toMatch(/without a CALL_ID/);
    p.answer(registerPath, JSON.stringify({ result: { CALL_ID: 'externalCall.reg.44' } }));
    const finish = await waitFor(() => p.received.find((r) => r.path.endsWith('finish.json')), 'the finish write-back', 15_000);
    expect(JSON.parse(finish.body)).toMatchObject({ CALL_ID: 'externalCall.reg.44', USER_ID: 7 });
  });
});
