// Missed-call callbacks over real sockets: inbound calls placed in the AMI simulator's `from-trunk`
// context are watched by the relay, reported to the Worker, and turned into one delayed callback per
// number — or none, when the customer got through or an operator called them first.
import { afterEach, describe, expect, it } from 'vitest';
import type { JobView } from '../../shared/jobs.js';
import type { MissedCallPolicy, MissedCallView } from '../../shared/missed-calls.js';
import { rings } from '../../sim/index.js';
import { headerOf, startSystem, type System } from '../../testkit/system.js';
import { waitFor } from '../../testkit/wait.js';
import { TEST_ADMIN_TOKEN } from '../../testkit/worker-runtime.js';
import { callbackChannelIds } from '../../shared/channel-ids.js';

const CUSTOMER = '+79991234567';
let system: System | undefined;

afterEach(async () => {
  await system?.stop();
  system = undefined;
});

async function world(policy: Partial<MissedCallPolicy>): Promise<System> {
  const s = (system = await startSystem({ sim: { phones: { '102': rings() } } }));
  const res = await fetch(`${s.worker.url}/v1/admin/pbxes/${s.pbx}/missed-calls/policy`, {
    method: 'PUT', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ watch: { extensions: ['102'], queues: ['support'] }, operator: { extension: '101' }, ...policy }),
  });
  expect(res.status).toBe(200);
  // The list sent after hello is the empty one; wait for the one this policy enabled.
  const enabled = (line: string) => line.includes('missed-call watch list received') && line.includes('"enabled":true');
  await waitFor(() => (s.relay?.output().split('\n').some(enabled) ? true : undefined), 'the relay to receive the enabled watch list');
  return s;
}

/** A probe for `waitFor`: whether the relay has logged this text. */
const said = (s: System, text: string) => (): true | undefined => (s.relay?.output().includes(text) ? true : undefined);

async function missedCalls(s: System): Promise<MissedCallView[]> {
  return ((await (await s.api('/missed-calls')).json()) as { missedCalls: MissedCallView[] }).missedCalls;
}

async function jobs(s: System): Promise<JobView[]> {
  return ((await (await s.api('/jobs')).json()) as { jobs: JobView[] }).jobs;
}

/** An outside caller rings extension 102, which never answers; Dial() gives up after 20 s (1 s scaled). */
async function missOneCall(s: System, count = 1, caller = CUSTOMER): Promise<MissedCallView> {
  s.sim.dial(caller, '102', 'from-trunk');
  return waitFor(async () => (await missedCalls(s)).find((m) => m.number === caller && m.count === count), `missed call #${count} to be recorded`, 10_000, 100);
}

