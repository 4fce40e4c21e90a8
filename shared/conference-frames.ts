// The conference frames of the Worker ⇄ relay protocol, spliced into relayFrame/queueFrame by
// relay-protocol.ts. Worker → relay: the room rules (after every hello and on change) and member
// dials; relay → Worker: the service-code request it saw, member outcomes and room participants.
// Invariant: a member leg is identified by (memberId, attempt); the relay dials each pair at most once.
import { z } from 'zod';
import { amiName, callerIdName, contextName, extension, phoneNumber } from './dial.js';
import { groupCode, participantView, roomName, roomRule } from './conferences.js';

const epochMs = z.int().min(0);
const memberRef = { conferenceId: z.string().min(1).max(40), memberId: z.string().min(1).max(40), attempt: z.int().min(1).max(1000) };

export const memberLeg = z.strictObject({
  memberId: memberRef.memberId,
  attempt: memberRef.attempt,
  /** An extension or an outside number, dialled as `Local/<exten>@<context>`. */
  exten: z.union([extension, phoneNumber]),
  context: contextName,
});
export type MemberLeg = z.infer<typeof memberLeg>;

export const conferenceDial = z.strictObject({
  type: z.literal('conference.dial'),
  conferenceId: memberRef.conferenceId,
  room: roomName,
  bridgeProfile: amiName,
  userProfile: amiName,
  /** Shown to members with the room as the number: `"Planning" <104>`. */
  callerIdName,
  ringTimeoutMs: z.int().min(1000).max(300_000),
  legs: z.array(memberLeg).min(1).max(50),
});
export type ConferenceDial = z.infer<typeof conferenceDial>;

export const MEMBER_REPORTS = ['answered', 'joined', 'left', 'busy', 'no-answer', 'failed'] as const;

export const conferenceQueueFrames = [
  z.strictObject({ type: z.literal('conference.rules'), rules: z.array(roomRule).max(200) }),
  conferenceDial,
] as const;

export const conferenceRelayFrames = [
  /** A phone dialled the service code: the dialplan's `UserEvent(ConferenceAssembly,…)` (capture 10). */
  z.strictObject({
    type: z.literal('conference.requested'),
    /** Uniqueid of the channel that raised the UserEvent: one assembly per dial, however often reported. */
    key: z.string().min(1).max(160),
    group: groupCode,
    room: roomName,
    caller: extension,
    at: epochMs,
  }),
  z.strictObject({
    type: z.literal('conference.member'),
    ...memberRef,
    status: z.enum(MEMBER_REPORTS),
    cause: z.int().min(0).max(127).nullable(),
    at: epochMs,
  }),
  z.strictObject({
    type: z.literal('room.participants'),
    room: roomName,
    participants: z.array(participantView).max(200),
    at: epochMs,
  }),
  /** Every room the PBX had running at `at` (ConfbridgeListRooms after a login): any other room is empty. */
  z.strictObject({
    type: z.literal('rooms.running'),
    rooms: z.array(roomName).max(1000),
    at: epochMs,
  }),
] as const;
