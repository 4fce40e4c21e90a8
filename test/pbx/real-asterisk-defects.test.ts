// The four defects a real Asterisk 22 showed and the simulator hid (issue 17), as the lane's tests: each
// fails on code without its fix. Calls run concurrently on one PBX; the room stories run one after the
// other on a PBX of their own that has no other room (ConfbridgeList then answers "No active conferences.").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callbackChannelIds, externalChannelIdPrefix } from '../../shared/channel-ids.js';
import type { JobView } from '../../shared/jobs.js';
import { parseLocal, type ObservedEvent } from '../../testkit/ami-observer.js';
import { LANE_NUMBERS as N, LANE_TIMES } from '../../testkit/pbx-driver.js';
import type { LaneWorld } from '../../testkit/pbx-world.js';
import { waitFor } from '../../testkit/wait.js';
import { cutAndRestore, externalJoins, externalLeaves, post } from '../scenarios/lane-helpers.js';
import { realWorld } from './lane.js';

const RING_TIMEOUT_SEC = 5;

/** The far end's own channel of `number` in this attempt (`Local/<n>@phones…;2`, the phone itself). */
function phoneOf(w: LaneWorld, attemptId: string, number: string): ObservedEvent | undefined {
  const call = callbackChannelIds(attemptId).channelId;
  return w.driver.observer.named('Newchannel', (e) => {
    const local = parseLocal(e.get('Channel'));
    return e.get('Linkedid') === call && local?.half === '2' && local.context === 'phones' && local.exten === number;
  })[0];
}

/** When a channel (by Uniqueid) went Up, and when it hung up, as the PBX reported it. */
function upAndGone(w: LaneWorld, uniqueid: string): { up: number | undefined; gone: number | undefined } {
  const o = w.driver.observer;
  return {
    up: o.named('Newstate', (e) => e.get('Uniqueid') === uniqueid && e.get('ChannelStateDesc') === 'Up')[0]?.at,
    gone: o.named('Hangup', (e) => e.get('Uniqueid') === uniqueid)[0]?.at,
  };
}

async function ringingPhone(w: LaneWorld, job: JobView, number: string): Promise<{ attemptId: string; phone: ObservedEvent }> {
  const started = await w.system.waitForJob(job.id, (j) => j.attempts.length > 0, 'the attempt', 20_000);
  const attemptId = started.attempts[0]?.id ?? '';
  const phone = await waitFor(() => phoneOf(w, attemptId, number), `${number} to ring`, 20_000, 20);
  return { attemptId, phone };
}

