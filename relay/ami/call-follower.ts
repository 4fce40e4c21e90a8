// Follows one originated call by its Uniqueid (our ChannelId) to its end, across reconnects.
// Used by originate.ts (`originateAndFollow`) and the job runners to learn the callback's outcome.
// Invariants: subscribed on the AmiConnection (not the socket), so it survives a reconnect; after
// each re-login it re-checks the call with CoreShowChannels and ends as `lost` (complete: false)
// instead of waiting forever for Hangup events that were sent while we were away. With
// `secondLegRingMs` it bounds the second leg itself: the Originate's Timeout bounds only the first,
// and the dialplan lets the second ring as long as its route says (60 s and more on real PBXes).

import type { Logger } from 'pino';
import type { AmiConnection } from './connection.js';
import { sendList } from './event-list.js';
import { header } from './wire.js';
import type { AmiMessage } from './wire.js';
import { applyCallEvent, applyChannelListing, callPhase, newCallTrack, outcomeSignals, secondLegWaitingSince } from './call-track.js';
import type { CallTrack } from './call-track.js';
import { callOutcome } from './outcome.js';
import type { CallOutcome, HangupInfo } from './outcome.js';

export interface FollowOptions {
  /** How long to wait for late signals once the call is over (a Local `;2`, OriginateResponse), ms. Default 1000. */
  settleMs?: number;
  /** Give up following after this long, ms. Default 4 h. */
  maxMs?: number;
  /**
   * How long the second leg (the `;1`'s onward Dial() once the first leg answered) may go unanswered,
   * ms, counted from its first DialBegin, else from the first leg's answer. When it runs out the
   * call is hung up and ends `no-answer` (cause 19). Default: unbounded (the dialplan decides).
   */
  secondLegRingMs?: number;
  /** Clock in epoch ms. Default Date.now. */
  now?: () => number;
  logger?: Logger;
}

export type FollowEnd = 'hangup' | 'settle-timeout' | 'lost' | 'max-duration' | 'stopped';

export interface FollowedCall {
  readonly channelId: string;
  readonly otherChannelId: string;
  /** Real `;1` channel name, once seen. */
  readonly channel: string | null;
  readonly reason: number | null;
  readonly hangup1: HangupInfo | null;
  readonly hangup2: HangupInfo | null;
  readonly dialStatus: string | null;
  readonly destHangups: ReadonlyArray<HangupInfo>;
  readonly outcome: CallOutcome;
  /** Whether the originated `;1` dialled a second leg after the first answered. */
  readonly secondLegDialled: boolean;
  /** Epoch ms. answeredAt: the first leg; dialAnsweredAt: the second leg (both parties up from then). */
  readonly timestamps: {
    readonly originatedAt: number;
    readonly answeredAt: number | null;
    readonly dialAnsweredAt: number | null;
    readonly endedAt: number;
  };
  /** False when the end was not observed (lost across a reconnect, max duration, stopped). */
  readonly complete: boolean;
  readonly endedBy: FollowEnd;
}

export class CallFollower {
  readonly ended: Promise<FollowedCall>;
  private readonly track: CallTrack;
  private readonly now: () => number;
  private readonly originatedAt: number;
  private readonly settleMs: number;
  private resolveEnded: (call: FollowedCall) => void = () => {};
  private rejectEnded: (err: Error) => void = () => {};
  private done = false;
  private cancelRequested = false;
  private ringTimedOut = false;
  private settleTimer: NodeJS.Timeout | null = null;
  private ringTimer: { from: number; timer: NodeJS.Timeout } | null = null;
  private readonly maxTimer: NodeJS.Timeout;
  private readonly onEvent = (ev: AmiMessage): void => this.handle(ev);
  private readonly onReady = (): void => void this.reconcile();

  constructor(
    private readonly conn: AmiConnection,
    ids: { channelId: string; otherChannelId?: string | undefined },
    private readonly options: FollowOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.originatedAt = this.now();
    this.settleMs = options.settleMs ?? 1_000;
    this.track = newCallTrack(ids.channelId, ids.otherChannelId);
    this.ended = new Promise<FollowedCall>((resolve, reject) => {
      this.resolveEnded = resolve;
      this.rejectEnded = reject;
    });
    this.ended.catch(() => undefined); // a caller that only awaits the OriginateResponse is not forced to handle this
    conn.on('event', this.onEvent);
    conn.on('ready', this.onReady);
    this.maxTimer = setTimeout(() => this.finish('max-duration'), options.maxMs ?? 4 * 3600_000);
  }

  /** What is known so far (read-only view for progress reporting). */
  get state(): Readonly<CallTrack> {
    return this.track;
  }

  /** Hangs the call up (AMI `Hangup` of `;1`); an unanswered call then ends as 'cancelled'. */
  async hangup(cause = 16): Promise<void> {
    this.cancelRequested = true;
    const channel = this.track.channel1;
    if (!channel) return; // nothing created yet; the outcome will say cancelled
    await this.conn.send({ Action: 'Hangup', Channel: channel, Cause: cause });
  }

  /** Hangs `;1` up once the outcome is already decided (releases the first leg); not a cancel. */
  async release(cause = 16): Promise<void> {
    const channel = this.track.channel1;
    if (!channel || this.done) return;
    await this.conn.send({ Action: 'Hangup', Channel: channel, Cause: cause });
  }

  /** Stops following without an observed end. */
  stop(): void {
    this.finish('stopped');
  }

