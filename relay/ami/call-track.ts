// Pure bookkeeping of one originated call from the AMI events that concern it.
// Used by call-follower.ts (live) and by tests that replay the 03* captures through it.
// Invariants: an event belongs to the call only by Uniqueid (= our ChannelId / OtherChannelId,
// FACTS 4–5) or by being the destination of a Dial() that the call itself made — never by ActionID.
// The two legs are told apart by who dials: the `;2` half's Dial() is how the dialplan reaches the
// first leg's phone (from-internal → Dial(PJSIP/101), a trunk route); only a Dial() by the
// originated `;1`, after the first leg answered, is the second leg (the customer, operator-first).

import { header } from './wire.js';
import type { AmiMessage } from './wire.js';
import type { HangupInfo, OutcomeSignals } from './outcome.js';

export interface DialTrack {
  readonly destChannel: string;
  readonly destUniqueid: string | null;
  /** The destination and, for a Local destination `…;1`, its `…;2` sibling (where the far cause shows, 03i). */
  readonly destNames: ReadonlyArray<string>;
  readonly beganAt: number;
  status: string | null;
}

export interface CallTrack {
  readonly channelId: string;
  readonly otherChannelId: string;
  originate: { response: string; reason: number; channel: string | null } | null;
  /** Real channel name of `;1` (`Local/101@phones-00000000;1`), once seen. */
  channel1: string | null;
  seen1: boolean;
  seen2: boolean;
  hangup1: HangupInfo | null;
  hangup2: HangupInfo | null;
  /** DialStatus of the Originate's own dial of `;1` (DialEnd with only Dest* fields): informative only. */
  originateDialStatus: string | null;
  /** The latest Dial() made by `;2`: the dialplan reaching the first leg (its phone, or a trunk). */
  firstLegDial: DialTrack | null;
  /** The Dial()s made by `;1` after the first leg answered: the second leg (a ring group or queue rings several). */
  secondLegDials: DialTrack[];
  destHangups: Map<string, HangupInfo>;
  /** The first leg answered. */
  answeredAt: number | null;
  /** The second leg answered: from here on both parties are up. */
  dialAnsweredAt: number | null;
  /**
   * A channel listing after a reconnect showed `;1` in a bridge: the second leg answered while the
   * link was down. Its moment is unknown (dialAnsweredAt stays null), but nothing is waiting any more.
   */
  bridgedUnseen: boolean;
}

export function newCallTrack(channelId: string, otherChannelId?: string): CallTrack {
  return {
    channelId,
    otherChannelId: otherChannelId ?? `${channelId};2`,
    originate: null,
    channel1: null,
    seen1: false,
    seen2: false,
    hangup1: null,
    hangup2: null,
    originateDialStatus: null,
    firstLegDial: null,
    secondLegDials: [],
    destHangups: new Map(),
    answeredAt: null,
    dialAnsweredAt: null,
    bridgedUnseen: false,
  };
}

function hangupInfo(ev: AmiMessage): HangupInfo {
  const raw = header(ev, 'Cause') ?? '';
  return { cause: /^[0-9]{1,3}$/.test(raw) ? Number(raw) : 0, causeText: header(ev, 'Cause-txt') ?? 'Unknown' };
}

function localSibling(name: string): string | null {
  return name.endsWith(';1') ? `${name.slice(0, -2)};2` : null;
}

/** Applies one event (any event: unrelated ones are ignored); `at` is the arrival time in ms. */
export function applyCallEvent(track: CallTrack, ev: AmiMessage, at: number): void {
  const name = header(ev, 'Event')?.toLowerCase();
  const uid = header(ev, 'Uniqueid');
  const chan = header(ev, 'Channel') ?? null;
  const is1 = uid === track.channelId;
  const is2 = uid === track.otherChannelId;
  if (is1 && name !== 'originateresponse') {
    track.seen1 = true;
    if (chan && !track.channel1) track.channel1 = chan;
  }
  if (is2) track.seen2 = true;
  switch (name) {
    case 'originateresponse':
      if (is1) onOriginateResponse(track, ev, at);
      return;
    case 'newstate':
      // ChannelState 6 = Up: the originated leg answered (before OriginateResponse Reason 4 arrives).
      if (is1 && header(ev, 'ChannelState') === '6' && track.answeredAt === null) track.answeredAt = at;
      return;
    case 'dialbegin':
      return onDialBegin(track, ev, is1, is2, at);
    case 'dialend':
      return onDialEnd(track, ev, is1, is2, at);
    case 'hangup':
      return onHangup(track, ev, is1, is2, chan);
    default:
      return;
  }
}

function onOriginateResponse(track: CallTrack, ev: AmiMessage, at: number): void {
  const reasonRaw = header(ev, 'Reason') ?? '';
  const reason = /^[0-9]{1,2}$/.test(reasonRaw) ? Number(reasonRaw) : 0;
  const response = header(ev, 'Response') ?? 'Failure';
  // On Failure `Channel` is the requested dial string, not a channel (FACTS 4).
  const channel = response === 'Success' ? (header(ev, 'Channel') ?? null) : null;
  track.originate = { response, reason, channel };
  if (channel && !track.channel1) track.channel1 = channel;
  if (reason === 4 && track.answeredAt === null) track.answeredAt = at;
}

function dialTrackOf(ev: AmiMessage, dest: string, at: number): DialTrack {
  const sibling = localSibling(dest);
  return { destChannel: dest, destUniqueid: header(ev, 'DestUniqueid') ?? null, destNames: sibling ? [dest, sibling] : [dest], beganAt: at, status: null };
}

