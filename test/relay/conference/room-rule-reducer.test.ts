// The permanent-participant rule as a pure reducer: which actions each room event calls for.
import { describe, expect, it } from 'vitest';
import { initialRoomState, reduceRoom, withDialChannel, type RoomEvent, type RoomState, type RuleLimits } from '../../../relay/conference/room-rule-reducer.js';

const limits: RuleLimits = { maxRedials: 2, backoffMs: [100, 500], dtmf: '42', stableMs: 60_000 };
const internal = (n: number) => ({ uniqueid: `in-${n}`, channel: `Local/7001@conf-0000000${n};2` });
const ext = (id: string) => ({ uniqueid: id, channel: `Local/8999@outbound-${id};1` });

/** A room this run has read once and found empty: where most rules start. */
const readEmpty = (): RoomState => reduceRoom(initialRoomState(), { kind: 'snapshot', internals: [], externals: [], at: 0 }, limits).state;

function run(events: RoomEvent[], start: RoomState = readEmpty()): { state: RoomState; actions: unknown[][] } {
  let state = start;
  const actions: unknown[][] = [];
  for (const e of events) {
    const step = reduceRoom(state, e, limits);
    state = step.state;
    // The executor names each dial's ChannelId, as external-participant.ts does.
    const dial = step.actions.find((a) => a.kind === 'dial');
    if (dial !== undefined && dial.kind === 'dial') state = withDialChannel(state, `x-${dial.seq}`);
    actions.push(step.actions);
  }
  return { state, actions };
}

