import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AmiConnection } from '../../../relay/ami/connection.js';
import type { AmiConnectionOptions } from '../../../relay/ami/connection.js';
import { AmiActionError, AmiAuthError } from '../../../relay/ami/errors.js';
import { AmiWireError, header, message, serialize } from '../../../relay/ami/wire.js';
import type { AmiMessage } from '../../../relay/ami/wire.js';
import { startScriptedPbx } from './scripted-pbx.js';
import type { ScriptedPbx } from './scripted-pbx.js';
import { captureLogger } from './logger.js';
import { nextEmit, recordStates, waitForEvent, waitForState, waitUntil } from './wait.js';

let pbx: ScriptedPbx;
let conn: AmiConnection | null = null;
let log: ReturnType<typeof captureLogger>;

function connect(overrides: Partial<AmiConnectionOptions> = {}): AmiConnection {
  conn = new AmiConnection({
    host: '127.0.0.1',
    port: pbx.port,
    username: 'relay',
    secret: 'relaysecret',
    logger: log.logger,
    backoff: { initialMs: 20, maxMs: 100 },
    ...overrides,
  });
  conn.start();
  return conn;
}

const actionName = (a: AmiMessage): string | undefined => header(a, 'Action');

beforeEach(async () => {
  pbx = await startScriptedPbx();
  log = captureLogger();
});

afterEach(async () => {
  await conn?.stop();
  conn = null;
  await pbx.close();
});

