// Campaigns in the Worker and its Durable Object: validation problems, imports with their report,
// and dispatch on the job spine as a relay sees it (offers with the campaign's plan, its limit,
// the do-not-call list at dial time, retries and final contact states).
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { CampaignView, ContactView, ImportReport } from '../../shared/campaigns.js';
import type { JobView } from '../../shared/jobs.js';
import type { QueueFrame, RelayFrame } from '../../shared/relay-protocol.js';
import { jobSource } from '../../worker/pbx-queue/job-source.js';
import { waitFor } from '../../testkit/wait.js';
import { ADMIN, connectRelay, createPbx, DEFAULT_SETTINGS, postJson, type TestRelay } from './helpers.js';

const ALWAYS = { timeZone: 'Europe/Moscow', weekly: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '24:00' }] };
const CAMPAIGN = {
  name: 'Debt reminder', direction: 'customer-first', target: { context: 'robot', exten: '700' },
  callerIdPool: ['+74951110001', '+74951110002'], defaultCountry: '7', schedule: ALWAYS,
  retry: { busy: { retry: true, delaySec: 10 }, maxAttempts: 2 }, limits: { maxConcurrent: 2, maxPerSecond: 5 },
  variables: { COMPANY: 'ACME' },
};

type Offer = Extract<QueueFrame, { type: 'job.offer' }>;

async function world(): Promise<{ base: string; auth: Record<string, string>; pbx: string; relayToken: string }> {
  const { pbx, auth, relayToken } = await createPbx({ ...DEFAULT_SETTINGS, destinations: { allow: ['+7'], deny: ['+7809'] }, customerCallerId: { name: 'ACME', number: '+74950000000' }, maxConcurrentCalls: 4 });
  return { base: `http://w/v1/pbxes/${pbx}`, auth, pbx, relayToken };
}

async function create(base: string, auth: Record<string, string>, body: unknown = CAMPAIGN): Promise<CampaignView> {
  const res = await postJson(`${base}/campaigns`, body, auth);
  expect(res.status).toBe(201);
  return (await res.json()) as CampaignView;
}

async function importCsv(base: string, auth: Record<string, string>, id: string, csv: string): Promise<ImportReport> {
  const res = await SELF.fetch(`${base}/campaigns/${id}/contacts`, { method: 'POST', headers: { ...auth, 'content-type': 'text/csv' }, body: csv });
  expect(res.status).toBe(200);
  return (await res.json()) as ImportReport;
}

async function contacts(base: string, auth: Record<string, string>, id: string): Promise<ContactView[]> {
  return ((await (await SELF.fetch(`${base}/campaigns/${id}/contacts`, { headers: auth })).json()) as { contacts: ContactView[] }).contacts;
}

/** Dials an offer and reports its call as ended with this outcome, like a protocol-2 relay does (progress in a heartbeat, then the result). */
function runCall(relay: TestRelay, offer: Offer, outcome: 'answered' | 'busy'): void {
  const { attemptId, fence } = offer;
  const now = Date.now();
  relay.progress({ attemptId, fence, phase: 'originating' });
  const result: RelayFrame = {
    type: 'attempt.result', attemptId, fence, outcome, certainty: 'known', cause: outcome === 'busy' ? 17 : 16, causeText: null,
    failedLeg: outcome === 'busy' ? 'customer' : null, originatedAt: now - 1000, answeredAt: outcome === 'answered' ? now - 500 : null,
    endedAt: now, durationMs: outcome === 'answered' ? 4000 : null, note: null,
  };
  relay.send(result);
}

