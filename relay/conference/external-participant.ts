// Keeps one room in its rule's state: runs the room-rule reducer on the room's changes and carries
// out its actions on AMI (Originate into ConfBridge, ConfbridgeKick, Hangup, PlayDTMF per digit).
// Used by the conference module, one instance per rule. Invariants: every dial is registered as an
// external leg (ChannelId → LegRegistry, PEREZVON_LEG=external) before its Originate is written; a
// leg is kicked only once its ConfbridgeJoin was seen (a kick during the join prompt does nothing and
// leaves the leg unkickable for good, app_confbridge.c), the kick is confirmed by its
// ConfbridgeLeave, and a leg not confirmed (or never seen joining) is hung up instead.
import type { Logger } from 'pino';
import { externalChannelIds, type CallIds } from '../../shared/channel-ids.js';
import type { CallSlots, Release } from '../call-slots.js';
import type { RoomRule } from '../../shared/conferences.js';
import type { CallFollower } from '../ami/call-follower.js';
import type { AmiConnection } from '../ami/connection.js';
import { originateAndFollow } from '../ami/originate.js';
import { localChannel, validateChannelName, validateDtmfDigits } from '../ami/validation.js';
import { initialRoomState, reduceRoom, withDialChannel, type RoomAction, type RoomEvent, type RoomState, type RuleLimits } from './room-rule-reducer.js';
import { LEG_VARIABLE, type LegRegistry, type RoomChange } from './room-watch.js';

/** A leg that stayed in the room this long earns its re-dial budget back when it drops. */
const STABLE_MS = 60_000;
/** How long a kicked leg has to leave the room before it is hung up instead. */
const KICK_CONFIRM_MS = 3_000;

export class ExternalParticipant {
  private state: RoomState = initialRoomState();
  private readonly followers = new Map<string, CallFollower>();
  /** Uniqueids whose ConfbridgeJoin this run saw (a ConfbridgeList entry may still be in its join prompt). */
  private readonly joined = new Set<string>();
  private readonly leaveWaiters = new Map<string, () => void>();
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Distinguishes this process's ChannelIds from those of an earlier run (Asterisk refuses a duplicate only while it lives). */
  private readonly runTag = Date.now().toString(36);

  constructor(
    private readonly ami: AmiConnection,
    private rule: RoomRule,
    private readonly registry: LegRegistry,
    private readonly logger: Logger,
    /** Reads the room again (ConfbridgeList); its snapshot comes back through onChange. */
    private readonly reread: (room: string) => Promise<unknown>,
    /** Every Originate of the relay passes this one gate (the PBX's call limit). */
    private readonly slots: CallSlots,
  ) {}

  get room(): string {
    return this.rule.room;
  }

  /** For tests and the status log: where the external leg stands. */
  get phase(): RoomState['external']['phase'] {
    return this.state.external.phase;
  }

  update(rule: RoomRule): void {
    this.rule = rule;
  }

  onChange(change: RoomChange): void {
    if (change.room !== this.rule.room || this.stopped) return;
    if (change.kind === 'snapshot') {
      const internals = change.participants.filter((p) => p.leg === 'internal');
      const externals = change.participants.filter((p) => p.leg === 'external');
      this.apply({ kind: 'snapshot', internals, externals, at: change.at });
    } else {
      if (change.kind === 'join') this.joined.add(change.who.uniqueid);
      else {
        this.joined.delete(change.who.uniqueid);
        this.leaveWaiters.get(change.who.uniqueid)?.();
      }
      this.apply({ kind: change.kind, leg: change.who.leg, who: change.who, at: change.at });
    }
  }

