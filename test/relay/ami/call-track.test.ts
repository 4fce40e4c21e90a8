// The legs of an operator-first callback as a real PBX reports them (Asterisk 22.10.1, from-internal
// reaching the phone through Dial()): three DialBegin/DialEnd pairs — the Originate's own, the `;2`
// half's Dial() to the operator's phone, and the `;1` half's Dial() to the customer.
import { describe, expect, it } from 'vitest';
import { applyCallEvent, applyChannelListing, newCallTrack, outcomeSignals, secondLegWaitingSince, type CallTrack } from '../../../relay/ami/call-track.js';
import { callOutcome } from '../../../relay/ami/outcome.js';
import type { AmiMessage } from '../../../relay/ami/wire.js';

const ONE = 'pz-att';
const TWO = 'pz-att-2';
const CH1 = 'Local/101@from-internal-00000001;1';
const CH2 = 'Local/101@from-internal-00000001;2';
const PHONE = 'Local/101@phones-00000002;1';
const CUSTOMER = 'Local/+79990000001@phones-00000003;1';

const msg = (fields: Record<string, string>): AmiMessage => ({ headers: Object.entries(fields) });
const dialBegin = (uid: string, chan: string, dest: string) => msg({ Event: 'DialBegin', Channel: chan, Uniqueid: uid, DestChannel: dest, DestUniqueid: `${dest}-uid` });
const dialEnd = (uid: string, chan: string, dest: string, status: string) => msg({ Event: 'DialEnd', Channel: chan, Uniqueid: uid, DestChannel: dest, DestUniqueid: `${dest}-uid`, DialStatus: status });

/** Up to the customer ringing: the operator answered at t=2000, the customer's dial began at t=2100. */
function customerRinging(): CallTrack {
  const track = newCallTrack(ONE, TWO);
  const events: Array<[number, AmiMessage]> = [
    [1000, msg({ Event: 'DialBegin', DestChannel: CH1, DestUniqueid: ONE })],
    [1001, dialBegin(TWO, CH2, PHONE)],
    [2000, dialEnd(TWO, CH2, PHONE, 'ANSWER')],
    [2000, msg({ Event: 'Newstate', Channel: CH1, Uniqueid: ONE, ChannelState: '6' })],
    [2001, msg({ Event: 'DialEnd', DestChannel: CH1, DestUniqueid: ONE, DialStatus: 'ANSWER' })],
    [2002, msg({ Event: 'OriginateResponse', Response: 'Success', Channel: CH1, Uniqueid: ONE, Reason: '4' })],
    [2100, dialBegin(ONE, CH1, CUSTOMER)],
  ];
  for (const [at, ev] of events) applyCallEvent(track, ev, at);
  return track;
}

