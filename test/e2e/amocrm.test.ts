// The amoCRM (Kommo) connection end to end, against a local stand-in of amoCRM's API: a click in a
// card (the secret in a header) rings the user's extension first and then the number; every finished
// job of the chosen sources becomes exactly one POST /api/v4/calls entry; amoCRM's 429 only delays it;
// a 401 marks the connection broken until a new token is PUT; the token is never shown or logged.
import { afterEach, describe, expect, it } from 'vitest';
import type { AmoCrmView } from '../../shared/amocrm.js';
import type { JobView } from '../../shared/jobs.js';
import { headerOf, startSystem, type System } from '../../testkit/system.js';
import { waitFor } from '../../testkit/wait.js';
import { startWebhookReceiver, type ReceivedRequest, type WebhookReceiver } from '../../testkit/webhook-receiver.js';
import { TEST_ADMIN_TOKEN } from '../../testkit/worker-runtime.js';

const TOKEN = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.long-lived-token-for-the-tests.SiGnAtUrE-4xZq';
const NEW_TOKEN = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.the-replacement-token.SiGnAtUrE-9wYk';
const ADMIN = { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' };
const CALLS = '/api/v4/calls';

let system: System | undefined;
let amo: WebhookReceiver | undefined;
/** Every body the Worker answered in a test, to prove the token is in none of them. */
let answers: string[] = [];

afterEach(async () => {
  await system?.stop();
  await amo?.close();
  system = amo = undefined;
  answers = [];
});

async function read(res: Response): Promise<{ status: number; body: Record<string, unknown> }> {
  const text = await res.text();
  answers.push(text);
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** A world whose Worker writes to the stand-in instead of https://<subdomain>.amocrm.ru (a test-only binding). */
async function world(): Promise<{ s: System; amo: WebhookReceiver }> {
  amo = await startWebhookReceiver();
  system = await startSystem({ workerBindings: { AMOCRM_API_BASE_URL: amo.url } });
  // Retries come after 1 s here instead of 5 s, so a delayed write-back lands within the test.
  const put = await fetch(`${system.worker.url}/v1/admin/pbxes/${system.pbx}/status-callbacks`, { method: 'PUT', headers: ADMIN, body: JSON.stringify({ url: null, backoffSec: [1, 1, 1, 1] }) });
  expect(put.status).toBe(200);
  return { s: system, amo };
}

async function connect(s: System, extra: Record<string, unknown> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const body = { subdomain: 'acme', domain: 'amocrm.ru', token: TOKEN, users: { '5551': '101' }, ...extra };
  return read(await fetch(`${s.worker.url}/v1/admin/pbxes/${s.pbx}/integrations/amocrm`, { method: 'PUT', headers: ADMIN, body: JSON.stringify(body) }));
}

function click(s: System, secret: string, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${s.worker.url}/v1/pbxes/${s.pbx}/hooks/amocrm`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-perezvon-secret': secret, origin: 'https://acme.amocrm.ru' }, body: JSON.stringify(body),
  });
}

const accepted = (r: ReceivedRequest): boolean => r.path === CALLS && r.statusCode >= 200 && r.statusCode < 300;
/** The entries amoCRM accepted (answered 2xx): what shows in the cards. */
const entries = (a: WebhookReceiver): Array<Record<string, unknown>> =>
  a.received.filter(accepted).flatMap((r) => JSON.parse(r.body) as Array<Record<string, unknown>>);

interface Delivery { type: string; status: string; url: string; nextAttemptAt: string | null; attempts: Array<{ statusCode: number | null }> }

async function deliveries(s: System, jobId: string): Promise<Delivery[]> {
  return ((await read(await s.api(`/jobs/${jobId}/deliveries`))).body as unknown as { deliveries: Delivery[] }).deliveries;
}

/** An API callback from extension 101, waited for until it has succeeded. */
async function calledBack(s: System, customer: string): Promise<JobView> {
  const job = await s.requestCallback({ customer, operator: { extension: '101' } });
  return s.waitForStatus(job.id, 'succeeded', 20_000);
}

/** A connected world whose stand-in first answers `codes`, and one finished API callback in it. */
async function callbackAfterAnswers(codes: number[]): Promise<{ s: System; a: WebhookReceiver; job: JobView }> {
  const { s, amo: a } = await world();
  a.respondWith(codes);
  expect((await connect(s)).status).toBe(200);
  return { s, a, job: await calledBack(s, '+79991234567') };
}

async function jobs(s: System): Promise<JobView[]> {
  return ((await read(await s.api('/jobs'))).body as unknown as { jobs: JobView[] }).jobs;
}

describe('amoCRM click-to-call', () => {
  it('rings the user’s extension first, then the card’s number, and writes that one call back to amoCRM', async () => {
    const { s, amo: a } = await world();
    const saved = await connect(s);
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ subdomain: 'acme', domain: 'amocrm.ru', tokenHint: '…4xZq', users: { '5551': '101' }, state: 'connected' });
    const secret = String(saved.body.clickToCallSecret);
    expect(secret).toMatch(/^pza_/);

    const first = await click(s, secret, { userId: '5551', phone: '+7 (999) 123-45-67', requestId: 'amo-click-1' });
    expect(first.status).toBe(202);
    expect(first.headers.get('access-control-allow-origin')).toBe('https://acme.amocrm.ru');
    const { jobId } = (await read(first)).body as { jobId: string };
    // The same click again (a double click, a retried request) is the same job, not a second call.
    const again = await read(await click(s, secret, { userId: '5551', phone: '+7 (999) 123-45-67', requestId: 'amo-click-1' }));
    expect(again).toMatchObject({ status: 200, body: { jobId } });

    const job = await s.waitForStatus(jobId, 'succeeded', 20_000);
    const originates = s.originatesFor(job);
    expect(originates).toHaveLength(1);
    expect(headerOf(originates[0]!, 'Channel')).toBe('Local/101@from-internal');
    expect(headerOf(originates[0]!, 'Exten')).toBe('+79991234567');

    const [entry] = await waitFor(() => (entries(a).length > 0 ? entries(a) : undefined), 'the call in amoCRM', 10_000);
    const attempt = job.attempts[0]!;
    expect(entry).toEqual({
      direction: 'outbound', uniq: attempt.id, duration: Math.round((attempt.durationMs ?? 0) / 1000), source: 'perezvon', phone: '+79991234567',
      call_status: 4, call_result: expect.stringMatching(/^Conversation/), responsible_user_id: 5551,
      created_at: Math.floor(Date.parse(attempt.originatedAt ?? '') / 1000),
    });
    const request = a.received.find((r) => r.path === CALLS)!;
    expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(await deliveries(s, jobId)).toEqual([expect.objectContaining({ type: 'amocrm.call', status: 'delivered', url: `${a.url}/…/calls` })]);
    expect(a.received).toHaveLength(1);
  });

  it('creates nothing for a wrong secret, a missing one or a user with no extension', async () => {
    const { s } = await world();
    const secret = String((await connect(s)).body.clickToCallSecret);
    const wrong = await read(await click(s, `${secret.slice(0, -1)}x`, { userId: '5551', phone: '+79991234567', requestId: 'r-1' }));
    expect(wrong).toMatchObject({ status: 401, body: { code: 'unauthorized', field: 'x-perezvon-secret' } });
    const none = await read(await fetch(`${s.worker.url}/v1/pbxes/${s.pbx}/hooks/amocrm`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: '5551', phone: '+79991234567', requestId: 'r-2' }) }));
    expect(none.status).toBe(401);
    const stranger = await read(await click(s, secret, { userId: '777', phone: '+79991234567', requestId: 'r-3' }));
    expect(stranger).toMatchObject({ status: 422, body: { field: 'userId' } });
    const premium = await read(await click(s, secret, { userId: '5551', phone: '+7 809 123-45-67', requestId: 'r-4' }));
    expect(premium).toMatchObject({ status: 422, body: { code: 'destination_not_allowed' } });
    expect(await jobs(s)).toEqual([]);
    expect(s.sim.actions.filter((x) => headerOf(x.headers, 'Action') === 'Originate')).toEqual([]);
  });
});

describe('amoCRM call log', () => {
  it('writes a missed-call recall as one entry and skips a source the connection does not log', async () => {
    const { s, amo: a } = await world();
    expect((await connect(s, { users: { '5551': '101' }, sources: ['missed-call', 'campaign'] })).status).toBe(200);
    const policy = await fetch(`${s.worker.url}/v1/admin/pbxes/${s.pbx}/missed-calls/policy`, {
      method: 'PUT', headers: ADMIN, body: JSON.stringify({ watch: { queues: ['support'] }, operator: { extension: '101' }, delaySec: 0 }),
    });
    expect(policy.status).toBe(200);
    const reported = await read(await s.api('/events/missed-call', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ caller: '+79991234568', target: 'support' }) }));
    expect(reported.status).toBe(202);
    const recall = await s.waitForStatus(String((reported.body.missedCall as { jobId: string }).jobId), 'succeeded', 20_000);
    // An API callback: `api` is not among the sources, so it stays out of amoCRM.
    const api = await calledBack(s, '+79991234569');

    const [entry] = await waitFor(() => (entries(a).length > 0 ? entries(a) : undefined), 'the recall in amoCRM', 10_000);
    expect(entry).toMatchObject({ uniq: recall.attempts[0]!.id, phone: '+79991234568', call_status: 4, responsible_user_id: 5551, direction: 'outbound' });
    // Both jobs' ends were enqueued when they were recorded: no delivery for the API job means none will come.
    expect(await deliveries(s, api.id)).toEqual([]);
    expect(a.received).toHaveLength(1);
  });

  it('writes the call once, later, when amoCRM first answers 429', async () => {
    const { s, a, job } = await callbackAfterAnswers([429]);
    const done = await waitFor(async () => {
      const [d] = await deliveries(s, job.id);
      return d?.status === 'delivered' ? d : undefined;
    }, 'the write-back to be delivered', 15_000);
    expect(done.attempts.map((x) => x.statusCode)).toEqual([429, 200]);
    const posts = a.received.filter((r) => r.path === CALLS);
    expect(posts).toHaveLength(2);
    // The retry is the same entry (same uniq), so amoCRM holds one call.
    expect(posts[1]!.body).toBe(posts[0]!.body);
    expect(entries(a)).toHaveLength(1);
    expect(entries(a)[0]).toMatchObject({ uniq: job.attempts[0]!.id, call_status: 4 });
  });

  it('never holds up a dial while amoCRM does not answer', async () => {
    const { s, amo: a } = await world();
    // One attempt may wait 30 s here, so the hanging request is still open when the next call is made.
    const slow = await fetch(`${s.worker.url}/v1/admin/pbxes/${s.pbx}/status-callbacks`, { method: 'PUT', headers: ADMIN, body: JSON.stringify({ url: null, backoffSec: [1, 1], timeoutMs: 30_000 }) });
    expect(slow.status).toBe(200);
    a.stall(1); // the first write-back hangs: amoCRM took the connection and says nothing
    const secret = String((await connect(s)).body.clickToCallSecret);
    const first = await calledBack(s, '+79991234567');
    await waitFor(() => (a.received.some((r) => r.path === CALLS) ? true : undefined), 'the first write-back to be under way', 10_000);
    // A click while that request is open rings and connects all the same.
    const clicked = (await read(await click(s, secret, { userId: '5551', phone: '+79991234568', requestId: 'amo-during-stall' }))).body as { jobId: string };
    const second = await s.waitForStatus(clicked.jobId, 'succeeded', 20_000);
    expect(s.originatesFor(second)).toHaveLength(1);
    const [open] = await deliveries(s, first.id);
    expect(open).toMatchObject({ status: 'pending', attempts: [] });
    a.release();
    await waitFor(async () => ((await deliveries(s, first.id))[0]?.status === 'delivered' ? true : undefined), 'the first write-back to be delivered', 15_000);
    await waitFor(() => (entries(a).length === 2 ? true : undefined), 'both calls in amoCRM', 15_000);
    expect(entries(a).map((e) => e.uniq).sort()).toEqual([first.attempts[0]!.id, second.attempts[0]!.id].sort());
  });

  it('marks the connection broken on 401, shows it in status, and sends the held call with the next token', async () => {
    const { s, a, job } = await callbackAfterAnswers([401]);
    const broken = await waitFor(async () => {
      const st = (await read(await s.api('/status'))).body as { amocrm: { state: string; brokenReason: string } | null };
      return st.amocrm?.state === 'broken' ? st.amocrm : undefined;
    }, 'the connection to be marked broken', 15_000);
    expect(broken.brokenReason).toMatch(/401/);
    const view = (await read(await fetch(`${s.worker.url}/v1/admin/pbxes/${s.pbx}/integrations/amocrm`, { headers: ADMIN }))).body as unknown as AmoCrmView;
    expect(view).toMatchObject({ state: 'broken', tokenHint: '…4xZq' });
    // The call is held, not retried against a refused token: its next look is an hour away (or a new token).
    const held = await waitFor(async () => {
      const [d] = await deliveries(s, job.id);
      return d?.nextAttemptAt != null && Date.parse(d.nextAttemptAt) > Date.now() + 30 * 60_000 ? d : undefined;
    }, 'the call to be held', 15_000);
    expect(held.attempts.map((x) => x.statusCode)).toEqual([401]);
    expect(a.received.filter((r) => r.path === CALLS)).toHaveLength(1);

    const fixed = await connect(s, { token: NEW_TOKEN });
    expect(fixed.body).toMatchObject({ state: 'connected', tokenHint: '…9wYk' });
    expect(fixed.body.clickToCallSecret).toBeUndefined();
    await waitFor(() => (entries(a).length === 1 ? true : undefined), 'the held call in amoCRM', 15_000);
    expect(entries(a)[0]).toMatchObject({ uniq: job.attempts[0]!.id, phone: '+79991234567' });
    expect(a.received.filter(accepted).map((r) => r.headers.authorization)).toEqual([`Bearer ${NEW_TOKEN}`]);

    // The token went to amoCRM only: into no answer of the API and no log line of the Worker or the relay.
    for (const t of [TOKEN, NEW_TOKEN]) {
      for (const secretPart of [t, t.split('.')[1]!]) {
        expect(answers.join('\n')).not.toContain(secretPart);
        expect(s.worker.logs()).not.toContain(secretPart);
        expect(s.relay?.output() ?? '').not.toContain(secretPart);
      }
    }
    expect(s.worker.logs()).toContain('amoCRM refused the token');
  });
});
