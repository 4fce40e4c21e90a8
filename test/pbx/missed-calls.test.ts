// Missed calls from a queue on a real Asterisk 22: an outside caller waits in `sales` (its only member
// rings forever) until the queue gives up, the relay reports the missed call, and the customer is called
// back once. The queue's short wait is the lane's own route `sales-short` (test/pbx/dialplan/lane.conf).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MissedCallView } from '../../shared/missed-calls.js';
import { callbackChannelIds } from '../../shared/channel-ids.js';
import { LANE_NUMBERS as N } from '../../testkit/pbx-driver.js';
import type { LaneWorld } from '../../testkit/pbx-world.js';
import { waitFor } from '../../testkit/wait.js';
import { TEST_ADMIN_TOKEN } from '../../testkit/worker-runtime.js';
import { realWorld } from './lane.js';

let w: LaneWorld;

beforeAll(async () => {
  w = await realWorld();
  const res = await fetch(`${w.system.worker.url}/v1/admin/pbxes/${w.system.pbx}/missed-calls/policy`, {
    method: 'PUT', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ watch: { queues: ['sales'] }, operator: { extension: N.operator }, delaySec: 1 }),
  });
  expect(res.status).toBe(200);
  const enabled = (line: string) => line.includes('missed-call watch list received') && line.includes('"enabled":true');
  await waitFor(() => (w.system.relay?.output().split('\n').some(enabled) ? true : undefined), 'the relay to receive the enabled watch list');
});

afterAll(async () => {
  await w?.stop();
});

describe('missed-call callback from a queue', () => {
  it('reports a caller the queue gave up on, and calls them back exactly once', async () => {
    const caller = N.customerShortCall;
    await w.driver.dial(caller, 'sales-short', 'from-trunk');
    const join = await w.driver.observer.waitFor('QueueCallerJoin', (e) => e.get('Queue') === 'sales', 'the caller in the sales queue', 10_000);
    expect(join.get('CallerIDNum')).toBe(caller);
    const missed = await waitFor(async () => {
      const { missedCalls } = (await (await w.system.api('/missed-calls')).json()) as { missedCalls: MissedCallView[] };
      return missedCalls.find((m) => m.number === caller && m.jobId !== null);
    }, 'the missed call to be recorded', 20_000, 100);
    expect(missed).toMatchObject({ target: 'sales', count: 1 });
    const job = await w.system.waitForStatus(missed.jobId ?? '', ['succeeded', 'failed'], 30_000);
    expect(job.status).toBe('succeeded');
    const callback = callbackChannelIds(job.attempts[0]?.id ?? '').channelId;
    expect(w.driver.observer.rings(caller).filter((e) => e.get('Linkedid') === callback)).toHaveLength(1);
    expect(job.attempts).toHaveLength(1);
  });
});
