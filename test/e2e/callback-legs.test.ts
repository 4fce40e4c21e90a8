// Callbacks on a PBX that behaves as a real one does (Asterisk 22.10.1, issue 17): the operator's
// extension in from-internal is reached through its own Dial(), outside routes ring for 60 s, and
// an operator may hang up while the customer rings. Whole system: Worker in workerd, relay process,
// the simulator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callbackChannelIds } from '../../shared/channel-ids.js';
import type { JobView } from '../../shared/jobs.js';
import { answers, rings } from '../../sim/index.js';
import { DEMO_SETTINGS, startSystem, type System } from '../../testkit/system.js';
import { waitFor } from '../../testkit/wait.js';

const OPERATOR = '101'; // answers and stays on the line
const IMPATIENT_OPERATOR = '111'; // answers, then hangs up after 1.5 s
const SLOW_OPERATOR = '121'; // answers after 2.5 s and stays on the line
const UNANSWERED_OPERATOR = '109';
const CUSTOMERS = {
  slowToAnswer: '+79990000011',
  ringsForever: '+79990000012',
  hangsUpSoon: '+79990000013',
  staysOnTheLine: '+79990000014',
  talksFourSeconds: '+79990000015',
};
const RING_TIMEOUT_SEC = 5;
/** The bound of issue 17: the second leg never rings longer than ringTimeoutSec + 2 s. */
const SECOND_LEG_BOUND_MS = (RING_TIMEOUT_SEC + 2) * 1000;

let system: System;
/** Arrival times of the simulator's events, by event name and Uniqueid, to compare reported times with. */
const seen: Array<{ at: number; event: string; uniqueid: string; dialStatus: string | undefined }> = [];

beforeAll(async () => {
  system = await startSystem({
    sim: {
      phones: {
        [OPERATOR]: answers({ ringMs: 200, holdMs: 20_000 }),
        [IMPATIENT_OPERATOR]: answers({ ringMs: 200, holdMs: 1500 }),
        [SLOW_OPERATOR]: answers({ ringMs: 2500, holdMs: 20_000 }),
        [UNANSWERED_OPERATOR]: rings(),
        [CUSTOMERS.slowToAnswer]: answers({ ringMs: 2500, holdMs: 2000 }),
        [CUSTOMERS.ringsForever]: rings(),
        [CUSTOMERS.hangsUpSoon]: answers({ ringMs: 200, holdMs: 1500 }),
        [CUSTOMERS.staysOnTheLine]: answers({ ringMs: 200, holdMs: 30_000 }),
        [CUSTOMERS.talksFourSeconds]: answers({ ringMs: 200, holdMs: 4000 }),
      },
    },
    settings: { ...DEMO_SETTINGS, ringTimeoutSec: RING_TIMEOUT_SEC, retry: { maxAttempts: 1 } },
  });
  system.sim.onEvent((ev) => {
    const get = (k: string) => ev.headers.find(([h]) => h === k)?.[1];
    seen.push({ at: Date.now(), event: get('Event') ?? '', uniqueid: get('Uniqueid') ?? '', dialStatus: get('DialStatus') });
  });
}, 60_000);

afterAll(async () => {
  await system?.stop();
});

const FINAL = ['succeeded', 'failed', 'cancelled', 'expired'] as const;
const channelIdOf = (job: JobView): string => callbackChannelIds(job.attempts[0]!.id).channelId;
const callChannelsLeft = (job: JobView): number => system.sim.channels().filter((c) => c.linkedid === channelIdOf(job)).length;

/**
 * The attempt's answeredAt and durationMs describe the conversation: from the simulator's DialEnd
 * ANSWER of the originated `;1` (the second leg answering, both parties up) to the call's last Hangup.
 */
function expectConversationTimes(job: JobView): void {
  const ids = callbackChannelIds(job.attempts[0]!.id);
  const bothUp = seen.find((e) => e.event === 'DialEnd' && e.uniqueid === ids.channelId && e.dialStatus === 'ANSWER')?.at;
  const ended = seen.filter((e) => e.event === 'Hangup' && (e.uniqueid === ids.channelId || e.uniqueid === ids.otherChannelId)).at(-1)?.at;
  if (bothUp === undefined || ended === undefined) throw new Error('the call was not seen connected and ended');
  const attempt = job.attempts[0]!;
  expect(Math.abs(Date.parse(attempt.answeredAt!) - bothUp)).toBeLessThan(1000);
  expect(Math.abs(attempt.durationMs! - (ended - bothUp))).toBeLessThan(1000);
}

