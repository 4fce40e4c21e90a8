// The Worker ⇄ relay protocol: JSON frames over one WebSocket that the relay dials out to its PBX's
// Durable Object. Both sides parse every frame with these schemas; a frame that does not parse is
// refused, never guessed at. Bump PROTOCOL_VERSION on any incompatible change.
//
// Version 2: one hop to Originate. The offer itself authorises the dial: the queue fences the
// attempt to the session it offers it to (attempt id, fence, session id), the relay journals it
// (fsync) and originates on receipt, and reports afterwards — progress batched into heartbeats, the
// end as one `attempt.result`. Version 1's offer → accept → start round trip is gone; what it
// protected is covered by three things, and each case below says why nobody can be rung twice:
//
// - The fence. An attempt is held by one session under one fence; the relay dials an offer only if
//   it names the session the relay is in now, and the queue applies an attempt frame only from the
//   session holding it under its current fence. A job is offered again only under a new attempt
//   and fence, and only once the queue knows the old one never reached Originate.
// - The journal in `hello`. The relay writes an attempt to its fsync'd journal before the Originate
//   and lists every open journal entry in each hello. An attempt of that relay missing from the list
//   was never dialled, so it may be offered again; one in the list is only looked up on the PBX.
// - The reconcile timeout. An offered attempt whose relay never says what became of it (no progress,
//   result or hello) is failed with certainty `unknown` after `reconcileTimeoutSec`: never re-offered.
//
// Cases the accept/start round trip used to cover:
// 1. A lapsed offer re-offered elsewhere. An offer no longer lapses by itself: while its session
//    lives it stays that session's (the relay acknowledges it in its next heartbeat batch). If a
//    live session leaves it unacknowledged past `offerTimeoutSec`, the queue does not re-offer it: it
//    closes that session, and the relay's next hello decides (journalled: followed; not: re-offered
//    under a new fence). If that relay never comes back, the reconcile timeout fails the attempt.
//    There is no path on which the job is offered to a second session while the first may dial it.
// 2. Takeover by a newer relay. The displaced session keeps every attempt it was offered, offered or
//    dialling, with the reconcile timeout as its lease: it may still be dialling them, and its
//    progress and results are applied under their fence. Its offers are never re-offered to the new
//    session unless that same relay (its journal) says it never journalled them.
// 3. A relay that dies between receipt and journal. Nothing was dialled (the journal precedes
//    Originate); its next hello does not list the attempt, so the queue offers the job again under a
//    new fence. A relay that dies after the journal lists it, and follows the call instead of dialling.
// 4. A stale offer arriving after a newer session started. The offer names its session; the relay
//    drops (neither journals nor dials) an offer for any session but its current one. The queue never
//    sends an offer on a session that is not active, and an old session's offered attempts are settled
//    by the relay's hello on the new one, which was built before any offer of the new session.
// Assumption, as before: a relay id names one journal (one relay process per id).
import { z } from 'zod';
import { campaignRelayFrames } from './campaign-frames.js';
import { conferenceQueueFrames, conferenceRelayFrames } from './conference-frames.js';
import { callerIdName, contextName, extension, phoneNumber, variableName, variableValue } from './dial.js';
import { DIRECTIONS, LEGS, operatorTarget } from './jobs.js';
import { missedCallQueueFrames, missedCallRelayFrames } from './missed-calls.js';
import { CERTAINTIES, OUTCOMES } from './pbx.js';
import { presenceQueueFrames, presenceRelayFrames } from './orgs.js';

export type { Certainty } from './pbx.js';

export const PROTOCOL_VERSION = 2;

const attemptRef = { attemptId: z.string().min(1).max(80), fence: z.int().min(1) };
const epochMs = z.int().min(0);

export const PROGRESS_PHASES = ['originating', 'ringing', 'answered'] as const;
export const attemptProgress = z.strictObject({ ...attemptRef, phase: z.enum(PROGRESS_PHASES), at: epochMs });
export type AttemptProgress = z.infer<typeof attemptProgress>;

/** Everything the relay needs to place a callback, resolved by the Worker from the request and the PBX's settings. */
export const callbackPlan = z.strictObject({
  kind: z.literal('callback'),
  direction: z.enum(DIRECTIONS),
  customer: phoneNumber,
  operator: operatorTarget,
  contexts: z.strictObject({ operator: contextName, customer: contextName, queue: contextName }),
  /** Shown to the operator's phone (operator-first) with the customer's number. */
  operatorCallerIdName: callerIdName,
  /** Shown to the customer (customer-first, or the second leg): the company's number. */
  customerCallerId: z.strictObject({ name: callerIdName.optional(), number: phoneNumber }).nullable(),
  ringTimeoutMs: z.int().min(1000).max(300_000),
  variables: z.record(variableName, variableValue),
});
export type CallbackPlan = z.infer<typeof callbackPlan>;
export const jobPlan = callbackPlan; // a discriminated union on `kind` once more job types exist
export type JobPlan = CallbackPlan;

export const AMI_STATES = ['connecting', 'ready', 'down'] as const;
export type AmiState = (typeof AMI_STATES)[number];

/** How an attempt ended, as the relay reports it (and journals it until the queue acknowledges). */
export const attemptResult = z.strictObject({
  outcome: z.enum(OUTCOMES),
  certainty: z.enum(CERTAINTIES),
  cause: z.int().min(0).max(127).nullable(),
  causeText: z.string().max(80).nullable(),
  failedLeg: z.enum(LEGS).nullable(),
  /** Null when the attempt ended before Originate was sent: it never rang anyone. */
  originatedAt: epochMs.nullable(),
  answeredAt: epochMs.nullable(),
  endedAt: epochMs,
  durationMs: z.int().min(0).nullable(),
  /** For people reading the job; nothing decides on it. */
  note: z.string().max(200).nullable(),
});
export type AttemptResult = z.infer<typeof attemptResult>;