describe('room rule reducer', () => {
  it('does not dial on an employee joining before this run has read the room, and asks for the read instead', () => {
    // After a restart the employee's ConfbridgeJoin can come late (after the join prompt), while the
    // external leg the last run dialled is already in the room.
    const { actions, state } = run([
      { kind: 'join', leg: 'internal', who: internal(1), at: 0 },
      { kind: 'leave', leg: 'internal', who: internal(1), at: 1 },
    ], initialRoomState());
    expect(actions).toEqual([[{ kind: 'reread' }], [{ kind: 'reread' }]]);
    expect(state.external.phase).toBe('unread');
  });

  it('lets the first read of the room decide: adopts the leg already there, or dials when there is none', () => {
    const joined = run([{ kind: 'join', leg: 'internal', who: internal(1), at: 0 }], initialRoomState());
    const adopted = run([{ kind: 'snapshot', internals: [internal(1)], externals: [ext('old')], at: 5 }], joined.state);
    // Adopted, not re-joined: the last run already sent its DTMF.
    expect(adopted.actions).toEqual([[]]);
    expect(adopted.state.external).toMatchObject({ phase: 'up', channelId: 'old' });
    const dialled = run([{ kind: 'snapshot', internals: [internal(1)], externals: [], at: 5 }], joined.state);
    expect(dialled.actions).toEqual([[{ kind: 'dial', seq: 1 }]]);
  });

  it('dials once for the first internal and not for the ones after it', () => {
    const { actions } = run([
      { kind: 'join', leg: 'internal', who: internal(1), at: 0 },
      { kind: 'join', leg: 'internal', who: internal(2), at: 1 },
      { kind: 'join', leg: 'internal', who: internal(3), at: 2 },
    ]);
    expect(actions).toEqual([[{ kind: 'dial', seq: 1 }], [], []]);
  });

  it('sends the DTMF when the dialled leg joins, and kicks it when the last internal leaves', () => {
    const { actions, state } = run([
      { kind: 'join', leg: 'internal', who: internal(1), at: 0 },
      { kind: 'join', leg: 'internal', who: internal(2), at: 0 },
      { kind: 'join', leg: 'external', who: ext('x-1'), at: 5 },
      { kind: 'leave', leg: 'internal', who: internal(1), at: 10 },
      { kind: 'leave', leg: 'internal', who: internal(2), at: 11 },
      { kind: 'leave', leg: 'external', who: ext('x-1'), at: 12 },
      { kind: 'external-ended', channelId: 'x-1', at: 13 },
    ]);
    expect(actions[2]).toEqual([{ kind: 'dtmf', channel: ext('x-1').channel, digits: '42' }]);
    expect(actions[3]).toEqual([]);
    expect(actions[4]).toEqual([{ kind: 'kick', channel: ext('x-1').channel, uniqueid: 'x-1' }]);
    expect(actions.slice(5)).toEqual([[], []]);
    expect(state.external.phase).toBe('idle');
  });

  it('hangs up a dial still ringing when the last internal leaves', () => {
    const { actions } = run([
      { kind: 'join', leg: 'internal', who: internal(1), at: 0 },
      { kind: 'leave', leg: 'internal', who: internal(1), at: 1 },
    ]);
    expect(actions[1]).toEqual([{ kind: 'hangup', channelId: 'x-1' }]);
  });

  it('re-dials a dropped leg with backoff, each time after re-reading the room, and gives up after the bounded number of re-dials', () => {
    const { actions, state } = run([
      { kind: 'join', leg: 'internal', who: internal(1), at: 0 },
      { kind: 'external-ended', channelId: 'x-1', at: 1 },
      { kind: 'retry-due', at: 101 },
      { kind: 'snapshot', internals: [internal(1)], externals: [], at: 102 },
      { kind: 'external-ended', channelId: 'x-2', at: 103 },
      { kind: 'retry-due', at: 603 },
      { kind: 'snapshot', internals: [internal(1)], externals: [], at: 604 },
      { kind: 'external-ended', channelId: 'x-3', at: 605 },
    ]);
    expect(actions[1]).toEqual([{ kind: 'schedule-retry', delayMs: 100 }]);
    expect(actions[2]).toEqual([{ kind: 'reread' }]);
    expect(actions[3]).toEqual([{ kind: 'dial', seq: 2 }]);
    expect(actions[4]).toEqual([{ kind: 'schedule-retry', delayMs: 500 }]);
    expect(actions[5]).toEqual([{ kind: 'reread' }]);
    expect(actions[6]).toEqual([{ kind: 'dial', seq: 3 }]);
    expect(actions[7]).toEqual([]);
    expect(state.external.phase).toBe('gave-up');
  });

  it('does not re-dial into a room the re-read finds empty (everybody left while the events were lost)', () => {
    const { actions, state } = run([
      { kind: 'join', leg: 'internal', who: internal(1), at: 0 },
      { kind: 'external-ended', channelId: 'x-1', at: 1 },
      { kind: 'retry-due', at: 101 },
      { kind: 'snapshot', internals: [], externals: [], at: 102 },
    ]);
    expect(actions.flat().filter((a) => (a as { kind: string }).kind === 'dial')).toHaveLength(1);
    expect(state.external.phase).toBe('idle');
  });

  it('never dials while the re-read has not answered, but does on an internal joining meanwhile', () => {
    const waiting = run([
      { kind: 'join', leg: 'internal', who: internal(1), at: 0 },
      { kind: 'external-ended', channelId: 'x-1', at: 1 },
      { kind: 'retry-due', at: 101 },
    ]);
    expect(waiting.state.external.phase).toBe('checking');
    const joined = run([{ kind: 'join', leg: 'internal', who: internal(2), at: 150 }], waiting.state);
    expect(joined.actions[0]).toEqual([{ kind: 'dial', seq: 2 }]);
  });

  it('never keeps two external legs: a second one joining is kicked', () => {
    const { actions } = run([
      { kind: 'join', leg: 'internal', who: internal(1), at: 0 },
      { kind: 'join', leg: 'external', who: ext('x-1'), at: 1 },
      { kind: 'join', leg: 'external', who: ext('old'), at: 2 },
    ]);
    expect(actions[2]).toEqual([{ kind: 'kick', channel: ext('old').channel, uniqueid: 'old' }]);
  });

  it('adopts a leg from before a restart that joins while a new dial rings, and hangs the new dial up', () => {
    const { actions, state } = run([
      { kind: 'join', leg: 'internal', who: internal(1), at: 0 },
      { kind: 'join', leg: 'external', who: ext('old'), at: 1 },
    ]);
    expect(actions[1]).toEqual([{ kind: 'hangup', channelId: 'x-1' }, { kind: 'dtmf', channel: ext('old').channel, digits: '42' }]);
    expect(state.external).toMatchObject({ phase: 'up', channelId: 'old' });
  });

  it('on a snapshot: keeps one external leg and kicks the others; dials when none; kicks all when no internal is left', () => {
    const two = run([{ kind: 'snapshot', internals: [internal(1)], externals: [ext('a'), ext('b')], at: 0 }]);
    expect(two.actions[0]).toEqual([{ kind: 'kick', channel: ext('b').channel, uniqueid: 'b' }]);
    expect(two.state.external).toMatchObject({ phase: 'up', channelId: 'a' });
    expect(run([{ kind: 'snapshot', internals: [internal(1)], externals: [], at: 0 }]).actions[0]).toEqual([{ kind: 'dial', seq: 1 }]);
    expect(run([{ kind: 'snapshot', internals: [], externals: [ext('a')], at: 0 }]).actions[0]).toEqual([{ kind: 'kick', channel: ext('a').channel, uniqueid: 'a' }]);
  });

  it('does not dial again on a snapshot while its own dial is still ringing', () => {
    const { actions } = run([
      { kind: 'join', leg: 'internal', who: internal(1), at: 0 },
      { kind: 'snapshot', internals: [internal(1)], externals: [], at: 1 },
    ]);
    expect(actions[1]).toEqual([]);
  });
});