describe('callback job on a PBX whose extensions are reached through Dial()', () => {
  it('times an operator-first call from the customer answering, not from the operator picking up', async () => {
    const job = await system.requestCallback({ customer: CUSTOMERS.slowToAnswer, operator: { extension: OPERATOR } });
    const done = await system.waitForStatus(job.id, [...FINAL], 20_000);
    expect(done.status).toBe('succeeded');
    // The customer rang 2.5 s after the operator answered; that ringing is not talk time.
    expectConversationTimes(done);
  });

  it('times a customer-first call from the operator answering, not from the customer', async () => {
    // The customer answered and waited 2.5 s for the operator; that wait is not talk time.
    const job = await system.requestCallback({ customer: CUSTOMERS.talksFourSeconds, operator: { extension: SLOW_OPERATOR }, direction: 'customer-first' });
    const done = await system.waitForStatus(job.id, [...FINAL], 20_000);
    expect(done.status).toBe('succeeded');
    expectConversationTimes(done);
  });

  it('never reports a customer who was still ringing as answered when the end of the call was lost in an AMI outage', async () => {
    const job = await system.requestCallback({ customer: CUSTOMERS.ringsForever, operator: { extension: IMPATIENT_OPERATOR } });
    // The link drops once the customer rings; the operator hangs up meanwhile; the link comes back.
    const running = await system.waitForJob(job.id, (j) => j.attempts.length > 0, 'the attempt');
    await waitFor(() => seen.find((e) => e.event === 'DialBegin' && e.uniqueid === channelIdOf(running)), 'the customer leg to be dialled');
    system.sim.refuseLogins(true);
    system.sim.dropConnections();
    await waitFor(() => (callChannelsLeft(running) === 0 ? true : undefined), 'the call to end while the relay is away', 10_000);
    system.sim.refuseLogins(false);
    const done = await system.waitForStatus(job.id, [...FINAL], 45_000);
    expect(done.attempts[0]!.outcome).not.toBe('answered');
    expect(done.attempts[0]).toMatchObject({ certainty: 'unknown', answeredAt: null, durationMs: null });
    expect(done.status).toBe('failed');
  }, 60_000);
});

describe('the second leg is bounded by ringTimeoutSec, not by the route’s 60 s Dial()', () => {
  it('operator-first: ends a customer who never answers as no-answer on the customer leg, and releases the operator', async () => {
    const job = await system.requestCallback({ customer: CUSTOMERS.ringsForever, operator: { extension: OPERATOR } });
    const running = await system.waitForJob(job.id, (j) => j.attempts.length > 0, 'the attempt');
    await waitFor(() => seen.find((e) => e.event === 'DialBegin' && e.uniqueid === channelIdOf(running)), 'the customer leg to be dialled');
    const done = await system.waitForStatus(job.id, [...FINAL], SECOND_LEG_BOUND_MS);
    expect(done.attempts[0]).toMatchObject({ outcome: 'no-answer', cause: 19, failedLeg: 'customer', answeredAt: null });
    await waitFor(() => (callChannelsLeft(done) === 0 ? true : undefined), 'the operator to be released', 2000);
  });

  it('customer-first: ends an operator who never answers as no-answer on the operator leg, and releases the customer', async () => {
    const job = await system.requestCallback({ customer: CUSTOMERS.staysOnTheLine, operator: { extension: UNANSWERED_OPERATOR }, direction: 'customer-first' });
    const running = await system.waitForJob(job.id, (j) => j.attempts.length > 0, 'the attempt');
    await waitFor(() => seen.find((e) => e.event === 'DialBegin' && e.uniqueid === channelIdOf(running)), 'the operator leg to be dialled', 10_000);
    const done = await system.waitForStatus(job.id, [...FINAL], SECOND_LEG_BOUND_MS);
    expect(done.attempts[0]).toMatchObject({ outcome: 'no-answer', cause: 19, failedLeg: 'operator', answeredAt: null });
    await waitFor(() => (callChannelsLeft(done) === 0 ? true : undefined), 'the customer to be released', 2000);
  });
});

describe('a leg that gives up while the other rings', () => {
  it('operator-first: an operator who hangs up while the customer rings is abandoned by the operator, not a cancellation', async () => {
    const job = await system.requestCallback({ customer: CUSTOMERS.ringsForever, operator: { extension: IMPATIENT_OPERATOR } });
    const done = await system.waitForStatus(job.id, [...FINAL], 20_000);
    expect(done.status).toBe('failed');
    expect(done.attempts[0]).toMatchObject({ outcome: 'abandoned', failedLeg: 'operator', answeredAt: null });
  });

  it('customer-first: a customer who hangs up while the operator rings is abandoned by the customer', async () => {
    const job = await system.requestCallback({ customer: CUSTOMERS.hangsUpSoon, operator: { extension: UNANSWERED_OPERATOR }, direction: 'customer-first' });
    const done = await system.waitForStatus(job.id, [...FINAL], 20_000);
    expect(done.status).toBe('failed');
    expect(done.attempts[0]).toMatchObject({ outcome: 'abandoned', failedLeg: 'customer', answeredAt: null });
  });
});
