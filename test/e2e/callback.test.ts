// The spine, end to end: a callback requested over HTTP from the Worker in workerd reaches the AMI
// simulator as an Originate through the relay process, and its outcome comes back to the job.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answers, busy, congested, rings, unallocated } from '../../sim/index.js';
import { DEMO_SETTINGS, headerOf, startSystem, type System } from '../../testkit/system.js';
import { callbackChannelIds } from '../../shared/channel-ids.js';

const OPERATOR = '101';
const CUSTOMERS = {
  answers: '+79990000001',
  busy: '+79990000002',
  ringsForever: '+79990000003',
  congested: '+79990000004',
  unallocated: '+79990000005',
};

let system: System;

beforeAll(async () => {
  system = await startSystem({
    sim: {
      phones: {
        // The operator stays on the line; the customer's side decides how the call ends.
        [OPERATOR]: answers({ ringMs: 200, holdMs: 20_000 }),
        '109': rings(),
        [CUSTOMERS.answers]: answers({ ringMs: 300, holdMs: 1000 }),
        [CUSTOMERS.busy]: busy(),
        [CUSTOMERS.ringsForever]: rings(),
        [CUSTOMERS.congested]: congested(),
        [CUSTOMERS.unallocated]: unallocated(),
      },
    },
    settings: { ...DEMO_SETTINGS, retry: { maxAttempts: 1 } },
  });
}, 60_000);

afterAll(async () => {
  await system?.stop();
});

describe('callback job, operator-first', () => {
  it('rings the operator first with the customer as caller ID, then dials the customer through the outbound context', async () => {
    const job = await system.requestCallback({ customer: CUSTOMERS.answers, operator: { extension: OPERATOR }, direction: 'operator-first', callerId: 'Site callback' });
    const done = await system.waitForStatus(job.id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    const [originate, ...more] = system.originatesFor(done);
    expect(more).toHaveLength(0);
    expect(headerOf(originate!, 'Channel')).toBe(`Local/${OPERATOR}@from-internal`);
    expect(headerOf(originate!, 'Context')).toBe('from-internal');
    expect(headerOf(originate!, 'Exten')).toBe(CUSTOMERS.answers);
    expect(headerOf(originate!, 'Priority')).toBe('1');
    expect(headerOf(originate!, 'CallerID')).toBe(`"Site callback" <${CUSTOMERS.answers}>`);
    expect(headerOf(originate!, 'Async')).toBe('true');
    expect(headerOf(originate!, 'Timeout')).toBe('5000');
    expect(headerOf(originate!, 'ChannelId')).toBe(callbackChannelIds(done.attempts[0]!.id).channelId);
    const attempt = done.attempts[0]!;
    expect(attempt).toMatchObject({ status: 'ended', outcome: 'answered', failedLeg: null });
    expect(attempt.originatedAt).not.toBeNull();
    expect(attempt.answeredAt).not.toBeNull();
    expect(attempt.endedAt).not.toBeNull();
    expect(attempt.durationMs).toBeGreaterThan(0);
  });

  it.each([
    ['busy', CUSTOMERS.busy, 'busy', 17],
    ['no answer', CUSTOMERS.ringsForever, 'no-answer', 19],
    ['congestion', CUSTOMERS.congested, 'congestion', 34],
    ['an unallocated number', CUSTOMERS.unallocated, 'failed', 1],
  ])('reports %s on the customer leg and fails the job', async (_name, customer, outcome, cause) => {
    const job = await system.requestCallback({ customer, operator: { extension: OPERATOR }, direction: 'operator-first' });
    const done = await system.waitForStatus(job.id, ['succeeded', 'failed'], 20_000);
    expect(done.status).toBe('failed');
    expect(system.originatesFor(done)).toHaveLength(1);
    expect(done.attempts[0]).toMatchObject({ outcome, cause, failedLeg: 'customer' });
  });

  it('reports an operator who does not answer as no-answer on the operator leg', async () => {
    const job = await system.requestCallback({ customer: CUSTOMERS.answers, operator: { extension: '109' }, direction: 'operator-first' });
    const done = await system.waitForStatus(job.id, ['succeeded', 'failed'], 20_000);
    expect(done.attempts[0]).toMatchObject({ outcome: 'no-answer', failedLeg: 'operator' });
  });
});

describe('callback job, customer-first', () => {
  it('rings the customer first with the company caller ID, then the operator', async () => {
    const job = await system.requestCallback({ customer: CUSTOMERS.answers, operator: { extension: OPERATOR }, direction: 'customer-first' });
    const done = await system.waitForStatus(job.id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    const [originate] = system.originatesFor(done);
    expect(headerOf(originate!, 'Channel')).toBe(`Local/${CUSTOMERS.answers}@from-internal`);
    expect(headerOf(originate!, 'Exten')).toBe(OPERATOR);
    expect(headerOf(originate!, 'CallerID')).toBe('"Perezvon" <+74950000000>');
    expect(done.attempts[0]).toMatchObject({ outcome: 'answered' });
  });

  it.each([
    ['busy', CUSTOMERS.busy, 'busy'],
    ['no answer', CUSTOMERS.ringsForever, 'no-answer'],
    ['congestion', CUSTOMERS.congested, 'congestion'],
    ['an unallocated number', CUSTOMERS.unallocated, 'failed'],
  ])('reports %s on the customer leg', async (_name, customer, outcome) => {
    const job = await system.requestCallback({ customer, operator: { extension: OPERATOR }, direction: 'customer-first' });
    const done = await system.waitForStatus(job.id, ['succeeded', 'failed'], 20_000);
    expect(done.status).toBe('failed');
    expect(system.originatesFor(done)).toHaveLength(1);
    expect(done.attempts[0]).toMatchObject({ outcome, failedLeg: 'customer' });
  });
});

describe('cancelling a callback', () => {
  it('hangs up a call that is still ringing and records it as cancelled', async () => {
    const job = await system.requestCallback({ customer: CUSTOMERS.answers, operator: { extension: '109' }, direction: 'operator-first' });
    await system.waitForJob(job.id, (j) => j.attempts.some((a) => a.originatedAt !== null), 'the Originate');
    const res = await system.api(`/jobs/${job.id}`, { method: 'DELETE' });
    expect(res.status).toBe(202);
    const done = await system.waitForStatus(job.id, ['cancelled', 'failed', 'succeeded']);
    expect(done.status).toBe('cancelled');
    expect(done.attempts[0]!.outcome).toBe('cancelled');
    expect(system.sim.actions.some((a) => headerOf(a.headers, 'Action') === 'Hangup')).toBe(true);
  });

  it('cancels a job before it rings: no Originate is ever sent', async () => {
    await system.relay?.kill('SIGTERM');
    const job = await system.requestCallback({ customer: CUSTOMERS.answers, operator: { extension: OPERATOR } });
    const res = await system.api(`/jobs/${job.id}`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe('cancelled');
    await system.startRelay();
    const again = await system.job(job.id);
    expect(again.status).toBe('cancelled');
    expect(system.originatesFor(again)).toHaveLength(0);
  });
});