  /** The rule was removed: stop reacting (the leg in the room, if any, stays until the room empties). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
  }

  private apply(event: RoomEvent): void {
    const step = reduceRoom(this.state, event, this.limits());
    this.state = step.state;
    for (const action of step.actions) this.run(action);
  }

  private limits(): RuleLimits {
    return { maxRedials: this.rule.maxRedials, backoffMs: this.rule.backoffMs, dtmf: this.rule.dtmf, stableMs: STABLE_MS };
  }

  private run(action: RoomAction): void {
    switch (action.kind) {
      case 'dial':
        return this.dial(action.seq);
      case 'kick':
        void this.kick(action.channel, action.uniqueid);
        return;
      case 'reread':
        this.reread(this.rule.room).catch((err: unknown) => this.warn('could not re-read the room; not re-dialling until it is read', err));
        return;
      case 'hangup':
        void this.followers.get(action.channelId)?.hangup(16).catch((err: unknown) => this.warn('hangup failed', err));
        return;
      case 'dtmf':
        void this.sendDtmf(action.channel, action.digits);
        return;
      case 'schedule-retry':
        clearTimeout(this.retryTimer);
        this.logger.info({ room: this.rule.room, delayMs: action.delayMs, redials: this.state.redials }, 're-dialling the external leg after a pause');
        this.retryTimer = setTimeout(() => this.apply({ kind: 'retry-due', at: Date.now() }), action.delayMs);
        return;
      case 'cancel-retry':
        clearTimeout(this.retryTimer);
        return;
    }
  }

  private dial(seq: number): void {
    const { room } = this.rule;
    const ids = externalChannelIds(room, this.runTag, seq);
    const { channelId } = ids;
    this.state = withDialChannel(this.state, channelId);
    this.registry.add(channelId, { leg: 'external', room, memberId: null });
    void this.slots.take(true).then((release) => {
      // While it waited for a slot the room may have emptied or the rule gone: then nothing is dialled.
      const ext = this.state.external;
      if (this.stopped || ext.phase !== 'dialling' || ext.channelId !== channelId) {
        release();
        this.registry.delete(channelId);
        return;
      }
      this.originate(ids, release);
    });
  }

  private originate(ids: CallIds, release: Release): void {
    const { room, number, context, bridgeProfile, userProfile, ringTimeoutMs, callerId } = this.rule;
    const { channelId } = ids;
    this.logger.info({ room, channelId }, 'dialling the external participant into the room');
    const { follower } = originateAndFollow(this.ami, {
      channel: localChannel(number, context),
      application: 'ConfBridge',
      data: `${room},${bridgeProfile},${userProfile}`,
      ...(callerId !== null ? { callerId } : {}),
      timeoutMs: ringTimeoutMs,
      ...ids,
      variables: { [LEG_VARIABLE]: 'external', PEREZVON_ROOM: room },
    }, { logger: this.logger });
    this.followers.set(channelId, follower);
    const ended = (): void => {
      release();
      this.followers.delete(channelId);
      this.registry.delete(channelId);
      if (!this.stopped) this.apply({ kind: 'external-ended', channelId, at: Date.now() });
    };
    follower.ended.then(ended, (err: unknown) => {
      this.warn('external dial not placed', err);
      ended();
    });
  }

  /** ConfbridgeKick, confirmed by the leg's ConfbridgeLeave; otherwise (or unseen joining) Hangup of the leg. */
  private async kick(channel: string, uniqueid: string): Promise<void> {
    const target = validateChannelName(channel);
    if (this.joined.has(uniqueid)) {
      let confirm: () => void = () => {};
      const left = new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), KICK_CONFIRM_MS);
        confirm = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
      this.leaveWaiters.set(uniqueid, confirm);
      try {
        await this.ami.send({ Action: 'ConfbridgeKick', Conference: this.rule.room, Channel: target });
        if (await left) return;
        this.logger.warn({ room: this.rule.room }, 'the kicked leg did not leave the room; hanging it up');
      } catch (err) {
        this.warn('kick failed; hanging the leg up', err);
      } finally {
        this.leaveWaiters.delete(uniqueid);
      }
    }
    await this.ami.send({ Action: 'Hangup', Channel: target, Cause: 16 }).catch((err: unknown) => this.warn('hangup of the leg failed', err));
  }

  /** PlayDTMF plays only the first character of Digit (capture 11): one action per digit, in order. */
  private async sendDtmf(channel: string, digits: string): Promise<void> {
    const valid = validateDtmfDigits(digits);
    const target = validateChannelName(channel);
    if (this.rule.dtmfDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.rule.dtmfDelayMs));
    for (const digit of valid) {
      const ext = this.state.external;
      if (ext.phase !== 'up' || ext.channel !== channel) return;
      try {
        await this.ami.send({ Action: 'PlayDTMF', Channel: target, Digit: digit });
      } catch (err) {
        this.warn('PlayDTMF failed', err);
        return;
      }
    }
  }

  private warn(msg: string, err: unknown): void {
    this.logger.warn({ room: this.rule.room, err: err instanceof Error ? err.message : String(err) }, msg);
  }
}