  /** Ends `ended` with an error (the Originate never reached the PBX). */
  fail(err: Error): void {
    if (this.done) return;
    this.cleanup();
    this.rejectEnded(err);
  }

  private handle(ev: AmiMessage): void {
    if (this.done) return;
    applyCallEvent(this.track, ev, this.now());
    this.boundSecondLeg();
    const phase = callPhase(this.track);
    if (phase === 'settled') this.finish('hangup');
    else if (phase === 'open' && this.settleTimer) {
      clearTimeout(this.settleTimer); // a channel showed up after all
      this.settleTimer = null;
    } else if (phase === 'settling' && !this.settleTimer) {
      this.settleTimer = setTimeout(() => this.finish('settle-timeout'), this.settleMs);
    }
  }

  /** (Re)arms the second leg's ring timer from the moment it started waiting; clears it once it need not wait. */
  private boundSecondLeg(): void {
    const limit = this.options.secondLegRingMs;
    if (limit === undefined || this.ringTimedOut) return;
    const since = secondLegWaitingSince(this.track);
    if (since === this.ringTimer?.from) return;
    if (this.ringTimer) clearTimeout(this.ringTimer.timer);
    this.ringTimer = null;
    if (since === null) return;
    const timer = setTimeout(() => void this.secondLegRangOut(), Math.max(0, since + limit - this.now()));
    this.ringTimer = { from: since, timer };
  }

  private async secondLegRangOut(): Promise<void> {
    this.ringTimer = null;
    if (this.done || secondLegWaitingSince(this.track) === null) return;
    this.ringTimedOut = true;
    this.options.logger?.info({ channelId: this.track.channelId }, 'the second leg rang out the ring timeout; ending the call');
    await this.hangUpRangOut();
  }

  /** Hanging up `;1` ends its Dial() and the first leg with it: nobody is left listening to ringing. */
  private async hangUpRangOut(): Promise<void> {
    const channel = this.track.channel1;
    if (!channel) return;
    await this.conn.send({ Action: 'Hangup', Channel: channel, Cause: 19 }).catch((err: unknown) => {
      this.options.logger?.warn({ channelId: this.track.channelId, code: codeOf(err) }, 'hangup after the ring timeout failed; the next login sends it again');
    });
  }

  /**
   * Is `;1` still up? Runs after every re-login (events sent while we were away are gone for good),
   * and is called directly when following a call found in the journal after a relay restart.
   */
  async reconcile(): Promise<void> {
    if (this.done) return;
    try {
      const list = await sendList(this.conn, { Action: 'CoreShowChannels' });
      if (this.done) return;
      const item = list.items.find((i) => header(i, 'Uniqueid') === this.track.channelId);
      this.options.logger?.info({ channelId: this.track.channelId, alive: item !== undefined }, 'ami call reconciled after reconnect');
      if (!item) {
        if (this.track.hangup1 === null) this.finish('lost');
        return;
      }
      // The first leg's answer and the second leg's DialBegin may have happened while we were away:
      // without them the second leg would ring as long as the dialplan likes.
      applyChannelListing(this.track, item, this.now());
      this.boundSecondLeg();
      // A ring-timeout Hangup sent into a dead link is lost: the call is still up, so send it again.
      if (this.ringTimedOut && secondLegWaitingSince(this.track) !== null) await this.hangUpRangOut();
    } catch (err) {
      // The next 'ready' tries again; the max duration bounds the wait.
      this.options.logger?.warn({ channelId: this.track.channelId, code: codeOf(err) }, 'ami call reconcile failed');
    }
  }

  private finish(endedBy: FollowEnd): void {
    if (this.done) return;
    this.cleanup();
    const t = this.track;
    const signals = outcomeSignals(t, { cancelRequested: this.cancelRequested, ringTimedOut: this.ringTimedOut });
    const outcome = callOutcome(signals);
    this.options.logger?.info(
      { channelId: t.channelId, outcome: outcome.outcome, cause: outcome.cause, reason: signals.reason, endedBy },
      'ami call ended',
    );
    this.resolveEnded({
      channelId: t.channelId,
      otherChannelId: t.otherChannelId,
      channel: t.channel1,
      reason: signals.reason,
      hangup1: t.hangup1,
      hangup2: t.hangup2,
      dialStatus: signals.dialStatus ?? null,
      destHangups: signals.destHangups ?? [],
      outcome,
      secondLegDialled: t.secondLegDials.length > 0,
      timestamps: { originatedAt: this.originatedAt, answeredAt: t.answeredAt, dialAnsweredAt: t.dialAnsweredAt, endedAt: this.now() },
      complete: endedBy === 'hangup' || endedBy === 'settle-timeout',
      endedBy,
    });
  }

  private cleanup(): void {
    this.done = true;
    if (this.settleTimer) clearTimeout(this.settleTimer);
    if (this.ringTimer) clearTimeout(this.ringTimer.timer);
    clearTimeout(this.maxTimer);
    this.conn.off('event', this.onEvent);
    this.conn.off('ready', this.onReady);
  }
}

function codeOf(err: unknown): string {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : 'unknown';
}

/** Starts following a call that is about to be (or was) originated with this ChannelId. */
export function followCall(
  conn: AmiConnection,
  ids: { channelId: string; otherChannelId?: string },
  options: FollowOptions = {},
): CallFollower {
  return new CallFollower(conn, ids, options);
}
