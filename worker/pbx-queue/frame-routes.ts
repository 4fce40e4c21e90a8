// What each relay frame does to a PBX queue, in one table: which desk handles it and who is told.
// The desks decide; pbx-queue.ts runs the table for every frame of the active session and then
// offers work (callbacks, then conference members) from the freed call slots.
import type { RelayFrame, RelayFrameType } from '../../shared/relay-protocol.js';
import type { CampaignDesk } from '../campaigns/campaign-desk.js';
import type { AssemblyDesk } from './assembly-desk.js';
import type { Callers } from './callers.js';
import type { Dispatcher } from './dispatcher.js';
import type { OrgLink } from './org-link.js';
import type { RelaySessions } from './relay-sessions.js';
import type { RoomDesk } from './room-desk.js';

/** One handler per relay frame type. */
export type FrameRoutes = { [T in RelayFrameType]: (ws: WebSocket, frame: Extract<RelayFrame, { type: T }>, now: number) => void | Promise<void> };

/** Frames that neither free a call slot nor change a timer: no dispatch scan after them. */
export const QUIET_FRAMES: ReadonlySet<RelayFrameType> = new Set(['presence']);

export interface FrameDesks {
  dispatcher: Dispatcher;
  rooms: RoomDesk;
  assemblies: AssemblyDesk;
  sessions: RelaySessions;
  /** Built on first use by the queue. */
  callers: () => Callers;
  org: OrgLink;
  campaigns: CampaignDesk;
}

export function frameRoutes(d: FrameDesks): FrameRoutes {
  return {
    hello: async (ws, frame, now) => {
      d.dispatcher.hello(ws, frame, now);
      d.rooms.sendRules();
      d.sessions.send(ws, d.callers().missed.watchFrame());
      await d.org.hello(ws);
    },
    // A heartbeat carries the AMI state and the relay's own calls; the pumps after every frame use both.
    heartbeat: (ws, frame, now) => d.dispatcher.heartbeat(ws, frame, now),
    'job.reject': (ws, frame, now) => d.dispatcher.reject(ws, frame, now),
    'attempt.result': (ws, frame, now) => d.dispatcher.result(ws, frame, now),
    'conference.requested': (_ws, frame, now) => d.assemblies.onRequested(frame, now),
    'conference.member': (_ws, frame, now) => d.assemblies.onMember(frame, now),
    'room.participants': (_ws, frame) => d.rooms.onParticipants(frame),
    'rooms.running': (_ws, frame) => d.rooms.onRunning(frame),
    'missed-call': (_ws, frame, now) => d.callers().missed.relayReport(frame, now),
    'call-connected': (_ws, frame, now) => d.callers().missed.relayReport(frame, now),
    presence: (_ws, frame) => d.org.report(frame.full, frame.states),
    'robot.result': (_ws, frame, now) => d.campaigns.onRobotResult(frame, now),
  };
}
