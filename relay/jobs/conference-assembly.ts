// Dials the members of a conference assembly into its ConfBridge room (Originate with Application
// ConfBridge, captures 02a/02c) and reports each member's fate: answered, joined, left, busy,
// no-answer or failed. Used by the conference module for `conference.dial` frames.
// Invariant: a (member, attempt) pair is originated at most once by this process, under the
// ChannelId of shared/channel-ids.ts memberChannelIds (a duplicate ChannelId is refused by Asterisk while it lives).
import type { Logger } from 'pino';
import { memberChannelIds, type CallIds } from '../../shared/channel-ids.js';
import type { ConferenceDial, MemberLeg } from '../../shared/conference-frames.js';
import type { RelayFrame } from '../../shared/relay-protocol.js';
import type { FollowedCall } from '../ami/call-follower.js';
import type { AmiConnection } from '../ami/connection.js';
import { originateAndFollow } from '../ami/originate.js';
import { localChannel } from '../ami/validation.js';
import { header, type AmiMessage } from '../ami/wire.js';
import { LEG_VARIABLE, type LegRegistry } from '../conference/room-watch.js';
import type { CallSlots, Release } from '../call-slots.js';

type MemberFrame = Extract<RelayFrame, { type: 'conference.member' }>;
type MemberStatus = MemberFrame['status'];


/** A member leg that ended without joining: the outcome of the call. Pure. */
export function memberOutcome(call: FollowedCall): MemberStatus {
  switch (call.outcome.outcome) {
    case 'busy':
      return 'busy';
    case 'no-answer':
      return 'no-answer';
    default:
      return 'failed';
  }
}

export class ConferenceAssembler {
  private readonly dialled = new Set<string>();

  constructor(
    private readonly ami: AmiConnection,
    private readonly registry: LegRegistry,
    private readonly report: (frame: MemberFrame) => void,
    private readonly logger: Logger,
    private readonly slots: CallSlots,
  ) {}

  /** Each leg waits for a call slot (the queue sends only as many as it believes free; this settles races). */
  run(dial: ConferenceDial): void {
    for (const leg of dial.legs) {
      const ids = memberChannelIds(leg.memberId, leg.attempt);
      if (this.dialled.has(ids.channelId)) continue;
      this.dialled.add(ids.channelId);
      void this.slots.take().then((release) => this.dialMember(dial, leg, ids, release));
    }
  }

  private dialMember(dial: ConferenceDial, leg: MemberLeg, ids: CallIds, release: Release): void {
    const { channelId } = ids;
    const send = (status: MemberStatus, cause: number | null = null): void =>
      this.report({ type: 'conference.member', conferenceId: dial.conferenceId, memberId: leg.memberId, attempt: leg.attempt, status, cause, at: Date.now() });
    let joined = false;
    let left = false;
    const onEvent = (ev: AmiMessage): void => {
      if (header(ev, 'Uniqueid') !== channelId || header(ev, 'Conference') !== dial.room) return;
      const name = header(ev, 'Event');
      if (name === 'ConfbridgeJoin' && !joined) {
        joined = true;
        send('joined');
      } else if (name === 'ConfbridgeLeave' && joined && !left) {
        left = true;
        send('left');
      }
    };
    this.registry.add(channelId, { leg: 'internal', room: dial.room, memberId: leg.memberId });
    this.ami.on('event', onEvent);
    const log = this.logger.child({ conferenceId: dial.conferenceId, memberId: leg.memberId, attempt: leg.attempt });
    log.info({ room: dial.room }, 'dialling a conference member into the room');
    const { result, follower } = originateAndFollow(this.ami, {
      channel: localChannel(leg.exten, leg.context),
      application: 'ConfBridge',
      data: `${dial.room},${dial.bridgeProfile},${dial.userProfile}`,
      callerId: { name: dial.callerIdName, number: dial.room },
      timeoutMs: dial.ringTimeoutMs,
      ...ids,
      variables: { [LEG_VARIABLE]: 'internal', PEREZVON_CONFERENCE: dial.conferenceId },
    }, { logger: log });
    result.then((r) => {
      if (r.reason === 4 && !joined) send('answered');
    }, () => undefined);
    const done = (status: MemberStatus | null, cause: number | null): void => {
      // Freed before the report, so a slot the queue sees free is free here too.
      release();
      this.ami.off('event', onEvent);
      this.registry.delete(channelId);
      if (status !== null) send(status, cause);
    };
    follower.ended.then(
      // Answered but never in the room (a wrong profile, hung up during the prompt) counts as failed.
      (call) => done(joined ? (left ? null : 'left') : call.reason === 4 ? 'failed' : memberOutcome(call), call.outcome.cause),
      (err: unknown) => {
        log.warn({ err: err instanceof Error ? err.message : String(err) }, 'member dial not placed');
        done('failed', null);
      },
    );
  }
}
