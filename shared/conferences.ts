// Conferences as the API accepts and shows them: groups of known members, assemblies (a group or a
// member list dialled into one ConfBridge room) and per-room permanent external participant rules.
// Used by the Worker (validation at the edge, views) and the relay (frame payloads via relay-protocol).
// Invariant: every value that can reach an AMI action is one of the strict patterns of dial.ts.
import { freeText } from './free-text.js';
import { z } from 'zod';
import { amiName, callerIdName, contextName, extension, phoneNumber } from './dial.js';

/** ConfBridge room: digits, like the numbers people dial to enter it (`7001`, `104`). */
export const roomName = z.string().regex(/^[0-9]{1,20}$/, 'must be a room number: 1 to 20 digits');
/** The `G` of the service code `*100G`: 1–6 digits. */
export const groupCode = z.string().regex(/^[0-9]{1,6}$/, 'must be a group code: 1 to 6 digits');
/** DTMF sent to the external leg once it is in the room (an external bridge's PIN or extension). */
export const dtmfDigits = z.string().regex(/^[0-9A-D*#]{1,32}$/, 'must be 1 to 32 of 0-9 A-D * #');

export const conferenceMember = z.union([
  z.strictObject({ name: callerIdName, extension }),
  z.strictObject({ name: callerIdName, number: phoneNumber }),
]);
export type ConferenceMember = z.infer<typeof conferenceMember>;

const members = z.array(conferenceMember).min(1).max(50);

/** Dialling a member again by itself when they were busy or did not answer. */
export const memberRetry = z.strictObject({
  /** Dials per member in all; 1 = no automatic retry (re-dial on request only). */
  maxAttempts: z.int().min(1).max(5).default(1),
  afterSec: z.int().min(5).max(3600).default(60),
});
export type MemberRetry = z.infer<typeof memberRetry>;

/** Body of `POST /conference-groups` and `PUT /conference-groups/{id}`. */
export const conferenceGroupInput = z.strictObject({
  name: freeText(100),
  /** Dialled as `*100<code>` on the PBX; unique per PBX. */
  code: groupCode,
  /** Shown to members with the room number (`"Planning" <104>`); the group's name by default when it is a valid caller ID. */
  callerIdName: callerIdName.optional(),
  members,
  /** For assemblies of this group (service code or API) unless the request says otherwise. */
  retry: memberRetry.optional(),
});
export type ConferenceGroupInput = z.infer<typeof conferenceGroupInput>;

export const conferenceGroupView = conferenceGroupInput.extend({
  id: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ConferenceGroupView = z.infer<typeof conferenceGroupView>;

/** Body of `POST /conferences`: a stored group or an explicit member list, into a room. */
export const conferenceRequest = z
  .strictObject({
    group: freeText(40).optional(),
    members: members.optional(),
    /** The room. Without it, `caller` must be given and the caller's own number is the room. */
    room: roomName.optional(),
    /** An extension dialled into the room first, as the person who asked for the conference. */
    caller: extension.optional(),
    callerIdName: callerIdName.optional(),
    bridgeProfile: amiName.default('default_bridge'),
    userProfile: amiName.default('default_user'),
    ringTimeoutSec: z.int().min(5).max(300).optional(),
    /** Members who were busy or did not answer are dialled again; the group's setting, else none, by default. */
    retry: memberRetry.optional(),
  })
  .refine((v) => (v.group === undefined) !== (v.members === undefined), { message: 'give either group or members', path: ['group'] })
  .refine((v) => v.room !== undefined || v.caller !== undefined, { message: 'give room, or caller to use the caller’s own number as the room', path: ['room'] })
  .refine((v) => v.room !== undefined || (v.caller !== undefined && /^[0-9]+$/.test(v.caller)), { message: 'a caller with * or # cannot be a room', path: ['caller'] });
export type ConferenceRequest = z.infer<typeof conferenceRequest>;

/**
 * `unknown`: the relay never reported on a dial within its ring time plus the reconcile timeout (a
 * relay killed mid-dial). The member may have been rung, so only a person's redial dials them again;
 * a late report of that dial still counts.
 */
export const MEMBER_STATUSES = ['queued', 'dialling', 'answered', 'joined', 'left', 'busy', 'no-answer', 'failed', 'unknown'] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];
/** Statuses a member may be re-dialled from (on request; automatic retries follow busy and no-answer only). */
export const REDIALLABLE: ReadonlySet<MemberStatus> = new Set(['left', 'busy', 'no-answer', 'failed', 'unknown']);

export const redialRequest = z.strictObject({
  /** Member ids; all members that are not in the room or being dialled when omitted. */
  members: z.array(z.string().min(1).max(40)).min(1).max(50).optional(),
});

export const participantView = z.strictObject({
  uniqueid: z.string().max(160),
  channel: z.string().max(200),
  callerIdNum: z.string().max(80).nullable(),
  /** Set by the relay from its own record of the legs it originated (PEREZVON_LEG); dial-ins are internal. */
  leg: z.enum(['internal', 'external']),
  memberId: z.string().max(40).nullable(),
});
export type ParticipantView = z.infer<typeof participantView>;

export interface ConferenceMemberView {
  id: string;
  name: string;
  extension: string | null;
  number: string | null;
  status: MemberStatus;
  attempts: number;
  cause: number | null;
  note: string | null;
  /** When a member queued for an automatic retry will be dialled again. */
  nextAttemptAt: string | null;
  updatedAt: string;
}

export interface ConferenceView {
  id: string;
  pbx: string;
  room: string;
  group: string | null;
  source: 'api' | 'service-code';
  callerIdName: string;
  bridgeProfile: string;
  userProfile: string;
  createdAt: string;
  members: ConferenceMemberView[];
  /** Who is in the room now, as the relay last reported it (ConfbridgeJoin/Leave, ConfbridgeList). */
  participants: ParticipantView[];
  participantsAt: string | null;
}

/** Body of `PUT /rooms/{room}/external-participant`. */
export const externalParticipantInput = z.strictObject({
  number: phoneNumber,
  /** Context of the outbound route/trunk that reaches the number; the PBX's customerContext by default. */
  context: contextName.optional(),
  callerId: z.strictObject({ name: callerIdName.optional(), number: phoneNumber }).optional(),
  /** Digits sent once the external leg is in the room, one PlayDTMF per digit. */
  dtmf: dtmfDigits.optional(),
  dtmfDelayMs: z.int().min(0).max(10_000).default(500),
  bridgeProfile: amiName.default('default_bridge'),
  userProfile: amiName.default('default_user'),
  ringTimeoutSec: z.int().min(5).max(300).default(30),
  redial: z
    .strictObject({
      maxAttempts: z.int().min(0).max(20).default(5),
      backoffSec: z.array(z.number().min(0.05).max(3600)).min(1).max(10).default([2, 5, 15, 30]),
    })
    .default({ maxAttempts: 5, backoffSec: [2, 5, 15, 30] }),
});
export type ExternalParticipantInput = z.input<typeof externalParticipantInput>;

/** A room's rule as the relay executes it (resolved by the Worker: context filled in, times in ms). */
export const roomRule = z.strictObject({
  room: roomName,
  number: phoneNumber,
  context: contextName,
  callerId: z.strictObject({ name: callerIdName.optional(), number: phoneNumber }).nullable(),
  dtmf: dtmfDigits.nullable(),
  dtmfDelayMs: z.int().min(0).max(10_000),
  bridgeProfile: amiName,
  userProfile: amiName,
  ringTimeoutMs: z.int().min(1000).max(300_000),
  /** Re-dials after a failed dial or a dropped leg, while internals are present. */
  maxRedials: z.int().min(0).max(20),
  backoffMs: z.array(z.int().min(10).max(3_600_000)).min(1).max(10),
});
export type RoomRule = z.infer<typeof roomRule>;
