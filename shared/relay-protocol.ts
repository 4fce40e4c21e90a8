// The Worker ⇄ relay protocol: JSON frames over one WebSocket that the relay dials out to its PBX's
// Durable Object. Both sides parse every frame with these schemas; a frame that does not parse is
// refused, never guessed at. Bump PROTOCOL_VERSION on any incompatible change.
// Invariant: every frame about an attempt carries its id and fencing token; the queue ignores (and
// records) frames whose fence is not the attempt's current one. An attempt is dialled only after
// offer → accept → start: until `job.start` the queue may re-offer the job without any risk of a
// second ring; after it, only the relay's journal (reported in `hello`) can say it never dialled.
import { z } from 'zod';
import { conferenceQueueFrames, conferenceRelayFrames } from './conference-frames.js';
import { callerIdName, contextName, extension, phoneNumber, variableName, variableValue } from './dial.js';
import { DIRECTIONS, LEGS, operatorTarget } from './jobs.js';
import { missedCallQueueFrames, missedCallRelayFrames } from './missed-calls.js';
import { CERTAINTIES, OUTCOMES } from './pbx.js';
import { presenceQueueFrames, presenceRelayFrames } from './orgs.js';

export type { Certainty } from './pbx.js';

export const PROTOCOL_VERSION = 1;

const attemptRef = { attemptId: z.string().min(1).max(80), fence: z.int().min(1) };
const epochMs = z.int().min(0);

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
    type: z.literal('heartbeat'), ami: z.enum(AMI_STATES), inFlight: z.int().min(0),
    /**
     * Calls the relay places on its own (external participants of room rules), up, ringing or waiting
     * for a slot: the queue counts them against the PBX's call limit. Optional so that a relay of an
     * earlier release still speaks this protocol (it then counts as 0).
     */
    ownCalls: z.int().min(0).max(500).optional(),
  }),
  z.strictObject({ type: z.literal('job.accept'), ...attemptRef }),
  z.strictObject({ type: z.literal('job.reject'), ...attemptRef, reason: z.string().max(200) }),
  z.strictObject({
    type: z.literal('attempt.progress'),
    ...attemptRef,
    phase: z.enum(['originating', 'ringing', 'answered']),
    at: epochMs,
  }),
  z.strictObject({ type: z.literal('attempt.result'), ...attemptRef, ...attemptResult.shape }),
  ...conferenceRelayFrames,
  ...missedCallRelayFrames,
  ...presenceRelayFrames,
]);
export type RelayFrame = z.infer<typeof relayFrame>;
export type RelayFrameType = RelayFrame['type'];

/**
 * What each relay frame is to the queue — the one place that says it:
 * - `session`: about the link itself (hello, heartbeat); only the active session's count;
 * - `attempt`: about one attempt, under its fence (the dispatcher checks holder and fence);
 * - `report`: what the relay must not lose: kept (on disk) until a later heartbeat is acknowledged,
 *   sent again after every reconnect, and counted once by the queue (WorkerLink.report).
 */
export const RELAY_FRAME_ROLES = {
  hello: 'session',
  heartbeat: 'session',
  'job.accept': 'attempt',
  'job.reject': 'attempt',
  'attempt.progress': 'attempt',
  'attempt.result': 'attempt',
  'conference.requested': 'report',
  'conference.member': 'report',
  'room.participants': 'report',
  'rooms.running': 'report',
  'missed-call': 'report',
  'call-connected': 'report',
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
 * cannot take the PBX back and it is offered nothing.
 */
export const isAcceptedFromDisplaced = (frame: RelayFrame): boolean => RELAY_FRAME_ROLES[frame.type] !== 'session';

// Worker → relay
export const queueFrame = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('welcome'), protocol: z.int(), sessionId: z.string(), pbx: z.string(),
    /** The PBX's call limit, which the relay's gate holds for every Originate it writes (optional, as above). */
    maxConcurrentCalls: z.int().min(1).optional(),
  }),
  z.strictObject({ type: z.literal('job.offer'), ...attemptRef, jobId: z.string(), attempt: z.int().min(1), plan: jobPlan }),
  /** The lease is granted: journal the attempt, then dial. Never dial an offer without it. */
  z.strictObject({ type: z.literal('job.start'), ...attemptRef }),
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
