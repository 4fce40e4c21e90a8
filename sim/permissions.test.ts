// manager.conf permissions in the simulator, as Asterisk 22 applies them (main/manager.c): write
// classes gate actions and ListCommands, read classes gate events; ShowDialPlan lists contexts.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { header, kindOf } from '../relay/ami/wire';
import { startAmiSimulator, type AmiSimulator } from './index';
import { TestClient } from './test-client';

let sim: AmiSimulator;
beforeEach(async () => {
  sim = await startAmiSimulator({
    timeScale: 0.02,
    users: { relay: 'relaysecret', limited: { secret: 'limitedsecret', read: 'system', write: 'call,reporting' } },
  });
});
afterEach(async () => {
  await sim.close();
});

const limited = () => TestClient.login(sim.port, { Username: 'limited', Secret: 'limitedsecret' });

describe('AMI user permissions', () => {
  it('ListCommands lists only the actions the user may write, with their classes', async () => {
    const c = await limited();
    c.send({ Action: 'ListCommands', ActionID: 'lc' });
    const res = await c.response('lc');
    expect(header(res, 'Response')).toBe('Success');
    expect(header(res, 'Getvar')).toBe('Gets a channel variable or function value. (Priv: call,reporting,all)');
    expect(header(res, 'Ping')).toBe('Keepalive command. (Priv: <none>)');
    expect(header(res, 'ConfbridgeList')).toBeDefined();
    expect(header(res, 'Originate')).toBeUndefined();
    expect(header(res, 'Command')).toBeUndefined();
    const full = await TestClient.login(sim.port);
    full.send({ Action: 'ListCommands', ActionID: 'lc' });
    expect(header(await full.response('lc'), 'Originate')).toBe('Originate a call. (Priv: originate,all)');
    c.close();
    full.close();
  });

  it('refuses an action outside the write classes with Permission denied and runs nothing', async () => {
    const c = await limited();
    c.send({ Action: 'Originate', ActionID: 'o', Channel: 'Local/101@phones', Application: 'Wait', Data: '1', Async: 'true', ChannelId: 'perm-1' });
    const res = await c.response('o');
    expect(header(res, 'Response')).toBe('Error');
    expect(header(res, 'Message')).toBe('Permission denied');
    expect(sim.channels()).toEqual([]);
    c.close();
  });

  it('delivers only events whose every class the user may read', async () => {
    const c = await limited();
    const full = await TestClient.login(sim.port);
    full.send({ Action: 'UserEvent', ActionID: 'u', UserEvent: 'Probe' });
    await full.event('UserEvent');
    // A Ping answered after the UserEvent proves the limited session would have had it by now.
    c.send({ Action: 'Ping', ActionID: 'p' });
    await c.response('p');
    expect(c.messages.some((m) => kindOf(m) === 'event' && header(m, 'Event') === 'UserEvent')).toBe(false);
    expect(c.messages.some((m) => header(m, 'Event') === 'FullyBooted')).toBe(true);
    c.close();
    full.close();
  });
});

describe('ShowDialPlan', () => {
  it('lists a context that exists and ends with the counts', async () => {
    const c = await TestClient.login(sim.port);
    c.send({ Action: 'ShowDialPlan', ActionID: 'd', Context: 'from-internal' });
    expect(header(await c.response('d'), 'Message')).toBe('DialPlan list will follow');
    const done = await c.event('ShowDialPlanComplete');
    expect(Number(header(done, 'ListItems'))).toBeGreaterThan(0);
    expect(header(done, 'ListContexts')).toBe('1');
    const items = c.messages.filter((m) => header(m, 'Event') === 'ListDialplan');
    expect(items.every((m) => header(m, 'Context') === 'from-internal' && header(m, 'ActionID') === 'd')).toBe(true);
    c.close();
  });

  it('answers Did not find context for a context the PBX does not have', async () => {
    const c = await TestClient.login(sim.port);
    c.send({ Action: 'ShowDialPlan', ActionID: 'd', Context: 'no-such-context' });
    const res = await c.response('d');
    expect(header(res, 'Response')).toBe('Error');
    expect(header(res, 'Message')).toBe('Did not find context no-such-context');
    c.close();
  });
});