// Relay → Worker
export const relayFrame = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('hello'),
    protocol: z.int(),
    relayId: z.string().min(1).max(64),
    software: z.string().max(64),
    ami: z.enum(AMI_STATES),
    /** Simultaneous calls the relay will run; the queue offers at most min(this, PBX limit). */
    capacity: z.int().min(0).max(500),
    /** Attempts the relay still has in its journal (running or not yet acknowledged). */
    inFlight: z.array(z.strictObject(attemptRef)).max(1000),
  }),
  z.strictObject({
    type: z.literal('heartbeat'),
    ami: z.enum(AMI_STATES),
    inFlight: z.int().min(0),
    /**
     * Progress of the relay's calls since its last heartbeat, in order. `originating` is also the
     * acknowledgement of an offer (journalled, Originate sent). Advisory: lost with a dropped link,
     * since the journal in hello and the result say what matters.
     */
    progress: z.array(attemptProgress).max(1000).optional(),
    /**
     * Calls the relay places on its own (external participants of room rules), up, ringing or waiting
     * for a slot: the queue counts them against the PBX's call limit (0 when absent).
     */
    ownCalls: z.int().min(0).max(500).optional(),
  }),
  /** The offer was neither journalled nor dialled (AMI down, at capacity, stopping): offer it again later. */
  z.strictObject({ type: z.literal('job.reject'), ...attemptRef, reason: z.string().max(200) }),
  z.strictObject({ type: z.literal('attempt.result'), ...attemptRef, ...attemptResult.shape }),
  ...conferenceRelayFrames,
  ...missedCallRelayFrames,
  ...campaignRelayFrames,
  ...presenceRelayFrames,
]);
export type RelayFrame = z.infer<typeof relayFrame>;
export type RelayFrameType = RelayFrame['type'];

/**
 * What each relay frame is to the queue — the one place that says it:
 * - `session`: about the link itself (hello, heartbeat); only the active session's count (a displaced
 *   session's heartbeat is acknowledged and its progress applied under each attempt's fence);
 * - `attempt`: about one attempt, under its fence (the dispatcher checks holder and fence);
 * - `report`: what the relay must not lose: kept (on disk) until a later heartbeat is acknowledged,
 *   sent again after every reconnect, and counted once by the queue (WorkerLink.report).
 */
export const RELAY_FRAME_ROLES = {
  hello: 'session',
  heartbeat: 'session',
  'job.reject': 'attempt',
  'attempt.result': 'attempt',
  'conference.requested': 'report',
  'conference.member': 'report',
  'room.participants': 'report',
  'rooms.running': 'report',
  'missed-call': 'report',
  'call-connected': 'report',
  'robot.result': 'report',
  // State, not history: a reconnect sends a fresh snapshot, so nothing is kept for resending.
  presence: 'session',
} as const satisfies Record<RelayFrameType, 'session' | 'attempt' | 'report'>;

type RoleOf<R> = { [T in RelayFrameType]: (typeof RELAY_FRAME_ROLES)[T] extends R ? T : never }[RelayFrameType];
export type ReportFrame = Extract<RelayFrame, { type: RoleOf<'report'> }>;
export type AttemptFrame = Extract<RelayFrame, { type: RoleOf<'attempt'> }>;

export const isReportFrame = (frame: RelayFrame): frame is ReportFrame => RELAY_FRAME_ROLES[frame.type] === 'report';

/**
 * What a displaced session (a newer relay took the PBX over) may still send: frames about the
 * attempts it holds (fenced) and its reports — both are the truth about calls it placed. Its hello
 * cannot take the PBX back and it is offered nothing; its heartbeats are acknowledged and only the
 * progress they carry is applied (fenced), never their AMI state or capacity.
 */
export const isAcceptedFromDisplaced = (frame: RelayFrame): boolean => RELAY_FRAME_ROLES[frame.type] !== 'session';

// Worker → relay
export const queueFrame = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('welcome'), protocol: z.int(), sessionId: z.string(), pbx: z.string(),
    /** The PBX's call limit, which the relay's gate holds for every Originate it writes (absent: the relay's capacity only). */
    maxConcurrentCalls: z.int().min(1).optional(),
  }),
  /**
   * Journal the attempt, then dial it: the offer is the authorisation. Only valid in the session it
   * names; a relay in any other session drops it without dialling.
   */
  z.strictObject({ type: z.literal('job.offer'), ...attemptRef, sessionId: z.string().min(1), jobId: z.string(), attempt: z.int().min(1), plan: jobPlan }),
  z.strictObject({ type: z.literal('job.cancel'), ...attemptRef }),
  z.strictObject({ type: z.literal('result.ack'), ...attemptRef }),
  /** Sent after each heartbeat is handled: every frame the session sent before it has been handled too. */
  z.strictObject({ type: z.literal('heartbeat.ack') }),
  /** Another relay session took the dispatch right; this one must stop dialling and close. */
  z.strictObject({ type: z.literal('superseded') }),
  z.strictObject({ type: z.literal('error'), code: z.string(), message: z.string() }),
  ...conferenceQueueFrames,
  ...missedCallQueueFrames,
  ...presenceQueueFrames,
]);
export type QueueFrame = z.infer<typeof queueFrame>;

/** The WebSocket subprotocol both sides announce, so a version mismatch fails at the handshake. */
export const RELAY_SUBPROTOCOL = `perezvon.relay.v${PROTOCOL_VERSION}`;