describe('POST /v1/pbxes/{pbx}/campaigns', () => {
  it('creates a draft campaign with the defaults filled in', async () => {
    const { base, auth } = await world();
    const campaign = await create(base, auth);
    expect(campaign).toMatchObject({ state: 'draft', request: { pacing: { mode: 'progressive' }, retry: { maxAttemptsPerDay: 2, 'no-answer': { retry: true } } } });
    expect(campaign.counters.contacts.total).toBe(0);
  });

  it.each([
    [{ schedule: { ...ALWAYS, weekly: [] } }, 'schedule.weekly'],
    [{ schedule: { ...ALWAYS, weekly: [{ days: ['mon'], from: '18:00', to: '09:00' }] } }, 'schedule.weekly.0.to'],
    [{ schedule: { ...ALWAYS, timeZone: 'Europe/Atlantis' } }, 'schedule.timeZone'],
    [{ callerIdPool: ['+7495\r\n'] }, 'callerIdPool.0'],
    [{ callerIdPool: [] }, 'callerIdPool'],
    [{ limits: { maxConcurrent: 0 } }, 'limits.maxConcurrent'],
    [{ limits: { maxPerSecond: 100 } }, 'limits.maxPerSecond'],
    [{ pacing: { mode: 'ratio', ratio: 4 } }, 'pacing.ratio'],
    [{ target: { context: 'robot', exten: '700', extra: 1 } }, 'target.extra'],
    [{ variables: { 'BAD NAME': 'x' } }, 'variables.BAD NAME'],
    [{ variables: { PEREZVON_CAMPAIGN: 'x' } }, 'variables.PEREZVON_CAMPAIGN'],
  ])('answers a JSON problem for bad input and creates nothing (%j)', async (patch, field) => {
    const { base, auth } = await world();
    const res = await postJson(`${base}/campaigns`, { ...CAMPAIGN, ...patch }, auth);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ status: 400, field });
    const list = (await (await SELF.fetch(`${base}/campaigns`, { headers: auth })).json()) as { campaigns: unknown[] };
    expect(list.campaigns).toHaveLength(0);
  });

  it('is described in /openapi.json by the schema that validates it', async () => {
    const doc = (await (await SELF.fetch('http://w/openapi.json')).json()) as { paths: Record<string, { post?: { requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> } } }> };
    const body = doc.paths['/v1/pbxes/{pbx}/campaigns']?.post?.requestBody?.content['application/json']?.schema;
    expect(Object.keys(body?.properties ?? {})).toEqual(expect.arrayContaining(['target', 'callerIdPool', 'schedule', 'retry', 'limits', 'pacing', 'optOutDigit']));
    expect(Object.keys(doc.paths['/v1/pbxes/{pbx}/campaigns/{id}/contacts']?.post?.requestBody?.content ?? {})).toEqual(['text/csv', 'application/json']);
  });

  it('judges the caller ID pool and an extension target by the PBX numbering judges, and creates nothing when they refuse', async () => {
    const { base, auth } = await world();
    const badPool = await postJson(`${base}/campaigns`, { ...CAMPAIGN, callerIdPool: ['+74951110001', '+70000000000'] }, auth);
    expect(badPool.status).toBe(422);
    expect(await badPool.json()).toMatchObject({ field: 'callerIdPool.1' });
    const badTarget = await postJson(`${base}/campaigns`, { ...CAMPAIGN, target: { extension: '112' } }, auth);
    expect(badTarget.status).toBe(422);
    expect(await badTarget.json()).toMatchObject({ field: 'target.extension' });
    const list = (await (await SELF.fetch(`${base}/campaigns`, { headers: auth })).json()) as { campaigns: unknown[] };
    expect(list.campaigns).toHaveLength(0);
  });

  it('says ratio pacing is not available rather than dialling progressively under its name', async () => {
    const { base, auth } = await world();
    const res = await postJson(`${base}/campaigns`, { ...CAMPAIGN, pacing: { mode: 'ratio', ratio: 2 } }, auth);
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ field: 'pacing.mode' });
  });
});

