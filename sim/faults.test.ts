// Fault controls of the simulator (drop, stall, refuse logins, delayed responses, restart) as the
// relay's reconnect/timeout logic will meet them.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { header } from '../relay/ami/wire';
import { startAmiSimulator, type AmiSimulator } from './index';
import { TestClient } from './test-client';

let sim: AmiSimulator;
beforeEach(async () => {
  sim = await startAmiSimulator({ timeScale: 0.02 });
});
afterEach(async () => {
  await sim.close();
});

describe('fault controls', () => {
  it('dropConnections closes every client socket but keeps calls running', async () => {
    const c = await TestClient.login(sim.port);
    c.send({ Action: 'Originate', ActionID: 'o', Channel: 'Local/101@phones', Application: 'Wait', Data: '100', Async: 'true', ChannelId: 'drop-1', Variable: 'HOLDTIME=100' });
    await c.event('OriginateResponse');
    sim.dropConnections();
    await c.untilClosed();
    expect(sim.channels().map((ch) => ch.uniqueid)).toContain('drop-1');
    const again = await TestClient.login(sim.port);
    again.send({ Action: 'CoreShowChannels', ActionID: 'csc' });
    const done = await again.event('CoreShowChannelsComplete');
    expect(header(done, 'ListItems')).toBe('2');
    again.close();
  });

  it('stall holds responses and events, then flushes them in order', async () => {
    const c = await TestClient.login(sim.port);
    sim.stall(300);
    const t0 = Date.now();
    c.send({ Action: 'Ping', ActionID: 'p1' });
    c.send({ Action: 'UserEvent', ActionID: 'u1', UserEvent: 'Stalled' });
    await c.response('p1', 2000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    await c.event('UserEvent');
    const order = c.messages.map((m) => header(m, 'ActionID') ?? '').filter((id) => id === 'p1' || id === 'u1');
    expect(order).toEqual(['p1', 'u1', 'u1']);
    c.close();
  });

  it('refuseLogins answers Authentication failed and closes; other sessions see InvalidPassword', async () => {
    const observer = await TestClient.login(sim.port);
    sim.refuseLogins(true);
    const c = await TestClient.open(sim.port);
    c.send({ Action: 'Login', ActionID: 'l', Username: 'relay', Secret: 'relaysecret' });
    const r = await c.response('l');
    expect(header(r, 'Response')).toBe('Error');
    expect(header(r, 'Message')).toBe('Authentication failed');
    await c.untilClosed();
    await observer.event('InvalidPassword');
    sim.refuseLogins(false);
    const ok = await TestClient.login(sim.port);
    ok.close();
    observer.close();
  });

  it('delayResponses delays every Response by the given time', async () => {
    const c = await TestClient.login(sim.port);
    sim.delayResponses(200);
    const t0 = Date.now();
    c.send({ Action: 'Ping', ActionID: 'slow' });
    await c.response('slow');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(180);
    sim.delayResponses(0);
    const t1 = Date.now();
    c.send({ Action: 'Ping', ActionID: 'fast' });
    await c.response('fast');
    expect(Date.now() - t1).toBeLessThan(150);
    c.close();
  });

  it('restart hangs calls up with cause 4, sends Shutdown, closes, refuses for downMs, then accepts with no calls', async () => {
    const c = await TestClient.login(sim.port);
    c.send({ Action: 'Originate', ActionID: 'o', Channel: 'Local/109@phones', Application: 'ConfBridge', Data: '7013', Async: 'true', Variable: 'HOLDTIME=60' });
    await c.event('ConfbridgeJoin');
    const restarting = sim.restart({ downMs: 300 });
    await c.event('SoftHangupRequest', (m) => header(m, 'Cause') === '4');
    const shutdown = await c.event('Shutdown');
    expect(header(shutdown, 'Restart')).toBe('True');
    expect(header(shutdown, 'Shutdown')).toBe('Cleanly');
    await c.untilClosed();
    await expect(TestClient.open(sim.port)).rejects.toThrow();
    await restarting;
    const fresh = await TestClient.login(sim.port);
    const booted = await fresh.event('FullyBooted');
    expect(Number(header(booted, 'Uptime'))).toBeLessThan(2);
    expect(sim.channels()).toEqual([]);
    fresh.close();
  });

  it('Command core restart now triggers a restart', async () => {
    const c = await TestClient.login(sim.port);
    c.send({ Action: 'Command', ActionID: 'cmd', Command: 'core restart now' });
    await c.response('cmd');
    await c.event('Shutdown');
    await c.untilClosed();
  });
});
