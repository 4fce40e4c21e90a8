import { describe, expect, it } from 'vitest';
import type { CallbackPlan } from '../../../shared/relay-protocol.js';
import type { FollowedCall } from '../../../relay/ami/call-follower.js';
import { buildOriginateAction } from '../../../relay/ami/originate.js';
import { callbackChannelIds } from '../../../shared/channel-ids.js';
import { attemptResultOf, originateRequest } from '../../../relay/jobs/callback.js';

const plan: CallbackPlan = {
  kind: 'callback', direction: 'operator-first', customer: '+79991234567', operator: { extension: '101' },
  contexts: { operator: 'from-internal', customer: 'outbound', queue: 'ext-queues' },
  operatorCallerIdName: 'Callback', customerCallerId: { name: 'ACME', number: '+74950000000' }, ringTimeoutMs: 30_000, variables: { CRM_ID: '42' },
};

function call(over: Partial<FollowedCall> & { outcome: FollowedCall['outcome'] }): FollowedCall {
  return {
    channelId: 'pz-a', otherChannelId: 'pz-a-2', channel: 'Local/101@from-internal-00000001;1', reason: 4, hangup1: null, hangup2: null,
    dialStatus: null, destHangups: [], complete: true, endedBy: 'hangup', secondLegDialled: false,
    timestamps: { originatedAt: 1000, answeredAt: 2000, dialAnsweredAt: null, endedAt: 9000 },
    ...over,
  };
}

describe('callback plan → Originate', () => {
  it('rings the operator first, showing the customer, and sends the customer leg to the outbound context', () => {
    const headers = Object.fromEntries(buildOriginateAction(originateRequest(plan, callbackChannelIds('att_x'))));
    expect(headers).toMatchObject({ Channel: 'Local/101@from-internal', Context: 'outbound', Exten: '+79991234567', Priority: '1', CallerID: '"Callback" <+79991234567>', ChannelId: 'pz-att_x', OtherChannelId: 'pz-att_x-2', Async: 'true', Timeout: '30000' });
  });

  it('rings a queue through the queue context', () => {
    const headers = Object.fromEntries(buildOriginateAction(originateRequest({ ...plan, operator: { queue: 'support' } }, callbackChannelIds('att_x'))));
    expect(headers.Channel).toBe('Local/support@ext-queues');
  });

  it('rings the customer first with the company caller ID in customer-first', () => {
    const headers = Object.fromEntries(buildOriginateAction(originateRequest({ ...plan, direction: 'customer-first' }, callbackChannelIds('att_x'))));
    expect(headers).toMatchObject({ Channel: 'Local/+79991234567@outbound', Context: 'from-internal', Exten: '101', CallerID: '"ACME" <+74950000000>' });
  });

  it('refuses a plan with CR/LF before anything is built, whatever the Worker let through', () => {
    const hostile = { ...plan, customer: '101\r\nAction: Command\r\nCommand: core restart now' };
    expect(() => buildOriginateAction(originateRequest(hostile, callbackChannelIds('att_x')))).toThrow(expect.objectContaining({ code: 'AMI_INVALID_VALUE' }));
  });
});

describe('callback attempt result', () => {
  it('is answered only when the customer leg was answered (operator-first)', () => {
    const r = attemptResultOf(plan, call({ outcome: { outcome: 'answered', cause: 16, causeText: 'Normal Clearing', basis: 'dial-status' }, timestamps: { originatedAt: 1000, answeredAt: 2000, dialAnsweredAt: 3000, endedAt: 9000 } }), false);
    expect(r).toMatchObject({ outcome: 'answered', answeredAt: 3000, durationMs: 6000, failedLeg: null });
  });

  it('does not take the operator picking up (Reason 4) for a connected customer', () => {
    const r = attemptResultOf(plan, call({ outcome: { outcome: 'answered', cause: 19, causeText: 'User alerting, no answer', basis: 'reason' } }), false);
    expect(r).toMatchObject({ outcome: 'no-answer', failedLeg: 'customer', answeredAt: null, durationMs: null });
  });

  it('blames the operator leg when the operator never answered', () => {
    const r = attemptResultOf(plan, call({ reason: 3, timestamps: { originatedAt: 1000, answeredAt: null, dialAnsweredAt: null, endedAt: 9000 }, outcome: { outcome: 'no-answer', cause: 19, causeText: 'x', basis: 'reason' } }), false);
    expect(r).toMatchObject({ outcome: 'no-answer', failedLeg: 'operator' });
  });

  it('says cancelled when we hung up a call that had not connected', () => {
    const r = attemptResultOf(plan, call({ reason: 0, timestamps: { originatedAt: 1000, answeredAt: null, dialAnsweredAt: null, endedAt: 9000 }, outcome: { outcome: 'failed', cause: 16, causeText: 'x', basis: 'cause' } }), true);
    expect(r).toMatchObject({ outcome: 'cancelled', failedLeg: null });
  });

  it('names the operator as the leg that gave up when they hang up while the customer rings (operator-first)', () => {
    const r = attemptResultOf(plan, call({ secondLegDialled: true, outcome: { outcome: 'abandoned', cause: 16, causeText: 'Normal Clearing', basis: 'dial-status' } }), false);
    expect(r).toMatchObject({ outcome: 'abandoned', failedLeg: 'operator', answeredAt: null, durationMs: null });
  });

  it('names the customer as the leg that gave up when they hang up while the operator rings (customer-first)', () => {
    const r = attemptResultOf({ ...plan, direction: 'customer-first' }, call({ secondLegDialled: true, outcome: { outcome: 'abandoned', cause: 16, causeText: 'Normal Clearing', basis: 'dial-status' } }), false);
    expect(r).toMatchObject({ outcome: 'abandoned', failedLeg: 'customer', answeredAt: null });
  });

  it('times a customer-first conversation from the operator answering, not from the customer', () => {
    const r = attemptResultOf({ ...plan, direction: 'customer-first' }, call({
      secondLegDialled: true, outcome: { outcome: 'answered', cause: 16, causeText: 'Normal Clearing', basis: 'dial-status' },
      timestamps: { originatedAt: 1000, answeredAt: 2000, dialAnsweredAt: 5000, endedAt: 9000 },
    }), false);
    expect(r).toMatchObject({ outcome: 'answered', answeredAt: 5000, durationMs: 4000 });
  });

  it('never counts a call whose end was lost as answered unless both parties were seen up', () => {
    for (const direction of ['operator-first', 'customer-first'] as const) {
      const r = attemptResultOf({ ...plan, direction }, call({
        secondLegDialled: true, complete: false, endedBy: 'lost', outcome: { outcome: 'answered', cause: null, causeText: null, basis: 'reason' },
      }), false);
      expect(r.outcome).not.toBe('answered');
      expect(r).toMatchObject({ certainty: 'unknown', answeredAt: null, durationMs: null });
    }
  });

  it('reports a second leg that rang out the ring timeout as no-answer on that leg', () => {
    const r = attemptResultOf(plan, call({ secondLegDialled: true, outcome: { outcome: 'no-answer', cause: 19, causeText: 'No user responding', basis: 'ring-timeout' } }), false);
    expect(r).toMatchObject({ outcome: 'no-answer', cause: 19, failedLeg: 'customer' });
  });
});