describe('campaign contacts import', () => {
  it('reports imported, merged and rejected rows with row, field and reason', async () => {
    const { base, auth } = await world();
    const { id } = await create(base, auth);
    const report = await importCsv(base, auth, id, 'number,name,amount\n89161234567,Ann,100\n+79161234567,,200\n+78091234567,Bob,1\nnot-a-number,,\n');
    expect(report).toMatchObject({ imported: 1, merged: 1, rejected: 2, rejections: [{ row: 3, field: 'number' }, { row: 4, field: 'number' }] });
    const again = await importCsv(base, auth, id, 'number\n+79161234567\n+79161234568\n');
    expect(again).toMatchObject({ imported: 1, merged: 1, rejected: 0 });
    const first = (await contacts(base, auth, id)).find((c) => c.number === '+79161234567');
    expect(first).toMatchObject({ number: '+79161234567', name: 'Ann', state: 'pending', timeZone: 'Europe/Moscow', variables: { amount: '200' } });
  });

  it('refuses binary garbage, a CSV without a number column and an upload declared too large', async () => {
    const { base, auth } = await world();
    const { id } = await create(base, auth);
    const post = (body: BodyInit, headers: Record<string, string> = {}): Promise<Response> =>
      SELF.fetch(`${base}/campaigns/${id}/contacts`, { method: 'POST', headers: { ...auth, 'content-type': 'text/csv', ...headers }, body });
    expect((await post(new Uint8Array([0xff, 0xfe, 0x00, 0x81]))).status).toBe(400);
    expect(await (await post('phone\n+79161234567\n')).json()).toMatchObject({ status: 400, field: 'number' });
    expect((await post('number\n', { 'content-length': String(50 * 1024 * 1024) })).status).toBe(413);
    expect((await (await SELF.fetch(`${base}/campaigns/${id}`, { headers: auth })).json() as CampaignView).counters.contacts.total).toBe(0);
  });

  it('takes a list larger than the JSON body bound (uploads have their own 16 MiB bound), while other routes keep theirs', async () => {
    const { base, auth } = await world();
    const { id } = await create(base, auth);
    const rows = Array.from({ length: 1000 }, (_, i) => `+7916000${String(1000 + i)},Customer number ${i}`);
    const csv = `number,name\n${rows.join('\n')}\n`;
    expect(csv.length).toBeGreaterThan(16 * 1024);
    expect(await importCsv(base, auth, id, csv)).toMatchObject({ imported: 1000, rejected: 0 });
    const big = await SELF.fetch(`${base}/campaigns`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ ...CAMPAIGN, name: 'x'.repeat(20_000) }) });
    expect(big.status).toBe(413);
  });
});

