// Missed calls turned into callbacks: the per-PBX policy (what to watch, when and whom to call back),
// the missed-call webhook body, the view of a pending callback, and the Worker ⇄ relay frames that
// carry the watch list down and the detected missed/answered calls up (spliced in relay-protocol.ts).
// Invariant: at most one pending missed-call callback per number; repeats only raise its count.
import { z } from 'zod';
import { callbackUrl } from './callback-url.js';
import { amiName, callerIdName, contextName, countryCallingCode, extension, phoneNumber } from './dial.js';
import { DIRECTIONS, operatorTarget } from './jobs.js';
import { workingHours } from './widget.js';

const epochMs = z.int().min(0);
/** Where a missed call ended: a queue name, an extension or the dialled number (DID). */
const target = z.union([amiName, extension, phoneNumber]);

export const watchList = z.strictObject({
  /** Calls abandoned in these queues count as missed (QueueCallerAbandon). */
  queues: z.array(amiName).max(50).default([]),
  /** Inbound calls that rang these extensions and were never answered. */
  extensions: z.array(extension).max(200).default([]),
  /** Inbound calls to these dialled numbers (the Exten in the inbound context) never answered. */
  dids: z.array(z.union([phoneNumber, extension])).max(100).default([]),
  /** Contexts in which calls from outside start (FreePBX: from-trunk, from-pstn). */
  inboundContexts: z.array(contextName).min(1).max(10).default(['from-trunk', 'from-pstn']),
});
export type WatchList = z.infer<typeof watchList>;

/** Body of `PUT /v1/admin/pbxes/{pbx}/missed-calls/policy`. */
export const missedCallPolicy = z.strictObject({
  enabled: z.boolean().default(true),
  /** What the relay watches on AMI; empty lists: only the missed-call webhook reports calls. */
  watch: watchList.default({ queues: [], extensions: [], dids: [], inboundContexts: ['from-trunk', 'from-pstn'] }),
  /** Wait after the (latest) missed call before calling back, so a customer who calls again is not crossed. Seconds. */
  delaySec: z.int().min(0).max(86_400).default(60),
  operator: operatorTarget,
  direction: z.enum(DIRECTIONS).default('operator-first'),
  callerId: callerIdName.default('Missed call'),
  /** Outside these hours the callback waits for the next opening. */
  workingHours: workingHours.optional(),
  /**
   * Country calling code by which reported numbers are compared: with `7`, `89161234567`,
   * `79161234567` and `+79161234567` are one caller (the callback dials the number as first reported).
   */
  defaultCountry: countryCallingCode.default('7'),
  /** Attempts of the callback in all (the PBX's retry backoff applies between them). */
  maxAttempts: z.int().min(1).max(10).default(3),
  statusCallbackUrl: callbackUrl.optional(),
});
export type MissedCallPolicy = z.infer<typeof missedCallPolicy>;

/** Body of `POST /v1/pbxes/{pbx}/events/missed-call`. */
export const missedCallReport = z.strictObject({
  caller: phoneNumber,
  target: target.optional(),
  /** When the call ended (ISO 8601 with offset); now by default. */
  at: z.iso.datetime({ offset: true }).optional(),
});
export type MissedCallReport = z.infer<typeof missedCallReport>;

export const MISSED_CALL_STATUSES = ['pending', 'called', 'cancelled'] as const;

export interface MissedCallView {
  id: string;
  number: string;
  target: string | null;
  /** Missed calls merged into this callback. */
  count: number;
  firstAt: string;
  lastAt: string;
  status: (typeof MISSED_CALL_STATUSES)[number];
  jobId: string | null;
  reason: string | null;
}

// Relay → Worker
export const missedCallRelayFrames = [
  z.strictObject({
    type: z.literal('missed-call'),
    caller: phoneNumber,
    target,
    kind: z.enum(['queue', 'extension', 'did']),
    at: epochMs,
    uniqueid: z.string().min(1).max(64),
  }),
  /** A number got through: its inbound call was answered, or an operator's call to it was. */
  z.strictObject({
    type: z.literal('call-connected'),
    number: phoneNumber,
    direction: z.enum(['inbound', 'outbound']),
    at: epochMs,
    uniqueid: z.string().min(1).max(64),
  }),
] as const;

// Worker → relay: sent after every hello and whenever the policy changes.
export const missedCallQueueFrames = [
  z.strictObject({
    type: z.literal('missed-calls.watch'),
    enabled: z.boolean(),
    watch: watchList,
    /** Calls placed from these contexts to outside numbers are operators calling customers. */
    operatorContexts: z.array(contextName).max(10),
  }),
] as const;
