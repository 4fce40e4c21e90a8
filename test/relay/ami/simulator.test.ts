// Integration tests of the AMI client layer over real TCP against the AMI simulator (sim/).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAmiSimulator, answers, rings, busy, congested, hangsUp, unallocated } from '../../../sim/index.js';
import { AmiConnection } from '../../../relay/ami/connection.js';
import type { AmiConnectionOptions } from '../../../relay/ami/connection.js';
import { AmiAuthError } from '../../../relay/ami/errors.js';
import { sendList } from '../../../relay/ami/event-list.js';
import { originate, originateAndFollow } from '../../../relay/ami/originate.js';
import type { OriginateRequest } from '../../../relay/ami/originate.js';
import type { CallOutcomeKind } from '../../../relay/ami/outcome.js';
import { header } from '../../../relay/ami/wire.js';
import { captureLogger } from './logger.js';
import { nextEmit, recordStates, waitForEvent, waitForState, waitUntil } from './wait.js';

type Sim = Awaited<ReturnType<typeof startAmiSimulator>>;

let sim: Sim;
let conn: AmiConnection | null = null;
let log: ReturnType<typeof captureLogger>;

/** The simulator's recorded actions, by name, whatever shape it records them in. */
function actionNames(): string[] {
  return (sim.actions as ReadonlyArray<unknown>).map(nameOf);
}

function nameOf(a: unknown): string {
  if (typeof a !== 'object' || a === null) return '';
  if ('headers' in a && Array.isArray(a.headers)) {
    const hit = (a.headers as unknown[]).find((h): h is [string, string] => Array.isArray(h) && String(h[0]).toLowerCase() === 'action');
    return hit ? hit[1] : '';
  }
  if ('Action' in a) return String(a.Action);
  if ('action' in a) return String(a.action);
  return '';
}

async function connect(overrides: Partial<AmiConnectionOptions> = {}): Promise<AmiConnection> {
  conn = new AmiConnection({
    host: sim.host,
    port: sim.port,
    username: 'relay',
    secret: 'relaysecret',
    logger: log.logger,
    backoff: { initialMs: 20, maxMs: 200 },
    ...overrides,
  });
  conn.start();
  return conn;
}

async function ready(overrides: Partial<AmiConnectionOptions> = {}): Promise<AmiConnection> {
  const c = await connect(overrides);
  await nextEmit(c, 'ready');
  return c;
}

let seq = 0;
const nextChannelId = (): string => `it-${process.pid}-${Date.now().toString(36)}-${++seq}`;

beforeEach(async () => {
  sim = await startAmiSimulator({ port: 0, timeScale: 0.1 });
  log = captureLogger();
});

afterEach(async () => {
  await conn?.stop();
  conn = null;
  await sim.close();
});