describe('call tracking of an operator-first callback through from-internal', () => {
  it('does not take the operator phone answering its own Dial() for the customer answering', () => {
    const track = customerRinging();
    expect(track.answeredAt).toBe(2000);
    expect(track.dialAnsweredAt).toBeNull();
    expect(track.firstLegDial?.status).toBe('ANSWER');
    expect(track.secondLegDials.map((d) => d.destChannel)).toEqual([CUSTOMER]);
  });

  it('starts the conversation when the customer answers the `;1` half’s Dial()', () => {
    const track = customerRinging();
    applyCallEvent(track, dialEnd(ONE, CH1, CUSTOMER, 'ANSWER'), 6000);
    expect(track.dialAnsweredAt).toBe(6000);
    expect(callOutcome(outcomeSignals(track)).outcome).toBe('answered');
  });

  it('reads an operator hanging up while the customer rings as abandoned, not cancelled', () => {
    const track = customerRinging();
    applyCallEvent(track, dialEnd(ONE, CH1, CUSTOMER, 'CANCEL'), 5000);
    for (const [uid, chan] of [[ONE, CH1], [TWO, CH2]] as const) applyCallEvent(track, msg({ Event: 'Hangup', Channel: chan, Uniqueid: uid, Cause: '16' }), 5001);
    expect(callOutcome(outcomeSignals(track)).outcome).toBe('abandoned');
  });

  it('an unobserved end with the customer still ringing is no answer', () => {
    const track = customerRinging();
    expect(callOutcome(outcomeSignals(track)).outcome).not.toBe('answered');
  });

  it('says the second leg waits from its DialBegin, and no longer once it is answered', () => {
    const track = customerRinging();
    expect(secondLegWaitingSince(track)).toBe(2100);
    applyCallEvent(track, dialEnd(ONE, CH1, CUSTOMER, 'ANSWER'), 6000);
    expect(secondLegWaitingSince(track)).toBeNull();
  });

  it('counts the wait from the first leg’s answer while no onward dial has begun', () => {
    const track = newCallTrack(ONE, TWO);
    applyCallEvent(track, msg({ Event: 'Newstate', Channel: CH1, Uniqueid: ONE, ChannelState: '6' }), 2000);
    expect(secondLegWaitingSince(track)).toBe(2000);
  });

  it('keeps a ring group’s answer when another member’s dial is cancelled after it', () => {
    const track = customerRinging();
    const other = 'Local/102@phones-00000004;1';
    applyCallEvent(track, dialBegin(ONE, CH1, other), 2101);
    applyCallEvent(track, dialEnd(ONE, CH1, CUSTOMER, 'ANSWER'), 4000);
    applyCallEvent(track, dialEnd(ONE, CH1, other, 'CANCEL'), 4001);
    expect(track.dialAnsweredAt).toBe(4000);
    expect(callOutcome(outcomeSignals(track)).outcome).toBe('answered');
  });

  it('still recognises the customer answering when it started following after the customer’s dial began (a relay restart)', () => {
    const track = newCallTrack(ONE, TWO);
    applyCallEvent(track, dialEnd(ONE, CH1, CUSTOMER, 'ANSWER'), 6000);
    expect(track.dialAnsweredAt).toBe(6000);
    expect(track.answeredAt).not.toBeNull();
  });

  it('takes the `;1` half dialling as proof that the first leg answered, even when that answer was missed', () => {
    const track = newCallTrack(ONE, TWO);
    applyCallEvent(track, dialBegin(ONE, CH1, CUSTOMER), 2100);
    expect(track.answeredAt).toBe(2100);
    expect(secondLegWaitingSince(track)).toBe(2100);
  });

  describe('after a reconnect, from `;1`’s channel listing (the events of the outage are gone)', () => {
    const listed = (state: string, bridgeId: string) => msg({ Event: 'CoreShowChannel', Channel: CH1, ChannelState: state, Uniqueid: ONE, Application: 'Dial', BridgeId: bridgeId });

    it('takes `;1` up and unbridged as the second leg waiting since the listing was read', () => {
      const track = newCallTrack(ONE, TWO);
      applyChannelListing(track, listed('6', ''), 9000);
      expect(track.channel1).toBe(CH1);
      expect(secondLegWaitingSince(track)).toBe(9000);
    });

    it('keeps the wait counted from a DialBegin seen before the outage', () => {
      const track = customerRinging();
      applyChannelListing(track, listed('6', ''), 9000);
      expect(secondLegWaitingSince(track)).toBe(2100);
    });

    it('takes `;1` in a bridge as the second leg answered: nothing waits, so no ring timeout hangs up the conversation', () => {
      const track = customerRinging();
      applyChannelListing(track, listed('6', 'ad597e08-b3fa-4d4b-8c13-a96665302b39'), 9000);
      expect(secondLegWaitingSince(track)).toBeNull();
    });

    it('learns nothing from `;1` still ringing its first leg', () => {
      const track = newCallTrack(ONE, TWO);
      applyChannelListing(track, listed('5', ''), 9000);
      expect(track.answeredAt).toBeNull();
      expect(secondLegWaitingSince(track)).toBeNull();
    });
  });
});
