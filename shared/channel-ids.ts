// The ChannelIds the relay gives the calls it originates (Originate `ChannelId`/`OtherChannelId`,
// which become the Uniqueids of the Local pair's halves, FACTS 5). They are the relay's only key to
// find its calls on the PBX again after a restart, and how anything watching AMI tells the relay's
// own legs from other people's calls. Used by the relay's job runners and AMI watchers, by the
// testkit and bench/ (to find a job's Originate on the wire). Invariant: every id built here
// starts with one of CHANNEL_ID_PREFIXES and passes relay/ami/validation.ts CHANNEL_ID.

/** One prefix per kind of call the relay places; `isOwnChannelId` recognises all of them. */
export const CHANNEL_ID_PREFIXES = {
  /** A callback attempt: `pz-<attemptId>`. */
  callback: 'pz-',
  /** A conference member's dial: `pzm-<memberId>-<attempt>`. */
  member: 'pzm-',
  /** A room's permanent external participant: `pzx-<room>-<runTag>-<seq>`. */
  external: 'pzx-',
} as const;

export type ChannelIdKind = keyof typeof CHANNEL_ID_PREFIXES;

/** Asterisk refuses a Uniqueid over 149 characters (capture 04); `-2` and `;2` must still fit. */
const MAX_BASE = 140;

export interface CallIds {
  channelId: string;
  otherChannelId: string;
}

function pair(base: string): CallIds {
  const channelId = base.slice(0, MAX_BASE);
  return { channelId, otherChannelId: `${channelId}-2` };
}

/** The ids of a callback attempt's Local pair. */
export const callbackChannelIds = (attemptId: string): CallIds => pair(`${CHANNEL_ID_PREFIXES.callback}${attemptId}`);

/** The ids of one dial of a conference member. */
export const memberChannelIds = (memberId: string, attempt: number): CallIds => pair(`${CHANNEL_ID_PREFIXES.member}${memberId}-${attempt}`);

/** The ids of one dial of a room's external participant (runTag keeps ids of different relay runs apart). */
export const externalChannelIds = (room: string, runTag: string, seq: number): CallIds =>
  pair(`${CHANNEL_ID_PREFIXES.external}${room}-${runTag}-${seq}`);

/** The ChannelId prefix of every external-participant dial into `room`. */
export const externalChannelIdPrefix = (room: string): string => `${CHANNEL_ID_PREFIXES.external}${room}-`;

/** Whether a Uniqueid (or Linkedid) is one the relay gave a call it placed. */
export function isOwnChannelId(uniqueid: string): boolean {
  return Object.values(CHANNEL_ID_PREFIXES).some((prefix) => uniqueid.startsWith(prefix));
}