describe('AmiConnection (simulator)', () => {
  it('logs in and answers a Ping', async () => {
    const c = await ready();
    expect(actionNames()[0]).toBe('Login');
    const pong = await c.send({ Action: 'Ping' });
    expect(header(pong, 'Ping')).toBe('Pong');
    expect(log.text()).not.toContain('relaysecret');
  });

  it('reports a failed login with AMI_AUTH_FAILED and retries until logins work again', async () => {
    sim.refuseLogins(true);
    const c = await connect();
    const [err] = await nextEmit<[AmiAuthError]>(c, 'error');
    expect(err).toMatchObject({ code: 'AMI_AUTH_FAILED' });
    await waitUntil(() => actionNames().filter((n) => n === 'Login').length >= 2, 'a second login attempt');
    sim.refuseLogins(false);
    await nextEmit(c, 'ready');
  });

  it('reports a wrong secret with AMI_AUTH_FAILED', async () => {
    const c = await connect({ secret: 'wrong' });
    const [err] = await nextEmit<[AmiAuthError]>(c, 'error');
    expect(err.code).toBe('AMI_AUTH_FAILED');
    await waitForState(c, 'down');
    expect(log.text()).not.toContain('wrong"');
  });

  it('logs in again before sending anything after a dropped socket', async () => {
    const c = await ready();
    const states = recordStates(c);
    const events: string[] = [];
    c.on('event', (ev) => events.push(header(ev, 'Event') ?? ''));
    const before = actionNames().length;
    sim.dropConnections();
    await nextEmit(c, 'ready');
    expect(states).toEqual(['down', 'connecting', 'ready']);
    expect(actionNames().slice(before)).toEqual(['Login']);
    const seen = waitForEvent(c, (ev) => header(ev, 'UserEvent') === 'AfterReconnect');
    await c.send({ Action: 'UserEvent', UserEvent: 'AfterReconnect' });
    await seen;
    expect(events).toContain('UserEvent');
  });

  it('comes back after a PBX restart and logs in before anything else', async () => {
    const c = await ready();
    const states = recordStates(c);
    const userEvents: string[] = [];
    c.on('event', (ev) => userEvents.push(header(ev, 'UserEvent') ?? ''));
    const before = actionNames().length;
    await sim.restart({ downMs: 300 });
    await nextEmit(c, 'ready', () => true, 10_000);
    expect(states.slice(0, 1)).toEqual(['down']);
    expect(states.at(-1)).toBe('ready');
    expect(states).toContain('connecting');
    expect(actionNames().slice(before)[0]).toBe('Login');
    const seen = waitForEvent(c, (ev) => header(ev, 'UserEvent') === 'AfterRestart');
    await c.send({ Action: 'UserEvent', UserEvent: 'AfterRestart' });
    await seen;
    expect(userEvents).toContain('AfterRestart');
  });

  it('rejects an in-flight action with AMI_DISCONNECTED when the connection drops', async () => {
    const c = await ready();
    sim.stall(5_000);
    const pending = c.send({ Action: 'CoreStatus' }, { timeoutMs: 4_000 });
    sim.dropConnections();
    await expect(pending).rejects.toMatchObject({ code: 'AMI_DISCONNECTED' });
  });

  it('times out an action while the PBX stalls', async () => {
    const c = await ready();
    sim.stall(1_000);
    await expect(c.send({ Action: 'CoreStatus' }, { timeoutMs: 150 })).rejects.toMatchObject({ code: 'AMI_TIMEOUT' });
  });

  it('reconnects when Pings go unanswered', async () => {
    const c = await ready({ pingIntervalMs: 50, pingTimeoutMs: 100 });
    sim.stall(1_000);
    await waitForState(c, 'down', 3_000);
    await nextEmit(c, 'ready', () => true, 5_000);
  });

  it('writes nothing when a value carries CR/LF', async () => {
    const c = await ready();
    const before = actionNames().length;
    await expect(c.send({ Action: 'Originate', Channel: 'Local/101@phones\r\nAction: Command\r\nCommand: core restart now' })).rejects.toMatchObject({ code: 'AMI_UNSAFE_VALUE' });
    await expect(
      originate(c, { channel: 'Local/101@phones', application: 'ConfBridge', data: '7001\n\nAction: Originate', timeoutMs: 1000, channelId: nextChannelId() }),
    ).rejects.toMatchObject({ code: 'AMI_INVALID_VALUE' });
    await expect(
      originate(c, { channel: 'Local/101@phones', context: 'from-internal', exten: '101\r', timeoutMs: 1000, channelId: nextChannelId() }),
    ).rejects.toMatchObject({ code: 'AMI_INVALID_VALUE' });
    await c.send({ Action: 'Ping' });
    expect(actionNames().slice(before)).toEqual(['Ping']);
  });
});

describe('event lists (simulator)', () => {
  it('lists an originated channel by its ChannelId with CoreShowChannels', async () => {
    const c = await ready();
    sim.setPhone('101', answers({ ringMs: 100, holdMs: 60_000 }));
    const channelId = nextChannelId();
    const res = await originate(c, { channel: 'Local/101@phones', application: 'ConfBridge', data: '7001', timeoutMs: 5_000, channelId });
    expect(res).toMatchObject({ response: 'Success', reason: 4, uniqueid: channelId });
    const list = await sendList(c, { Action: 'CoreShowChannels' });
    expect(list.items.some((i) => header(i, 'Uniqueid') === channelId)).toBe(true);
    const conf = await sendList(c, { Action: 'ConfbridgeList', Conference: '7001' });
    expect(conf.items.length).toBeGreaterThanOrEqual(1);
    expect(conf.items.every((i) => header(i, 'Event') === 'ConfbridgeList')).toBe(true);
  });

  it('takes an empty ConfBridge as an empty list when asked', async () => {
    const c = await ready();
    const rooms = await sendList(c, { Action: 'ConfbridgeListRooms' }, { emptyOnKnownErrors: true });
    expect(rooms.items).toEqual([]);
    const room = await sendList(c, { Action: 'ConfbridgeList', Conference: '7999' }, { emptyOnKnownErrors: true });
    expect(room.items).toEqual([]);
    await expect(sendList(c, { Action: 'ConfbridgeListRooms' })).rejects.toMatchObject({ code: 'AMI_ACTION_ERROR', message: 'No active conferences.' });
  });

  it('finds the call again by ChannelId after a reconnect, and keeps following it', async () => {
    const c = await ready();
    sim.setPhone('101', answers({ ringMs: 100, holdMs: 60_000 }));
    const channelId = nextChannelId();
    const { result, follower } = originateAndFollow(c, { channel: 'Local/101@phones', application: 'ConfBridge', data: '7001', timeoutMs: 5_000, channelId });
    await expect(result).resolves.toMatchObject({ reason: 4 });
    sim.dropConnections();
    await nextEmit(c, 'ready');
    const list = await sendList(c, { Action: 'CoreShowChannels' });
    expect(list.items.some((i) => header(i, 'Uniqueid') === channelId)).toBe(true);
    sim.hangup(channelId, 16);
    const call = await follower.ended;
    expect(call).toMatchObject({ endedBy: 'hangup', complete: true });
    expect(call.outcome.outcome).toBe('answered');
  });
});