describe('missed-call callback', () => {
  it('calls a missed caller back exactly once, after the delay', async () => {
    const s = await world({ delaySec: 2 });
    const missed = await missOneCall(s);
    expect(missed).toMatchObject({ number: CUSTOMER, target: '102', count: 1, status: 'pending' });
    const job = await s.waitForStatus(missed.jobId ?? '', 'succeeded', 20_000);
    expect(job.request).toMatchObject({ customer: CUSTOMER, operator: { extension: '101' }, metadata: { source: 'missed-call', target: '102' } });
    const originates = s.originatesFor(job);
    expect(originates).toHaveLength(1);
    const originatedAt = s.sim.actions.find((a) => headerOf(a.headers, 'ChannelId') === callbackChannelIds(job.attempts[0]?.id ?? '').channelId)?.at ?? 0;
    expect(originatedAt).toBeGreaterThanOrEqual(Date.parse(missed.lastAt) + 2000);
    expect(await jobs(s)).toHaveLength(1);
  });

  it('merges repeated missed calls into one pending callback', async () => {
    const s = await world({ delaySec: 60 });
    const first = await missOneCall(s);
    const second = await missOneCall(s, 2);
    expect(second.id).toBe(first.id);
    expect(second.jobId).toBe(first.jobId);
    expect(await jobs(s)).toHaveLength(1);
  });

  it('creates no callback when the customer’s call was answered', async () => {
    const s = await world({ delaySec: 1 });
    const uid = s.sim.dial(CUSTOMER, '101', 'from-trunk');
    await waitFor(() => (s.sim.channels().some((c) => c.state === 'Up' && c.context === 'phones') ? true : undefined), 'extension 101 to answer');
    s.sim.hangup(uid);
    await waitFor(() => (s.sim.channels().length === 0 ? true : undefined), 'the answered call to end');
    // Frames arrive in order: once a later missed call is recorded, the answered one was judged too.
    const later = await missOneCall(s, 1, '+79990000002');
    expect(await missedCalls(s)).toEqual([later]);
    expect((await jobs(s)).map((j) => j.request.customer)).toEqual(['+79990000002']);
  });

  it('cancels the pending callback when the customer calls again and is answered', async () => {
    const s = await world({ delaySec: 60 });
    const missed = await missOneCall(s);
    s.sim.dial(CUSTOMER, '101', 'from-trunk');
    const job = await s.waitForStatus(missed.jobId ?? '', 'cancelled', 10_000);
    expect(job.attempts).toEqual([]);
    expect((await missedCalls(s))[0]).toMatchObject({ status: 'cancelled', reason: 'the customer called again and was answered' });
  });

  it('cancels the pending callback when an operator calls the customer', async () => {
    const s = await world({ delaySec: 60 });
    const missed = await missOneCall(s);
    s.sim.dial('101', CUSTOMER, 'from-internal');
    await s.waitForStatus(missed.jobId ?? '', 'cancelled', 10_000);
    expect((await missedCalls(s))[0]).toMatchObject({ status: 'cancelled', reason: 'an operator called the customer' });
  });

  /** Stops the Worker, lets a call be missed while it is down (then `meanwhile`), and starts it again. */
  async function missWhileWorkerDown(s: System, meanwhile: () => Promise<unknown> = async () => undefined): Promise<void> {
    await s.worker.restart(async () => {
      await waitFor(said(s, 'worker link closed'), 'the relay to lose the Worker');
      s.sim.dial(CUSTOMER, '102', 'from-trunk');
      await waitFor(said(s, 'reporting a call to the queue'), 'the relay to detect the missed call', 10_000);
      await meanwhile();
    });
  }

  it('reports a call missed while the Worker was unreachable once the link is back, and counts it once', async () => {
    const s = await world({ delaySec: 60 });
    await missWhileWorkerDown(s);
    const missed = await waitFor(async () => (await missedCalls(s)).find((m) => m.number === CUSTOMER), 'the missed call after reconnect', 40_000, 100);
    expect(missed).toMatchObject({ target: '102', count: 1, status: 'pending' });
    // A heartbeat acknowledges the report; after that the relay holds nothing more to send.
    await waitFor(said(s, 'sending the reports kept for the Worker'), 'the relay to resend');
    expect((await missedCalls(s)).map((m) => m.count)).toEqual([1]);
    expect(await jobs(s)).toHaveLength(1);
  }, 60_000);

  it('reports a call missed while the Worker was unreachable even when the relay is killed before the link is back', async () => {
    const s = await world({ delaySec: 60 });
    // The report exists only in the relay's report file once it is killed.
    await missWhileWorkerDown(s, () => s.relay?.kill('SIGKILL') ?? Promise.resolve());
    await s.startRelay();
    const missed = await waitFor(async () => (await missedCalls(s)).find((m) => m.number === CUSTOMER), 'the missed call from the restarted relay', 20_000, 100);
    expect(missed).toMatchObject({ target: '102', count: 1, status: 'pending' });
    expect(await jobs(s)).toHaveLength(1);
  }, 60_000);

  it('reports a caller who gave up waiting in a watched queue', async () => {
    const s = await world({ delaySec: 60 });
    const joined = new Promise<void>((resolve) => s.sim.onEvent((m) => headerOf(m.headers, 'Event') === 'QueueCallerJoin' && resolve()));
    const uid = s.sim.dial(CUSTOMER, 'support', 'from-trunk');
    await joined;
    s.sim.hangup(uid);
    const missed = await waitFor(async () => (await missedCalls(s))[0], 'the abandoned call to be recorded', 10_000, 100);
    expect(missed).toMatchObject({ number: CUSTOMER, target: 'support', count: 1, status: 'pending' });
  });
});