describe.concurrent('on a real Asterisk: callbacks', () => {
  let w: LaneWorld;
  beforeAll(async () => {
    w = await realWorld({ ringTimeoutSec: RING_TIMEOUT_SEC });
  });
  afterAll(async () => {
    await w?.stop();
  });
  const final = (id: string) => w.system.waitForStatus(id, ['succeeded', 'failed', 'cancelled'], 40_000);

  // Defect 0: the operator's own Dial() (the `;2` half's DialBegin/DialEnd) was taken for the customer's answer.
  it('operator-first: answeredAt and durationMs describe the conversation, not the customer’s ringing', async () => {
    const job = await w.system.requestCallback({ customer: N.customerSlowAnswer, operator: { extension: N.operator }, direction: 'operator-first' });
    const { phone } = await ringingPhone(w, job, N.customerSlowAnswer);
    const done = await final(job.id);
    expect(done.attempts[0]?.outcome).toBe('answered');
    const customer = upAndGone(w, phone.get('Uniqueid') ?? '');
    expect(customer.up).toBeDefined();
    expect(customer.gone).toBeDefined();
    const attempt = done.attempts[0];
    expect(Math.abs(Date.parse(attempt?.answeredAt ?? '') - (customer.up ?? 0))).toBeLessThanOrEqual(1000);
    expect(Math.abs((attempt?.durationMs ?? 0) - ((customer.gone ?? 0) - (customer.up ?? 0)))).toBeLessThanOrEqual(1000);
  });

  it('customer-first: answeredAt and durationMs start when the operator answers, not the customer', async () => {
    const job = await w.system.requestCallback({ customer: N.customerStays, operator: { extension: N.operatorSlowAnswer }, direction: 'customer-first' });
    const { phone } = await ringingPhone(w, job, N.operatorSlowAnswer);
    const done = await final(job.id);
    expect(done.attempts[0]?.outcome).toBe('answered');
    const operator = upAndGone(w, phone.get('Uniqueid') ?? '');
    const attempt = done.attempts[0];
    expect(Math.abs(Date.parse(attempt?.answeredAt ?? '') - (operator.up ?? 0))).toBeLessThanOrEqual(1000);
    expect(Math.abs((attempt?.durationMs ?? 0) - LANE_TIMES.operatorSlowAnswer.talkSec * 1000)).toBeLessThanOrEqual(1000);
  });

  it('an AMI drop while the operator hangs up on a ringing customer never turns the attempt into answered', async () => {
    const job = await w.system.requestCallback({ customer: N.customerRingsForever, operator: { extension: N.operator2 }, direction: 'operator-first' });
    const { attemptId } = await ringingPhone(w, job, N.customerRingsForever);
    const operatorPhone = phoneOf(w, attemptId, N.operator2);
    expect(operatorPhone).toBeDefined();
    await cutAndRestore(w, async () => {
      await w.driver.hangup(operatorPhone?.get('Channel') ?? '');
      await w.driver.observer.waitFor('Hangup', (e) => e.get('Uniqueid') === callbackChannelIds(attemptId).channelId, 'the call to end on the PBX');
    });
    const done = await final(job.id);
    expect(done.attempts[0]?.outcome).not.toBe('answered');
    expect(done.status).not.toBe('succeeded');
  });

  // Defect 2: the second leg rang as long as the route's Dial() (60 s), not ringTimeoutSec.
  it('operator-first: a customer who never answers is given up after ringTimeoutSec, and the operator is released', async () => {
    const job = await w.system.requestCallback({ customer: N.customerRingsForever, operator: { extension: N.operator3 }, direction: 'operator-first' });
    const { attemptId, phone } = await ringingPhone(w, job, N.customerRingsForever);
    const done = await w.system.waitForStatus(job.id, ['succeeded', 'failed', 'cancelled'], (RING_TIMEOUT_SEC + 10) * 1000);
    expect(done.attempts[0]).toMatchObject({ outcome: 'no-answer', failedLeg: 'customer', cause: 19 });
    const customerGone = upAndGone(w, phone.get('Uniqueid') ?? '').gone ?? Infinity;
    expect(customerGone - phone.at).toBeLessThanOrEqual((RING_TIMEOUT_SEC + 2) * 1000);
    const operatorGone = upAndGone(w, phoneOf(w, attemptId, N.operator3)?.get('Uniqueid') ?? '').gone ?? Infinity;
    expect(operatorGone - phone.at).toBeLessThanOrEqual((RING_TIMEOUT_SEC + 2) * 1000);
  });

  it('customer-first: an operator who never answers is given up after ringTimeoutSec, and the customer is released', async () => {
    const job = await w.system.requestCallback({ customer: N.customerStays, operator: { extension: N.operatorNoAnswer }, direction: 'customer-first' });
    const { attemptId, phone } = await ringingPhone(w, job, N.operatorNoAnswer);
    const done = await w.system.waitForStatus(job.id, ['succeeded', 'failed', 'cancelled'], (RING_TIMEOUT_SEC + 10) * 1000);
    expect(done.attempts[0]).toMatchObject({ outcome: 'no-answer', failedLeg: 'operator' });
    const customerGone = upAndGone(w, phoneOf(w, attemptId, N.customerStays)?.get('Uniqueid') ?? '').gone ?? Infinity;
    expect(customerGone - phone.at).toBeLessThanOrEqual((RING_TIMEOUT_SEC + 2) * 1000);
  });

  // Defect 3: an operator who hung up while the customer rang was reported as a cancellation.
  it('an operator who hangs up while the customer rings is not a cancellation: the attempt names the operator leg', async () => {
    const job = await w.system.requestCallback({ customer: N.customerRingsForever, operator: { extension: N.operator }, direction: 'operator-first' });
    const { attemptId } = await ringingPhone(w, job, N.customerRingsForever);
    await w.driver.hangup(phoneOf(w, attemptId, N.operator)?.get('Channel') ?? '');
    const done = await final(job.id);
    expect(done.attempts[0]?.outcome).not.toBe('cancelled');
    expect(done.attempts[0]?.failedLeg).toBe('operator');
    expect(done.status).not.toBe('cancelled');
  });
});

