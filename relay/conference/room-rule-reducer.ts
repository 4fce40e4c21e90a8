// The permanent-external-participant rule as a pure reducer: room state + one event → new state and
// the actions to take (dial, kick, hang up a ringing dial, send DTMF, wait to re-dial).
// Used by external-participant.ts (which executes the actions on AMI) and unit-tested on its own.
// Invariants: at most one external leg is dialling or in the room; it is dialled only on positive
// knowledge that an internal participant is in the room now — their ConfbridgeJoin, or a ConfbridgeList
// just read — never on what we believed before a gap (a re-dial first re-reads the room), and never
// before this run has read the room once (a leg of ours from before a restart may be in it); it is
// kicked (or its ringing dial hung up) when the last internal leaves.

export interface RuleLimits {
  maxRedials: number;
  backoffMs: ReadonlyArray<number>;
  /** DTMF to send once the leg is in the room; null for none. */
  dtmf: string | null;
  /** A leg that stayed up this long has its redial budget restored when it drops. ms. */
  stableMs: number;
}

export type ExternalPhase =
  /**
   * This run has not read the room yet: a leg of ours from before a restart may be in it, so a join
   * (whose ConfbridgeJoin can come late, after the join prompt) is no reason to dial; the read decides.
   */
  | { phase: 'unread' }
  | { phase: 'idle' }
  | { phase: 'dialling'; channelId: string }
  | { phase: 'up'; channelId: string; channel: string; since: number }
  | { phase: 'waiting-retry' }
  /** A re-dial is due and the room is being re-read: the read (a snapshot) or an internal's join decides. */
  | { phase: 'checking' }
  | { phase: 'gave-up' };

export interface RoomState {
  /** Uniqueids of the internal participants in the room. */
  internals: ReadonlySet<string>;
  external: ExternalPhase;
  /** Dials that failed or dropped since the budget was last restored. */
  redials: number;
  /** Dials made for this room by this relay; part of the next ChannelId. */
  dialSeq: number;
}

export interface Participant {
  uniqueid: string;
  channel: string;
}

export type RoomEvent =
  | { kind: 'join'; leg: 'internal' | 'external'; who: Participant; at: number }
  | { kind: 'leave'; leg: 'internal' | 'external'; who: Participant; at: number }
  /** The external dial ended without joining, or the followed leg ended (any order with `leave`). */
  | { kind: 'external-ended'; channelId: string; at: number }
  | { kind: 'retry-due'; at: number }
  /** ConfbridgeList after a (re)start or reconnect: the room as it is, replacing what we believed. */
  | { kind: 'snapshot'; internals: ReadonlyArray<Participant>; externals: ReadonlyArray<Participant>; at: number };

export type RoomAction =
  | { kind: 'dial'; seq: number }
  | { kind: 'kick'; channel: string; uniqueid: string }
  /** Read the room again (ConfbridgeList); its snapshot comes back as an event. */
  | { kind: 'reread' }
  | { kind: 'hangup'; channelId: string }
  | { kind: 'dtmf'; channel: string; digits: string }
  | { kind: 'schedule-retry'; delayMs: number }
  | { kind: 'cancel-retry' };

export interface Step {
  state: RoomState;
  actions: RoomAction[];
}

export const initialRoomState = (): RoomState => ({ internals: new Set(), external: { phase: 'unread' }, redials: 0, dialSeq: 0 });

/** Applies one event. Pure: `state` is not modified. */
export function reduceRoom(state: RoomState, event: RoomEvent, limits: RuleLimits): Step {
  switch (event.kind) {
    case 'join':
      return event.leg === 'internal' ? internalJoined(state, event.who) : externalJoined(state, event.who, event.at, limits);
    case 'leave':
      return event.leg === 'internal' ? internalLeft(state, event.who) : externalGone(state, event.who.uniqueid, event.at, limits);
    case 'external-ended':
      return externalGone(state, event.channelId, event.at, limits);
    case 'retry-due':
      // What we know of the room may be stale (a lost call usually means a gap in the events): read it first.
      if (state.external.phase !== 'waiting-retry') return { state, actions: [] };
      return state.internals.size > 0
        ? { state: { ...state, external: { phase: 'checking' } }, actions: [{ kind: 'reread' }] }
        : { state: { ...state, external: { phase: 'idle' } }, actions: [] };
    case 'snapshot':
      return snapshot(state, event.internals, event.externals, event.at);
  }
}

function dial(state: RoomState): Step {
  const seq = state.dialSeq + 1;
  return { state: { ...state, dialSeq: seq, external: { phase: 'dialling', channelId: '' } }, actions: [{ kind: 'dial', seq }] };
}

/** The executor names the dial's ChannelId once it builds it; the reducer then matches events to it. */
export function withDialChannel(state: RoomState, channelId: string): RoomState {
  return state.external.phase === 'dialling' ? { ...state, external: { phase: 'dialling', channelId } } : state;
}

function internalJoined(state: RoomState, who: Participant): Step {
  const internals = new Set(state.internals).add(who.uniqueid);
  const next = { ...state, internals };
  // Positive knowledge of an employee, not of the room being without our leg: read it (again) first.
  if (next.external.phase === 'unread') return { state: next, actions: [{ kind: 'reread' }] };
  // The first internal: dial now, from the event itself (no polling). A join while a re-read is under
  // way is the same positive knowledge.
  if ((state.internals.size === 0 && next.external.phase === 'idle') || next.external.phase === 'checking') return dial(next);
  return { state: next, actions: [] };
}

