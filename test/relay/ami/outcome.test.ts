import { describe, expect, it } from 'vitest';
import { callOutcome } from '../../../relay/ami/outcome.js';
import type { CallOutcomeKind, OutcomeSignals } from '../../../relay/ami/outcome.js';
import { applyCallEvent, callPhase, newCallTrack, outcomeSignals } from '../../../relay/ami/call-track.js';
import { capturesAvailable, receivedMessages, sentHeader } from './captures.js';

const h = (cause: number, causeText = `cause ${cause}`) => ({ cause, causeText });

describe('the real Asterisk captures', () => {
  it('are part of the repository (test/fixtures/ami-captures), so the replay tests below run', () => {
    expect(capturesAvailable).toBe(true);
  });
});

describe('callOutcome', () => {
  const table: Array<[string, OutcomeSignals, CallOutcomeKind, number | null]> = [
    ['Reason 4, nothing else: answered', { reason: 4, hangup1: h(16), hangup2: h(16) }, 'answered', 16],
    ['Reason 5: busy, cause from ;2 because ;1 says 0', { reason: 5, hangup1: h(0), hangup2: h(17) }, 'busy', 17],
    ['Reason 8: congestion, cause from ;2', { reason: 8, hangup1: h(0), hangup2: h(34) }, 'congestion', 34],
    ['Reason 3: no-answer', { reason: 3, hangup1: h(19), hangup2: h(19) }, 'no-answer', 19],
    ['Reason 0 + cause 17: busy', { reason: 0, hangup1: h(17), hangup2: h(17) }, 'busy', 17],
    ['Reason 0 + cause 34: congestion', { reason: 0, hangup1: h(34), hangup2: h(34) }, 'congestion', 34],
    ['Reason 0 + cause 1: failed', { reason: 0, hangup1: h(1), hangup2: h(1) }, 'failed', 1],
    ['Reason 0 + cause 21: failed', { reason: 0, hangup1: h(21), hangup2: h(21) }, 'failed', 21],
    ['Reason 0 + cause 16 without a dial status: failed, not guessed', { reason: 0, hangup1: h(16), hangup2: h(16) }, 'failed', 16],
    ['Reason 0, no channel at all (duplicate ChannelId)', { reason: 0, hangup1: null, hangup2: null }, 'failed', null],
    ['behind Dial()+Hangup(): DialStatus BUSY wins over cause 16', { reason: 0, hangup1: h(16), hangup2: h(16), dialStatus: 'BUSY', destHangups: [h(0), h(17)] }, 'busy', 17],
    ['operator answered, customer busy', { reason: 4, hangup1: h(16), hangup2: h(16), dialStatus: 'BUSY', destHangups: [h(17)] }, 'busy', 17],
    ['operator answered, customer did not answer', { reason: 4, hangup1: h(16), hangup2: h(16), dialStatus: 'NOANSWER', destHangups: [h(19)] }, 'no-answer', 19],
    ['operator answered, customer unreachable', { reason: 4, hangup1: h(16), hangup2: h(16), dialStatus: 'CHANUNAVAIL', destHangups: [h(20)] }, 'failed', 20],
    ['operator answered, customer congested', { reason: 4, hangup1: h(16), hangup2: h(16), dialStatus: 'CONGESTION', destHangups: [h(34)] }, 'congestion', 34],
    ['operator answered, customer answered', { reason: 4, hangup1: h(16), hangup2: h(16), dialStatus: 'ANSWER', destHangups: [h(16)] }, 'answered', 16],
    ['operator hung up while the customer rang: abandoned, not cancelled', { reason: 4, hangup1: h(16), hangup2: h(16), dialStatus: 'CANCEL', dialLeg: 'second' }, 'abandoned', 16],
    ['customer-first, the customer hung up while the operator rang: abandoned', { reason: 4, hangup1: h(16), hangup2: h(16), dialStatus: 'CANCEL', dialLeg: 'second' }, 'abandoned', 16],
    ['a first leg dial cancelled without Reason 3 nor our hangup: failed, not guessed', { reason: 0, hangup1: h(0), hangup2: h(0), dialStatus: 'CANCEL', dialLeg: 'first' }, 'failed', 0],
    ['the relay ended a second leg that rang out the ring timeout: no-answer, cause 19', { reason: 4, hangup1: h(0), hangup2: h(16), dialStatus: 'CANCEL', dialLeg: 'second', ringTimedOut: true }, 'no-answer', 19],
    ['a second leg answered just as the ring timeout ran out: still answered', { reason: 4, hangup1: h(16), hangup2: h(16), dialStatus: 'ANSWER', dialLeg: 'second', ringTimedOut: true }, 'answered', 16],
    ['NOANSWER with a specific cause defers to the cause (03k)', { reason: 0, hangup1: h(1), hangup2: h(1), dialStatus: 'NOANSWER', destHangups: [h(1)] }, 'failed', 1],
    ['Reason 5 but DialStatus ANSWER: signals disagree', { reason: 5, hangup1: h(0), hangup2: h(17), dialStatus: 'ANSWER' }, 'failed', 17],
    ['Reason 5 but cause 34: signals disagree', { reason: 5, hangup1: h(0), hangup2: h(34) }, 'failed', 34],
    ['DialStatus BUSY but cause 34: signals disagree', { reason: 0, hangup1: h(16), hangup2: h(16), dialStatus: 'BUSY', destHangups: [h(34)] }, 'failed', 34],
    ['we hung up before answer: cancelled', { reason: 0, hangup1: h(16), hangup2: h(16), cancelRequested: true }, 'cancelled', 16],
    ['we hung up after answer: still answered', { reason: 4, hangup1: h(16), hangup2: h(16), cancelRequested: true }, 'answered', 16],
    ['we hung up after the customer was busy: still busy', { reason: 4, hangup1: h(16), hangup2: h(16), dialStatus: 'BUSY', destHangups: [h(17)], cancelRequested: true }, 'busy', 17],
    ['we hung up the operator while the customer rang: cancelled', { reason: 4, hangup1: h(16), hangup2: h(16), dialStatus: 'CANCEL', cancelRequested: true }, 'cancelled', 16],
  ];

  it.each(table)('%s', (_name, signals, outcome, cause) => {
    const result = callOutcome(signals);
    expect({ outcome: result.outcome, cause: result.cause }).toEqual({ outcome, cause });
  });

  it('reports a dial-status ANSWER against Reason 5 as a disagreement, not an answer', () => {
    const r = callOutcome({ reason: 5, hangup1: h(0), hangup2: h(17), dialStatus: 'ANSWER' });
    expect(r).toMatchObject({ outcome: 'failed', basis: 'disagreement' });
  });

  it('keeps the cause text of the hangup it chose', () => {
    const r = callOutcome({ reason: 5, hangup1: h(0, 'Unknown'), hangup2: h(17, 'User busy') });
    expect(r).toMatchObject({ outcome: 'busy', cause: 17, causeText: 'User busy', basis: 'reason' });
  });
});