describe('AmiConnection (scripted PBX)', () => {
  it('reads the banner, logs in with its own ActionID and only then becomes ready', async () => {
    const c = connect();
    const states = recordStates(c);
    await nextEmit(c, 'ready');
    expect(c.state).toBe('ready');
    expect(states).toEqual(['ready']); // 'connecting' was set synchronously in start()
    const login = pbx.actions[0];
    expect(login && actionName(login)).toBe('Login');
    expect(login && header(login, 'ActionID')).toMatch(/^pzv-[0-9a-z]+-1$/);
    expect(login && header(login, 'Events')).toBe('on');
    const pong = await c.send({ Action: 'Ping' });
    expect(header(pong, 'Ping')).toBe('Pong');
  });

  it('never writes an action before the login succeeded', async () => {
    const c = connect();
    expect(c.state).toBe('connecting');
    await expect(c.send({ Action: 'Ping' })).rejects.toMatchObject({ code: 'AMI_DISCONNECTED', written: false });
    await nextEmit(c, 'ready');
    expect(pbx.actions.map(actionName)).toEqual(['Login']);
  });

  it('reports a rejected login as AMI_AUTH_FAILED and keeps retrying with backoff', async () => {
    pbx.secret = 'other';
    const c = connect();
    const [err] = await nextEmit<[AmiAuthError]>(c, 'error');
    expect(err).toBeInstanceOf(AmiAuthError);
    expect(err.code).toBe('AMI_AUTH_FAILED');
    await waitForState(c, 'down');
    await waitUntil(() => pbx.actions.filter((a) => actionName(a) === 'Login').length >= 3, 'three login attempts');
    pbx.secret = 'relaysecret'; // the admin fixed the PBX side
    await nextEmit(c, 'ready');
    expect(log.text()).not.toContain('relaysecret');
  });

  it('logs in again before sending anything after a dropped socket, and listeners survive', async () => {
    const c = connect();
    await nextEmit(c, 'ready');
    const seen: string[] = [];
    c.on('event', (ev) => seen.push(header(ev, 'Event') ?? ''));
    const states = recordStates(c);
    const before = pbx.actions.length;
    pbx.dropConnections();
    await nextEmit(c, 'ready');
    expect(states).toEqual(['down', 'connecting', 'ready']);
    expect(pbx.actions.slice(before).map(actionName)).toEqual(['Login']);
    pbx.broadcast({ Event: 'UserEvent', UserEvent: 'after-reconnect' });
    await waitForEvent(c, (ev) => header(ev, 'UserEvent') === 'after-reconnect');
    expect(seen).toContain('UserEvent');
  });

  it('rejects an in-flight action with AMI_DISCONNECTED when the socket drops', async () => {
    const c = connect();
    await nextEmit(c, 'ready');
    pbx.stalled = true;
    const pending = c.send({ Action: 'CoreStatus' });
    await nextEmit(pbx.events, 'action', (a: AmiMessage) => actionName(a) === 'CoreStatus');
    pbx.dropConnections();
    await expect(pending).rejects.toMatchObject({ code: 'AMI_DISCONNECTED', written: true });
  });

  it('times out an unanswered action with AMI_TIMEOUT and stays connected', async () => {
    const c = connect();
    await nextEmit(c, 'ready');
    pbx.stalled = true;
    await expect(c.send({ Action: 'CoreStatus' }, { timeoutMs: 100 })).rejects.toMatchObject({ code: 'AMI_TIMEOUT' });
    expect(c.state).toBe('ready');
  });

  it('drops and re-establishes the session when a Ping goes unanswered', async () => {
    const c = connect({ pingIntervalMs: 50, pingTimeoutMs: 100 });
    await nextEmit(c, 'ready');
    pbx.stalled = true;
    await waitForState(c, 'down', 2_000);
    pbx.stalled = false;
    await nextEmit(c, 'ready');
    expect(log.text()).toContain('ami ping unanswered');
  });

  it('rejects with AmiActionError carrying Asterisk own Message on Response: Error', async () => {
    const c = connect();
    await nextEmit(c, 'ready');
    const err = await c.send({ Action: 'Frobnicate' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AmiActionError);
    expect(err).toMatchObject({ code: 'AMI_ACTION_ERROR', message: expect.stringMatching(/^Invalid\/unknown command: Frobnicate/) });
  });

  it('never takes an event carrying its ActionID for the response (OriginateResponse, UserEvent)', async () => {
    const c = connect();
    await nextEmit(c, 'ready');
    pbx.handler = (action, reply) => {
      const id = header(action, 'ActionID');
      // Events with the ActionID first, then the real Response (FACTS 1).
      reply({ Event: 'OriginateResponse', Privilege: 'call,all', ActionID: id, Response: 'Failure', Reason: 0 });
      reply({ Event: 'UserEvent', ActionID: id, UserEvent: 'x' });
      reply({ Response: 'Success', ActionID: id, Message: 'Originate successfully queued' });
      return true;
    };
    const res = await c.send({ Action: 'Originate', Channel: 'Local/1@x', Async: 'true' });
    expect(header(res, 'Message')).toBe('Originate successfully queued');
  });

  it('matches concurrent actions by unique ActionIDs even when answered out of order', async () => {
    const c = connect();
    await nextEmit(c, 'ready');
    const held: Array<() => void> = [];
    pbx.handler = (action, reply) => {
      held.push(() => reply({ Response: 'Success', ActionID: header(action, 'ActionID'), Tag: header(action, 'Tag') }));
      if (held.length === 3) held.reverse().forEach((f) => f());
      return true;
    };
    const results = await Promise.all(['a', 'b', 'c'].map((Tag) => c.send({ Action: 'Echo', Tag })));
    expect(results.map((r) => header(r, 'Tag'))).toEqual(['a', 'b', 'c']);
    const ids = pbx.actions.map((a) => header(a, 'ActionID'));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('refuses CR/LF in any value before writing a single byte', async () => {
    const c = connect();
    await nextEmit(c, 'ready');
    const bytesBefore = pbx.received().length;
    const attempts = [
      { Action: 'Originate', Channel: 'Local/101\r\nAction: Command\r\nCommand: core restart now' },
      { Action: 'Setvar', Variable: 'X', Value: 'a\n\nAction: Originate' },
      { Action: 'Ping\r\n' },
    ];
    for (const a of attempts) await expect(c.send(a)).rejects.toBeInstanceOf(AmiWireError);
    await expect(c.send([['Action', 'Ping'], ['Bad Name', 'x']])).rejects.toMatchObject({ code: 'AMI_UNSAFE_VALUE' });
    await expect(c.send({ Action: 'Ping', ActionID: 'mine' })).rejects.toMatchObject({ code: 'AMI_INVALID_VALUE' });
    await c.send({ Action: 'Ping' }); // the session is still in sync
    expect(pbx.received().slice(bytesBefore)).toMatch(/^Action: Ping\r\nActionID: [^\r\n]+\r\n\r\n$/);
  });

  it('survives a subscriber that throws and a bare-LF line from Asterisk (capture 04)', async () => {
    const c = connect();
    await nextEmit(c, 'ready');
    c.on('event', () => {
      throw new Error('subscriber bug');
    });
    pbx.writeRaw('Event: UserEvent\r\nUserEvent: one\nMessage: x\n\r\n\r\n');
    await waitForEvent(c, (ev) => header(ev, 'UserEvent') === 'one');
    await c.send({ Action: 'Ping' });
  });

  it('logs off on stop and does not reconnect', async () => {
    const c = connect();
    await nextEmit(c, 'ready');
    await c.stop();
    expect(c.state).toBe('down');
    expect(pbx.actions.map(actionName)).toEqual(['Login', 'Logoff']);
    await expect(c.send({ Action: 'Ping' })).rejects.toMatchObject({ code: 'AMI_DISCONNECTED' });
    expect(log.text()).not.toContain('relaysecret');
  });

  it('serialises what it writes exactly like capture 01a', () => {
    expect(serialize(message({ Action: 'Ping', ActionID: 'ping-1' }).headers)).toBe('Action: Ping\r\nActionID: ping-1\r\n\r\n');
  });
});