// Defect 2 across an AMI drop: the first leg answered and the second began ringing while the relay's link
// was down, so neither event reached it and the second leg rang as long as the route's Dial() (60 s).
// One call at a time on a world of its own: a cut disturbs every call that shares the relay's link.
describe('on a real Asterisk: a second leg that begins ringing while the relay’s AMI link is down', () => {
  let w: LaneWorld;
  beforeAll(async () => {
    w = await realWorld({ ringTimeoutSec: RING_TIMEOUT_SEC });
  });
  afterAll(async () => {
    await w?.stop();
  });

  it.each([
    { direction: 'operator-first' as const, first: N.operator, second: N.customerRingsForever, failedLeg: 'customer' },
    { direction: 'customer-first' as const, first: N.customerStays, second: N.operatorNoAnswer, failedLeg: 'operator' },
  ])('$direction: is given up ringTimeoutSec after the link is back, and the first leg released', async ({ direction, first, second, failedLeg }) => {
    const [customer, operator] = direction === 'operator-first' ? [second, first] : [first, second];
    const job = await w.system.requestCallback({ customer, operator: { extension: operator }, direction });
    // The first leg rings 1 s before it answers: cut while it rings, restore once the second leg rings.
    const { attemptId } = await ringingPhone(w, job, first);
    let ringing: ObservedEvent | undefined;
    await cutAndRestore(w, async () => {
      ringing = await waitFor(() => phoneOf(w, attemptId, second), `${second} to ring`, 20_000, 20);
    });
    const back = Date.now();
    const done = await w.system.waitForStatus(job.id, ['succeeded', 'failed', 'cancelled'], (RING_TIMEOUT_SEC + 10) * 1000);
    expect(done.attempts[0]).toMatchObject({ outcome: 'no-answer', failedLeg, cause: 19 });
    expect(ringing).toBeDefined();
    const secondGone = upAndGone(w, ringing?.get('Uniqueid') ?? '').gone ?? Infinity;
    expect(secondGone - back).toBeLessThanOrEqual((RING_TIMEOUT_SEC + 2) * 1000);
    const firstGone = upAndGone(w, phoneOf(w, attemptId, first)?.get('Uniqueid') ?? '').gone ?? Infinity;
    expect(firstGone - back).toBeLessThanOrEqual((RING_TIMEOUT_SEC + 2) * 1000);
  });
});

// Defect 1: after an AMI outage the relay dialled the external participant into an empty room.
describe('on a real Asterisk with no other room: the permanent external participant after an AMI outage', () => {
  let w: LaneWorld;
  beforeAll(async () => {
    w = await realWorld();
  });
  afterAll(async () => {
    await w?.stop();
  });
  const externalRings = (room: string, since = 0) =>
    w.driver.observer.rings(N.customerStays, since).filter((e) => (e.get('Linkedid') ?? '').startsWith(externalChannelIdPrefix(room)));

  async function busyRoom(room: string): Promise<string> {
    const put = await post(w, `/rooms/${room}/external-participant`, { number: N.customerStays, context: 'from-internal', redial: { maxAttempts: 3, backoffSec: [1] } }, 'PUT');
    expect(put.status).toBe(200);
    const internal = await w.driver.dial(N.operator, room, 'conf');
    await w.driver.observer.until(() => externalJoins(w, room).length === 1, `the external leg in room ${room}`, 20_000);
    return internal;
  }

  it('link cut, everybody leaves, link back: nothing is dialled; the next employee’s join dials exactly one outside call', async () => {
    const room = '7301';
    const internal = await busyRoom(room);
    await cutAndRestore(w, async () => {
      await w.driver.hangup(internal);
      const external = externalJoins(w, room)[0]?.get('Channel') ?? '';
      await w.driver.hangup(external);
      await w.driver.observer.waitFor('ConfbridgeEnd', (e) => e.get('Conference') === room, 'the room to end');
    });
    const back = Date.now();
    // The relay redials a lost external leg after the rule's backoff (1 s): a whole callback through the
    // same relay (≥ 5 s of calls) after the re-login spans that window, so a redial would be seen by now.
    const marker = await w.system.requestCallback({ customer: N.customerShortCall, operator: { extension: N.operator2 }, direction: 'operator-first' });
    expect((await w.system.waitForStatus(marker.id, ['succeeded', 'failed'], 30_000)).status).toBe('succeeded');
    expect(externalRings(room, back)).toHaveLength(0);
    const joinedAt = Date.now();
    const next = await w.driver.dial(N.operator3, room, 'conf');
    await w.driver.observer.until(() => externalJoins(w, room, joinedAt).length === 1, 'the external leg for the next employee', 20_000);
    expect(externalRings(room, back)).toHaveLength(1);
    await w.driver.hangup(next);
    await w.driver.observer.until(() => externalLeaves(w, room, joinedAt).length === 1, 'the external leg to be kicked', 20_000);
  });

  it('link cut while the last employee leaves: the lonely external leg is kicked once the link is back', async () => {
    const room = '7302';
    const internal = await busyRoom(room);
    const since = Date.now();
    await cutAndRestore(w, async () => {
      await w.driver.hangup(internal);
      await w.driver.observer.until(() => w.driver.observer.inRoom(room).length === 1, 'only the external leg left in the room', 10_000);
    });
    await w.driver.observer.until(() => externalLeaves(w, room, since).length === 1, 'the lonely external leg to be kicked', 20_000);
    expect(externalRings(room)).toHaveLength(1);
  });
});