describe('campaign dispatch', () => {
  it('offers calls on the job spine with the campaign plan, never more than its limit, skipping do-not-call numbers', async () => {
    const { base, auth, pbx, relayToken } = await world();
    const { id } = await create(base, auth);
    await importCsv(base, auth, id, 'number,amount\n+79160000001,10\n+79160000002,20\n+79160000003,30\n+79160000004,40\n');
    expect((await postJson(`${base}/dnc`, { numbers: ['+79160000003'] }, auth)).status).toBe(200);
    const relay = await connectRelay(pbx, relayToken);
    relay.hello();
    await relay.settled();
    expect(relay.has('job.offer')).toBe(false); // a draft dials nothing
    expect((await postJson(`${base}/campaigns/${id}/start`, {}, auth)).status).toBe(200);
    const first = await relay.next('job.offer');
    const second = await relay.next('job.offer');
    await relay.settled();
    expect(relay.has('job.offer')).toBe(false); // maxConcurrent 2
    expect(first.plan).toMatchObject({
      direction: 'customer-first', customer: '+79160000001', operator: { extension: '700' }, contexts: { operator: 'robot' },
      customerCallerId: { name: 'ACME', number: '+74951110001' }, variables: { COMPANY: 'ACME', amount: '10', PEREZVON_CAMPAIGN: id },
    });
    expect(second.plan.customerCallerId?.number).toBe('+74951110002'); // the pool in turn
    runCall(relay, first, 'answered');
    runCall(relay, second, 'busy');
    const third = await relay.next('job.offer');
    expect(third.plan.customer).toBe('+79160000004'); // +…003 is on the do-not-call list
    runCall(relay, third, 'answered');
    const states = await waitFor(async () => {
      const list = await contacts(base, auth, id);
      return list.filter((c) => c.state === 'pending' || c.state === 'calling').length === 1 ? list : undefined;
    }, 'the first calls settled');
    expect(Object.fromEntries(states.map((c) => [c.number, [c.state, c.attempts]]))).toEqual({
      '+79160000001': ['answered', 1], '+79160000002': ['pending', 1], '+79160000003': ['dnc', 0], '+79160000004': ['answered', 1],
    });
    // The busy contact waits its 10 s retry delay: nothing is offered meanwhile.
    await relay.settled();
    expect(relay.has('job.offer')).toBe(false);
    const view = (await (await SELF.fetch(`${base}/campaigns/${id}`, { headers: auth })).json()) as CampaignView;
    expect(view.counters).toMatchObject({ attempts: 3, answered: 2, byOutcome: { answered: 2, busy: 1 }, byCause: { '16': 2, '17': 1 }, averageTalkSec: 4 });
    const stopped = (await (await postJson(`${base}/campaigns/${id}/stop`, {}, auth)).json()) as CampaignView;
    expect(stopped.state).toBe('stopped');
    expect(stopped.counters.contacts).toMatchObject({ cancelled: 1, pending: 0 });
    const tasks = (await (await SELF.fetch(`${base}/tasks`, { headers: auth })).json()) as { tasks: unknown[] };
    expect(tasks.tasks).toEqual([{ kind: 'campaign', id, name: 'Debt reminder', state: 'stopped', target: '700@robot', size: 4, succeeded: 2, done: 4 }]);
    const csv = await (await SELF.fetch(`${base}/campaigns/${id}/export.csv`, { headers: auth })).text();
    expect(csv.split('\r\n')[0]).toBe('id,number,name,timeZone,state,attempts,lastOutcome,lastCause,updatedAt');
    expect(csv.trim().split('\r\n')).toHaveLength(5);
  });

  it('lets calls in progress finish on pause and takes back the ones no relay has yet', async () => {
    const { base, auth, pbx, relayToken } = await world();
    const { id } = await create(base, auth, { ...CAMPAIGN, limits: { maxConcurrent: 1 } });
    await importCsv(base, auth, id, 'number\n+79160000001\n+79160000002\n');
    const relay = await connectRelay(pbx, relayToken);
    relay.hello();
    await postJson(`${base}/campaigns/${id}/start`, {}, auth);
    const offer = await relay.next('job.offer');
    relay.progress({ attemptId: offer.attemptId, fence: offer.fence, phase: 'originating' });
    await relay.settled();
    expect((await (await postJson(`${base}/campaigns/${id}/pause`, {}, auth)).json()) as CampaignView).toMatchObject({ state: 'paused' });
    runCall(relay, offer, 'answered');
    await relay.settled();
    expect(relay.has('job.offer')).toBe(false);
    const list = await contacts(base, auth, id);
    expect(Object.fromEntries(list.map((c) => [c.number, c.state]))).toEqual({ '+79160000001': 'answered', '+79160000002': 'pending' });
    await postJson(`${base}/campaigns/${id}/resume`, {}, auth);
    const next = await relay.next('job.offer');
    expect(next.plan.customer).toBe('+79160000002');
  });

  it('reports a contact that reached its final state through the signed outbox as campaign.contact.completed', async () => {
    const { base, auth, pbx, relayToken } = await world();
    const { id } = await create(base, auth, { ...CAMPAIGN, statusCallbackUrl: 'https://crm.example.com/perezvon' });
    await importCsv(base, auth, id, 'number\n+79160000001\n');
    const relay = await connectRelay(pbx, relayToken);
    relay.hello();
    await postJson(`${base}/campaigns/${id}/start`, {}, auth);
    runCall(relay, await relay.next('job.offer'), 'answered');
    const [contact] = await waitFor(async () => {
      const list = await contacts(base, auth, id);
      return list[0]?.state === 'answered' ? list : undefined;
    }, 'the contact answered');
    const deliveries = (await (await SELF.fetch(`${base}/jobs/${contact!.lastJobId}/deliveries`, { headers: auth })).json()) as { deliveries: Array<{ type: string; url: string }> };
    expect(deliveries.deliveries.map((d) => d.type)).toContain('campaign.contact.completed');
    // Marked as a campaign job, so an amoCRM connection whose sources select `campaign` logs it.
    const job = (await (await SELF.fetch(`${base}/jobs/${contact!.lastJobId}`, { headers: auth })).json()) as JobView;
    expect(jobSource(job, null)).toBe('campaign');
    expect((await (await SELF.fetch(`${base}/campaigns/${id}`, { headers: auth })).json()) as CampaignView).toMatchObject({ state: 'completed' });
  });
});

