// Status callbacks over real sockets: the Worker in workerd POSTs each state change of a job to a
// node:http receiver on 127.0.0.1, signed (Standard Webhooks), retried on failure, stopped by a 2xx.
import { afterEach, describe, expect, it } from 'vitest';
import { statusEvent, type DeliveryView } from '../../shared/webhooks.js';
import { startSystem, type System } from '../../testkit/system.js';
import { waitFor } from '../../testkit/wait.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../testkit/webhook-receiver.js';
import { TEST_ADMIN_TOKEN } from '../../testkit/worker-runtime.js';

let system: System | undefined;
let receiver: WebhookReceiver | undefined;

afterEach(async () => {
  await system?.stop();
  await receiver?.close();
  system = receiver = undefined;
});

async function admin(s: System, method: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${s.worker.url}/v1/admin/pbxes/${s.pbx}${path}`, {
    method, headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
}

async function world(relay: boolean, backoffSec: number[]): Promise<{ s: System; r: WebhookReceiver }> {
  const s = (system = await startSystem({ relay }));
  const r = (receiver = await startWebhookReceiver());
  const secret = (await (await admin(s, 'POST', '/webhook-secrets', { purpose: 'outbound' })).json()) as { secret: string };
  r.setSecret(secret.secret);
  expect((await admin(s, 'PUT', '/status-callbacks', { url: null, backoffSec })).status).toBe(200);
  return { s, r };
}

async function deliveries(s: System, jobId: string): Promise<DeliveryView[]> {
  return ((await (await s.api(`/jobs/${jobId}/deliveries`)).json()) as { deliveries: DeliveryView[] }).deliveries;
}

const events = (r: WebhookReceiver) => r.received.map((q) => statusEvent.parse(JSON.parse(q.body)));

describe('status callbacks', () => {
  it('reports every state change of a callback, signed, with a stable id per event', async () => {
    const { s, r } = await world(true, [1, 2]);
    const job = await s.requestCallback({ customer: '+79991234567', operator: { extension: '101' }, statusCallbackUrl: `${r.url}/hook` });
    await s.waitForStatus(job.id, 'succeeded', 20_000);
    await waitFor(() => (events(r).some((e) => e.type === 'job.completed') ? true : undefined), 'job.completed to arrive', 10_000);
    // Receivers order by sequence: a retried event may arrive after later ones (README).
    const got = events(r).sort((a, b) => a.data.sequence - b.data.sequence);
    expect(got.map((e) => e.type)).toEqual(['job.queued', 'job.dialling', 'job.ringing', 'job.answered', 'job.completed']);
    expect(r.received.every((q) => q.signatureValid && q.path === '/hook')).toBe(true);
    expect(r.received.map((q) => q.headers['webhook-id']).sort()).toEqual(got.map((e) => e.id).sort());
    expect(new Set(got.map((e) => e.id)).size).toBe(5);
    const completed = got[4];
    expect(completed?.data).toMatchObject({ jobId: job.id, status: 'succeeded' });
    expect(completed?.data.attempt).toMatchObject({ outcome: 'answered', number: 1 });
    expect(completed?.data.attempt?.durationMs).toBeGreaterThan(0);
  });

  it('retries a failing receiver with the same event id and stops after its first 2xx', async () => {
    const { s, r } = await world(false, [1, 1, 1, 1]);
    r.respondWith([500, 503]);
    const job = await s.requestCallback({ customer: '+79991234567', operator: { extension: '101' }, statusCallbackUrl: `${r.url}/hook` });
    const [delivered] = await waitFor(async () => {
      const list = await deliveries(s, job.id);
      return list[0]?.status === 'delivered' ? list : undefined;
    }, 'the delivery to succeed', 15_000, 100);
    expect(delivered?.attempts.map((a) => a.statusCode)).toEqual([500, 503, 200]);
    expect(r.received).toHaveLength(3);
    expect(new Set(r.received.map((q) => q.headers['webhook-id'])).size).toBe(1);
    expect(r.received.every((q) => q.signatureValid)).toBe(true);
    // The backoff is 1 s: had it not stopped, a fourth attempt would come within this bounded wait.
    await expect(waitFor(() => (r.received.length > 3 ? true : undefined), 'a fourth attempt', 2_500)).rejects.toThrow(/timed out/);
  });

  it('gives up after the last attempt of the backoff list, shows why, and counts it in the PBX status', async () => {
    const { s, r } = await world(false, [1]);
    r.respondWith([500, 500, 500, 500]);
    const job = await s.requestCallback({ customer: '+79991234567', operator: { extension: '101' }, statusCallbackUrl: `${r.url}/hook` });
    const [failed] = await waitFor(async () => {
      const list = await deliveries(s, job.id);
      return list[0]?.status === 'failed' ? list : undefined;
    }, 'the delivery to fail for good', 15_000, 100);
    expect(failed?.attempts.map((a) => [a.statusCode, a.error])).toEqual([[500, 'HTTP 500'], [500, 'HTTP 500']]);
    expect(failed?.nextAttemptAt).toBeNull();
    expect(r.received).toHaveLength(2);
    // What an operator alerts on: the PBX's status counts the delivery given up.
    const status = (await (await s.api('/status')).json()) as { counters: { statusCallbacks: Record<string, number> } };
    expect(status.counters.statusCallbacks).toMatchObject({ failed: 1, delivered: 0 });
  });
});
