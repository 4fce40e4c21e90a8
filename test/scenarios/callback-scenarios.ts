// Callback jobs as a specification written once and run on any PBX behind a PbxDriver: the real
// Asterisk of the lane (test/pbx/callbacks.test.ts) and the simulator (test/e2e/callback-scenarios.test.ts).
// The assertions are on the API's job and on what the PBX did (the AMI observer): who was rung, how often.
import { describe, expect, it } from 'vitest';
import { LANE_NUMBERS as N } from '../../testkit/pbx-driver.js';
import type { LaneWorld } from '../../testkit/pbx-world.js';
import { useWorld } from './lane-helpers.js';
import type { JobView } from '../../shared/jobs.js';
import { callbackChannelIds } from '../../shared/channel-ids.js';

export function callbackScenarios(start: () => Promise<LaneWorld>): void {
  const world = useWorld(start);

  const request = (body: Record<string, unknown>) => world().system.requestCallback(body);
  const final = (id: string) => world().system.waitForStatus(id, ['succeeded', 'failed', 'cancelled'], 40_000);
  /** Calls of this job's attempts that rang `number` (scenarios run concurrently and share numbers). */
  const rings = (job: JobView, number: string) => {
    const ids = new Set(job.attempts.map((a) => callbackChannelIds(a.id).channelId));
    return world().driver.observer.rings(number).filter((e) => ids.has(e.get('Linkedid') ?? '')).length;
  };

  describe.concurrent('callback job, operator-first', () => {
    it('rings the operator, then the customer, once each, and reports the answered call', async () => {
      const job = await request({ customer: N.customerShortCall, operator: { extension: N.operator }, direction: 'operator-first' });
      const done = await final(job.id);
      expect(done.status).toBe('succeeded');
      expect(done.attempts).toHaveLength(1);
      expect(done.attempts[0]).toMatchObject({ status: 'ended', outcome: 'answered', failedLeg: null });
      expect(done.attempts[0]?.durationMs).toBeGreaterThan(0);
      expect(rings(done, N.operator)).toBe(1);
      expect(rings(done, N.customerShortCall)).toBe(1);
    });

    it.each([
      ['busy', N.customerBusy, 'busy', 17],
      ['congestion', N.customerCongested, 'congestion', 34],
      ['an unallocated number', N.customerUnallocated, 'failed', 1],
    ])('reports %s on the customer leg, having rung the customer exactly once', async (_name, customer, outcome, cause) => {
      const job = await request({ customer, operator: { extension: N.operator2 }, direction: 'operator-first' });
      const done = await final(job.id);
      expect(done.status).toBe('failed');
      expect(done.attempts[0]).toMatchObject({ outcome, cause, failedLeg: 'customer' });
      expect(rings(done, customer)).toBe(1);
    });

    it('reports an operator who does not answer as no-answer on the operator leg, and never rings the customer', async () => {
      const job = await request({ customer: N.customerShortCall, operator: { extension: N.operatorNoAnswer }, direction: 'operator-first' });
      const done = await final(job.id);
      expect(done.attempts[0]).toMatchObject({ outcome: 'no-answer', failedLeg: 'operator' });
      expect(rings(done, N.operatorNoAnswer)).toBe(1);
      expect(rings(done, N.customerShortCall)).toBe(0);
    });
  });

  describe.concurrent('callback job, customer-first', () => {
    it('rings the customer first, then the operator, once each, and reports the answered call', async () => {
      const job = await request({ customer: N.customerShortCall, operator: { extension: N.operator3 }, direction: 'customer-first' });
      const done = await final(job.id);
      expect(done.status).toBe('succeeded');
      expect(done.attempts[0]).toMatchObject({ outcome: 'answered', failedLeg: null });
      expect(rings(done, N.customerShortCall)).toBe(1);
      expect(rings(done, N.operator3)).toBe(1);
    });

    it.each([
      ['busy', N.customerBusy, 'busy'],
      ['congestion', N.customerCongested, 'congestion'],
      ['no answer', N.customerRingsForever, 'no-answer'],
      ['an unallocated number', N.customerUnallocated, 'failed'],
    ])('reports %s on the customer leg and never rings the operator', async (_name, customer, outcome) => {
      const operator = N.operator;
      const job = await request({ customer, operator: { extension: operator }, direction: 'customer-first' });
      const done = await final(job.id);
      expect(done.status).toBe('failed');
      expect(done.attempts[0]).toMatchObject({ outcome, failedLeg: 'customer' });
      expect(rings(done, operator)).toBe(0);
    });
  });

  describe.concurrent('cancelling and retrying a callback', () => {
    it('hangs up an operator who is still ringing when the job is cancelled, and never rings the customer', async () => {
      const job = await request({ customer: N.customerStays, operator: { extension: N.operatorNoAnswer }, direction: 'operator-first' });
      const attemptId = (await world().system.waitForJob(job.id, (j) => j.attempts.some((a) => a.originatedAt !== null), 'the Originate', 20_000)).attempts[0]?.id;
      await world().driver.observer.waitFor('Newchannel', (e) => e.get('Uniqueid') === callbackChannelIds(attemptId ?? '').channelId, 'the operator leg on the PBX');
      const res = await world().system.api(`/jobs/${job.id}`, { method: 'DELETE' });
      expect(res.status).toBe(202);
      const done = await final(job.id);
      expect(done.status).toBe('cancelled');
      expect(done.attempts[0]?.outcome).toBe('cancelled');
      await world().driver.observer.waitFor('Hangup', (e) => e.get('Uniqueid') === callbackChannelIds(attemptId ?? '').channelId, 'the operator leg to be hung up');
      expect(rings(done, N.customerStays)).toBe(0);
    });

    it('calls a busy customer again after the backoff, under a new attempt, ringing them once per attempt', async () => {
      const job = await request({
        customer: N.customerBusy, operator: { extension: N.operator }, direction: 'operator-first',
        retry: { maxAttempts: 2, backoffSec: [1], retryOn: ['busy'] },
      });
      const done = await final(job.id);
      expect(done.status).toBe('failed');
      expect(done.attempts.map((a) => a.outcome)).toEqual(['busy', 'busy']);
      expect(rings(done, N.operator)).toBe(2);
      expect(rings(done, N.customerBusy)).toBe(2);
    });
  });
}