function onDialBegin(track: CallTrack, ev: AmiMessage, is1: boolean, is2: boolean, at: number): void {
  const dest = header(ev, 'DestChannel');
  // Neither half dialled: the Originate's own dial of `;1` (no caller fields, FACTS 11) or another call.
  if (!dest || (!is1 && !is2)) return;
  const dial = dialTrackOf(ev, dest, at);
  if (is2) track.firstLegDial = dial;
  else secondLegDialed(track, dial, at);
}

/**
 * `;1` runs dialplan only once its first leg is up, so its dial proves that answer too — which a
 * follower that started late (after a relay restart) may not have seen.
 */
function secondLegDialed(track: CallTrack, dial: DialTrack, at: number): DialTrack {
  if (track.answeredAt === null) track.answeredAt = at;
  track.secondLegDials.push(dial);
  return dial;
}

function onDialEnd(track: CallTrack, ev: AmiMessage, is1: boolean, is2: boolean, at: number): void {
  const status = header(ev, 'DialStatus') ?? null;
  const dest = header(ev, 'DestChannel');
  if (!is1 && !is2) {
    if (header(ev, 'DestUniqueid') === track.channelId) track.originateDialStatus = status;
    return;
  }
  if (!dest) return;
  const known = is2 ? track.firstLegDial : track.secondLegDials.find((d) => d.destChannel === dest);
  // A second-leg dial whose DialBegin came before we listened (a relay restart) still decides.
  const dial = known ?? (is1 ? secondLegDialed(track, dialTrackOf(ev, dest, at), at) : null);
  if (!dial || dial.destChannel !== dest) return;
  dial.status = status;
  if (is1 && status === 'ANSWER' && track.dialAnsweredAt === null) track.dialAnsweredAt = at;
}

function onHangup(track: CallTrack, ev: AmiMessage, is1: boolean, is2: boolean, chan: string | null): void {
  if (is1) track.hangup1 = hangupInfo(ev);
  else if (is2) track.hangup2 = hangupInfo(ev);
  else if (chan && allDials(track).some((d) => d.destNames.includes(chan))) track.destHangups.set(chan, hangupInfo(ev));
}

function allDials(track: CallTrack): DialTrack[] {
  return track.firstLegDial ? [track.firstLegDial, ...track.secondLegDials] : track.secondLegDials;
}

/**
 * What `;1`'s CoreShowChannel item (read after a re-login) tells about the events missed while the
 * link was down. Up = the first leg answered (`;1` runs dialplan only then): its moment is unknown,
 * so `at` (when we learnt it) stands for it — the second leg's bound then counts from here and
 * rings at most the outage longer, never cut short on a guess. In a bridge = the second leg answered.
 */
export function applyChannelListing(track: CallTrack, item: AmiMessage, at: number): void {
  const chan = header(item, 'Channel');
  if (chan && !track.channel1) track.channel1 = chan;
  if (header(item, 'ChannelState') !== '6') return;
  if ((header(item, 'BridgeId') ?? '') !== '') track.bridgedUnseen = true;
  if (track.answeredAt === null) track.answeredAt = at;
}

/** The second leg's dial that speaks for it: the answered one, else the last that ended, else the last one. */
export function secondLegDial(track: CallTrack): DialTrack | null {
  const dials = track.secondLegDials;
  return dials.find((d) => d.status === 'ANSWER') ?? dials.filter((d) => d.status !== null).at(-1) ?? dials.at(-1) ?? null;
}

/**
 * Since when the second leg has been waiting for an answer (the first onward DialBegin, else the
 * first leg's answer), or null when it is not waiting: not started, answered (seen, or found
 * bridged after a reconnect), or every dial ended.
 */
export function secondLegWaitingSince(track: CallTrack): number | null {
  if (track.answeredAt === null || track.dialAnsweredAt !== null || track.bridgedUnseen || track.hangup1 !== null) return null;
  const dials = track.secondLegDials;
  if (dials.length > 0 && dials.every((d) => d.status !== null)) return null;
  return dials[0]?.beganAt ?? track.answeredAt;
}

/**
 * 'settled': everything we expect has hung up and the OriginateResponse is in. 'settling': the call
 * is over but a late signal may still come (a Local destination's `;2` hangs up last in 03i;
 * OriginateResponse comes after all Hangups in 03j; a Failure creates no channel at all for a
 * duplicate ChannelId, capture 04). 'open': the call is still alive.
 */
export function callPhase(track: CallTrack): 'open' | 'settling' | 'settled' {
  const coreDone = track.hangup1 !== null && (!track.seen2 || track.hangup2 !== null);
  const failedWithoutChannel = track.originate?.response === 'Failure' && !track.seen1;
  if (!coreDone) return failedWithoutChannel ? 'settling' : 'open';
  const destDone = allDials(track).every((d) => d.destNames.every((n) => track.destHangups.has(n)));
  return destDone && track.originate !== null ? 'settled' : 'settling';
}

export function outcomeSignals(track: CallTrack, requested: Pick<OutcomeSignals, 'cancelRequested' | 'ringTimedOut'> = {}): OutcomeSignals {
  const second = secondLegDial(track);
  // The second leg decides once it was dialled; before that the first leg's own dial tells its fate.
  const deciding = second ?? track.firstLegDial;
  return {
    reason: track.originate?.reason ?? null,
    hangup1: track.hangup1,
    hangup2: track.hangup2,
    dialStatus: deciding?.status ?? null,
    dialLeg: second ? 'second' : track.firstLegDial ? 'first' : null,
    destHangups: deciding ? deciding.destNames.flatMap((n) => track.destHangups.get(n) ?? []) : [],
    ...requested,
  };
}