describe('robot campaign opt-out', () => {
  it('puts the number of a customer who pressed the opt-out digit on the do-not-call list, and only that one', async () => {
    const { base, auth, pbx, relayToken } = await world();
    const { id } = await create(base, auth, { ...CAMPAIGN, optOutDigit: '9' });
    await importCsv(base, auth, id, 'number\n+79160000001\n+79160000002\n');
    const list = await contacts(base, auth, id);
    const idOf = (n: string): string => list.find((c) => c.number === n)!.id;
    const relay = await connectRelay(pbx, relayToken);
    relay.hello();
    const report = (contact: string, digit: string, uniqueid: string): void =>
      relay.send({ type: 'robot.result', campaign: id, contact, digit, at: Date.now(), uniqueid });
    report(idOf('+79160000001'), '9', 'u1');
    report(idOf('+79160000001'), '9', 'u1'); // resent after a reconnect: changes nothing
    report(idOf('+79160000002'), '', 'u2');
    await relay.settled();
    const dnc = (await (await SELF.fetch(`${base}/dnc`, { headers: auth })).json()) as { numbers: Array<{ number: string }> };
    expect(dnc.numbers.map((n) => n.number)).toEqual(['+79160000001']);
    const after = await contacts(base, auth, id);
    expect(Object.fromEntries(after.map((c) => [c.number, c.robotDigit]))).toEqual({ '+79160000001': '9', '+79160000002': '' });
  });
});

describe('GET /v1/pbxes/{pbx}/tasks', () => {
  it('lists campaigns and missed-call recalls as tasks of one table', async () => {
    const { base, auth, pbx } = await world();
    const { id } = await create(base, auth);
    await importCsv(base, auth, id, 'number\n+79160000001\n+79160000002\n');
    const policy = await SELF.fetch(`http://w/v1/admin/pbxes/${pbx}/missed-calls/policy`, {
      method: 'PUT', headers: { ...ADMIN, 'content-type': 'application/json' }, body: JSON.stringify({ operator: { extension: '101' }, delaySec: 120 }),
    });
    expect(policy.status).toBe(200);
    expect((await postJson(`${base}/events/missed-call`, { caller: '+79991234567', target: 'support' }, auth)).status).toBe(202);
    const { tasks } = (await (await SELF.fetch(`${base}/tasks`, { headers: auth })).json()) as { tasks: unknown[] };
    expect(tasks).toEqual([
      { kind: 'campaign', id, name: 'Debt reminder', state: 'draft', target: '700@robot', size: 2, succeeded: 0, done: 0 },
      { kind: 'missed-call-recall', id: expect.any(String), name: '+79991234567', state: 'pending', target: 'support', size: 1, succeeded: 0, done: 0 },
    ]);
  });
});