describe('originate outcomes (simulator)', () => {
  const cases: Array<[string, string, number, CallOutcomeKind, number, number]> = [
    // name, phones extension, Originate Timeout, outcome, cause, Reason
    ['answered', '101', 5_000, 'answered', 16, 4],
    ['busy', '300', 5_000, 'busy', 17, 5],
    ['no answer (Timeout)', '200', 500, 'no-answer', 19, 3],
    ['congestion', '400', 5_000, 'congestion', 34, 8],
    ['unallocated (cause 1)', '500', 5_000, 'failed', 1, 0],
    ['call rejected (cause 21)', '502', 5_000, 'failed', 21, 0],
  ];

  it.each(cases)('maps %s', async (_name, exten, timeoutMs, outcome, cause, reason) => {
    const c = await ready();
    sim.setPhone('101', answers({ ringMs: 100, holdMs: 300 }));
    const channelId = nextChannelId();
    const req: OriginateRequest = { channel: `Local/${exten}@phones`, application: 'ConfBridge', data: '7001', timeoutMs, channelId };
    const { result, follower } = originateAndFollow(c, req, { settleMs: 300 });
    await expect(result).resolves.toMatchObject({ reason, uniqueid: channelId });
    const call = await follower.ended;
    expect({ outcome: call.outcome.outcome, cause: call.outcome.cause, reason: call.reason }).toEqual({ outcome, cause, reason });
    expect(call.timestamps.endedAt).toBeGreaterThanOrEqual(call.timestamps.originatedAt);
    if (outcome === 'answered') expect(call.timestamps.answeredAt).not.toBeNull();
  });

  // hangUpAfterDialEnd: the route's Busy(10)/Congestion(10) would keep the answered operator on the
  // tone for 10 s (scaled), so the test hangs up like a relay that has its answer.
  it.each<[string, () => ReturnType<typeof busy>, CallOutcomeKind, number, boolean]>([
    ['busy', busy, 'busy', 17, true],
    ['congested', congested, 'congestion', 34, true],
    ['unallocated', unallocated, 'failed', 1, false],
    ['hangs up with 21', () => hangsUp(21), 'failed', 21, false],
    ['rings', rings, 'no-answer', 19, false],
  ])('maps a customer who is %s behind an operator-first callback', async (_name, behaviour, outcome, cause, hangUpAfterDialEnd) => {
    const c = await ready();
    // The operator stays on the line longer than the customer can ring (the route's Dial timeout, 2 s here).
    sim.setRouteTimeout(2);
    sim.setPhone('101', answers({ ringMs: 100, holdMs: 600_000 }));
    sim.setPhone('89991234567', behaviour());
    const channelId = nextChannelId();
    const dialEnded = waitForEvent(c, (ev) => header(ev, 'Event') === 'DialEnd' && header(ev, 'Uniqueid') === channelId, 15_000);
    const { follower } = originateAndFollow(
      c,
      { channel: 'Local/101@phones', context: 'from-internal', exten: '89991234567', timeoutMs: 5_000, channelId },
      { settleMs: 300 },
    );
    await dialEnded;
    if (hangUpAfterDialEnd) await follower.hangup();
    const call = await follower.ended;
    expect({ outcome: call.outcome.outcome, cause: call.outcome.cause }).toEqual({ outcome, cause });
    expect(call.timestamps.answeredAt).not.toBeNull(); // the operator answered
    expect(call.timestamps.dialAnsweredAt).toBeNull();
  });

  it('bounds the second leg itself when the route lets it ring for 60 s: no-answer, cause 19, and the operator released', async () => {
    const c = await ready();
    sim.setPhone('101', answers({ ringMs: 100, holdMs: 600_000 }));
    sim.setPhone('89991234567', rings());
    const channelId = nextChannelId();
    const { follower } = originateAndFollow(
      c,
      { channel: 'Local/101@from-internal', context: 'from-internal', exten: '89991234567', timeoutMs: 5_000, channelId },
      { settleMs: 300, secondLegRingMs: 1_000 },
    );
    const call = await follower.ended;
    expect(call.outcome).toMatchObject({ outcome: 'no-answer', cause: 19, basis: 'ring-timeout' });
    expect(call.secondLegDialled).toBe(true);
    expect(actionNames()).toContain('Hangup');
    expect(sim.channels().filter((ch) => ch.linkedid === channelId)).toHaveLength(0);
  });

  it('bounds a second leg that began while the AMI link was down: the first leg’s answer and the DialBegin were never seen', async () => {
    const c = await ready();
    sim.setPhone('101', answers({ ringMs: 1_000, holdMs: 600_000 }));
    sim.setPhone('89991234567', rings());
    const channelId = nextChannelId();
    const onwardDial = new Promise<void>((resolve) => {
      const off = sim.onEvent((ev) => {
        if (header(ev, 'Event') !== 'DialBegin' || header(ev, 'Uniqueid') !== channelId) return;
        off();
        resolve();
      });
    });
    const { follower } = originateAndFollow(
      c,
      { channel: 'Local/101@from-internal', context: 'from-internal', exten: '89991234567', timeoutMs: 5_000, channelId },
      { settleMs: 300, secondLegRingMs: 1_000 },
    );
    await waitUntil(() => follower.state.channel1 !== null, 'the originated channel');
    // A network drop: the operator answers and the customer starts ringing while nobody listens.
    sim.refuseLogins(true);
    sim.dropConnections();
    await onwardDial;
    expect(follower.state.answeredAt).toBeNull();
    sim.refuseLogins(false);
    const call = await follower.ended;
    expect(call.outcome).toMatchObject({ outcome: 'no-answer', cause: 19, basis: 'ring-timeout' });
    expect(sim.channels().filter((ch) => ch.linkedid === channelId)).toHaveLength(0);
  });

  it('lets a shorter dialplan timeout end the second leg first', async () => {
    const c = await ready();
    sim.setRouteTimeout(1);
    sim.setPhone('101', answers({ ringMs: 100, holdMs: 600_000 }));
    sim.setPhone('89991234567', rings());
    const channelId = nextChannelId();
    const { follower } = originateAndFollow(
      c,
      { channel: 'Local/101@from-internal', context: 'from-internal', exten: '89991234567', timeoutMs: 5_000, channelId },
      { settleMs: 300, secondLegRingMs: 30_000 },
    );
    const dialEnd = await waitForEvent(c, (ev) => header(ev, 'Event') === 'DialEnd' && header(ev, 'Uniqueid') === channelId, 10_000);
    expect(header(dialEnd, 'DialStatus')).toBe('NOANSWER');
    const call = await follower.ended;
    expect(call.outcome).toMatchObject({ outcome: 'no-answer', basis: 'dial-status' });
  });

  it('reaches the operator of from-internal through a Dial() of its own on the `;2` half, not taken for the customer', async () => {
    const c = await ready();
    sim.setPhone('101', answers({ ringMs: 100, holdMs: 600_000 }));
    sim.setPhone('89991234567', rings());
    const channelId = nextChannelId();
    const otherChannelId = `${channelId}-2`;
    const operatorDial = waitForEvent(c, (ev) => header(ev, 'Event') === 'DialEnd' && header(ev, 'Uniqueid') === otherChannelId, 10_000);
    const customerDial = waitForEvent(c, (ev) => header(ev, 'Event') === 'DialBegin' && header(ev, 'Uniqueid') === channelId, 10_000);
    const { follower } = originateAndFollow(
      c,
      { channel: 'Local/101@from-internal', context: 'from-internal', exten: '89991234567', timeoutMs: 5_000, channelId, otherChannelId },
      { settleMs: 300 },
    );
    expect(header(await operatorDial, 'DialStatus')).toBe('ANSWER');
    await customerDial;
    expect(follower.state.dialAnsweredAt).toBeNull();
    await follower.release();
    const call = await follower.ended;
    expect(call.outcome.outcome).not.toBe('answered');
  });
});