function internalLeft(state: RoomState, who: Participant): Step {
  if (!state.internals.has(who.uniqueid)) return { state, actions: [] };
  const internals = new Set(state.internals);
  internals.delete(who.uniqueid);
  if (internals.size > 0) return { state: { ...state, internals }, actions: [] };
  if (state.external.phase === 'unread') return { state: { ...state, internals }, actions: [{ kind: 'reread' }] };
  return { state: { ...state, internals, external: { phase: 'idle' }, redials: 0 }, actions: releaseExternal(state.external) };
}

function releaseExternal(ext: ExternalPhase): RoomAction[] {
  switch (ext.phase) {
    case 'up':
      return [{ kind: 'kick', channel: ext.channel, uniqueid: ext.channelId }];
    case 'dialling':
      return ext.channelId === '' ? [] : [{ kind: 'hangup', channelId: ext.channelId }];
    case 'waiting-retry':
      return [{ kind: 'cancel-retry' }];
    default:
      return [];
  }
}

function externalJoined(state: RoomState, who: Participant, at: number, limits: RuleLimits): Step {
  const ext = state.external;
  if (state.internals.size === 0) return { state, actions: [kickOf(who)] };
  if (ext.phase === 'up') {
    // Never two external legs: the one already in the room stays.
    return ext.channelId === who.uniqueid ? { state, actions: [] } : { state, actions: [kickOf(who)] };
  }
  const actions: RoomAction[] = [];
  // A leg of ours from before a restart joined while we dial another: adopt it, drop the new dial.
  if (ext.phase === 'dialling' && ext.channelId !== who.uniqueid && ext.channelId !== '') actions.push({ kind: 'hangup', channelId: ext.channelId });
  if (ext.phase === 'waiting-retry') actions.push({ kind: 'cancel-retry' });
  if (limits.dtmf !== null) actions.push({ kind: 'dtmf', channel: who.channel, digits: limits.dtmf });
  return { state: { ...state, external: { phase: 'up', channelId: who.uniqueid, channel: who.channel, since: at } }, actions };
}

const kickOf = (p: Participant): RoomAction => ({ kind: 'kick', channel: p.channel, uniqueid: p.uniqueid });

function externalGone(state: RoomState, channelId: string, at: number, limits: RuleLimits): Step {
  const ext = state.external;
  if ((ext.phase !== 'up' && ext.phase !== 'dialling') || ext.channelId !== channelId) return { state, actions: [] };
  if (state.internals.size === 0) return { state: { ...state, external: { phase: 'idle' } }, actions: [] };
  const stable = ext.phase === 'up' && at - ext.since >= limits.stableMs;
  const redials = (stable ? 0 : state.redials) + 1;
  if (redials > limits.maxRedials) return { state: { ...state, redials, external: { phase: 'gave-up' } }, actions: [] };
  const delayMs = limits.backoffMs[Math.min(redials - 1, limits.backoffMs.length - 1)] ?? 1000;
  return { state: { ...state, redials, external: { phase: 'waiting-retry' } }, actions: [{ kind: 'schedule-retry', delayMs }] };
}

function snapshot(state: RoomState, internals: ReadonlyArray<Participant>, externals: ReadonlyArray<Participant>, at: number): Step {
  const next: RoomState = { ...state, internals: new Set(internals.map((p) => p.uniqueid)) };
  const ext = state.external;
  if (internals.length === 0) {
    const actions: RoomAction[] = externals.map(kickOf);
    if (ext.phase === 'dialling' && ext.channelId !== '') actions.push({ kind: 'hangup', channelId: ext.channelId });
    if (ext.phase === 'waiting-retry') actions.push({ kind: 'cancel-retry' });
    return { state: { ...next, external: { phase: 'idle' }, redials: 0 }, actions };
  }
  // Keep the leg we believe in if it is there, else the first one listed; kick any other.
  const keep = externals.find((p) => ext.phase === 'up' && p.uniqueid === ext.channelId) ?? externals[0];
  const kicks: RoomAction[] = externals.filter((p) => p !== keep).map(kickOf);
  if (keep !== undefined) {
    const since = ext.phase === 'up' && ext.channelId === keep.uniqueid ? ext.since : at;
    const actions: RoomAction[] = [...kicks];
    if (ext.phase === 'dialling' && ext.channelId !== '') actions.push({ kind: 'hangup', channelId: ext.channelId });
    if (ext.phase === 'waiting-retry') actions.push({ kind: 'cancel-retry' });
    return { state: { ...next, external: { phase: 'up', channelId: keep.uniqueid, channel: keep.channel, since } }, actions };
  }
  // Internals but no external leg: dial it (also when a re-dial was waiting for this read), unless a
  // dial or a re-dial is already under way.
  if (ext.phase === 'dialling' || ext.phase === 'waiting-retry' || ext.phase === 'gave-up') return { state: next, actions: kicks };
  const step = dial(next);
  return { state: step.state, actions: [...kicks, ...step.actions] };
}