describe('call tracking replayed from the real 03* captures', () => {
  const expected: Array<[stem: string, outcome: CallOutcomeKind, cause: number, reason: number]> = [
    ['02a-originate-async-app-confbridge', 'answered', 16, 4],
    ['03a-originate-busy', 'busy', 17, 5],
    ['03b-originate-congestion', 'congestion', 34, 8],
    ['03c-originate-noanswer-timeout5000', 'no-answer', 19, 3],
    ['03d-originate-hangup-cause1', 'failed', 1, 0],
    ['03e-originate-hangup-cause17', 'busy', 17, 0],
    ['03f-originate-hangup-cause21', 'failed', 21, 0],
    ['03g-originate-hangup-cause34', 'congestion', 34, 0],
    ['03h-originate-external-answered-via-dial', 'answered', 16, 4],
    ['03i-originate-busy-via-dial', 'busy', 17, 0],
    ['03j-originate-noanswer-via-dial-timeout5000', 'no-answer', 19, 3],
    ['03k-originate-unallocated-via-dial', 'failed', 1, 0],
    ['03l-originate-busy-via-dial-mapped', 'busy', 17, 5],
    ['03m-originate-congestion-via-dial-mapped', 'congestion', 34, 8],
  ];

  it.each(expected)('%s maps to %s (cause %i)', (stem, outcome, cause, reason) => {
    const channelId = sentHeader(stem, 'ChannelId');
    expect(channelId).toBeDefined();
    const track = newCallTrack(channelId ?? '', sentHeader(stem, 'OtherChannelId'));
    receivedMessages(stem).messages.forEach((m, i) => applyCallEvent(track, m, i));
    expect(callPhase(track)).toBe('settled');
    expect(track.originate?.reason).toBe(reason);
    const result = callOutcome(outcomeSignals(track));
    expect({ outcome: result.outcome, cause: result.cause }).toEqual({ outcome, cause });
  });

  it('sees the onward Dial() of the trunk route, not the Originate own dial (03i)', () => {
    const stem = '03i-originate-busy-via-dial';
    const track = newCallTrack(sentHeader(stem, 'ChannelId') ?? '');
    receivedMessages(stem).messages.forEach((m, i) => applyCallEvent(track, m, i));
    expect(track.firstLegDial?.status).toBe('BUSY');
    expect(track.secondLegDials).toHaveLength(0);
    expect(track.originateDialStatus).toBe('NOANSWER');
    expect(track.hangup1?.cause).toBe(16);
  });

  it('records when the originated leg answered, its route’s own Dial() being no second leg (03h)', () => {
    const stem = '03h-originate-external-answered-via-dial';
    const track = newCallTrack(sentHeader(stem, 'ChannelId') ?? '');
    receivedMessages(stem).messages.forEach((m, i) => applyCallEvent(track, m, 1000 + i));
    expect(track.answeredAt).not.toBeNull();
    expect(track.firstLegDial?.status).toBe('ANSWER');
    expect(track.dialAnsweredAt).toBeNull();
    expect(track.channel1).toMatch(/^Local\/89991234567@outbound-[0-9a-f]+;1$/);
  });
});
