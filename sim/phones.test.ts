// The phone-behaviour API and the product extras of the PBX model (from-internal, dial(), hangup()).
import { afterEach, describe, expect, it } from 'vitest';
import { header, type AmiMessage } from '../relay/ami/wire';
import { answers, busy, congested, hangsUp, rings, startAmiSimulator, unallocated, type AmiSimulator, type PhoneBehaviour } from './index';
import { TestClient } from './test-client';

let sim: AmiSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function originateTo(target: string, phones: Record<string, PhoneBehaviour>, extra: Record<string, string> = {}) {
  sim = await startAmiSimulator({ timeScale: 1, phones });
  const c = await TestClient.login(sim.port);
  c.send({ Action: 'Originate', ActionID: 'o', Channel: target, Application: 'Wait', Data: '30', CallerID: 'Test <7000>', Async: 'true', ChannelId: 'call-1', Timeout: '3000', ...extra });
  const resp = await c.event('OriginateResponse', () => true, 5000);
  return { c, resp };
}

const causeOf = (c: TestClient, ch: RegExp) =>
  c.event('Hangup', (m: AmiMessage) => ch.test(header(m, 'Channel') ?? ''), 5000).then((m) => header(m, 'Cause'));

describe('phone behaviours', () => {
  it('answers({ringMs:50}) gives Reason 4, then Hangup 16 after the hold', async () => {
    const { c, resp } = await originateTo('Local/101@phones', { '101': answers({ ringMs: 50, holdMs: 200 }) });
    expect(header(resp, 'Response')).toBe('Success');
    expect(header(resp, 'Reason')).toBe('4');
    const t0 = Date.now();
    expect(await causeOf(c, /;2$/)).toBe('16');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
    c.close();
  });

  it.each([
    ['busy', busy(), '5', '17'],
    ['congested', congested(), '8', '34'],
    ['unallocated', unallocated(), '0', '1'],
    ['hangsUp(21)', hangsUp(21), '0', '21'],
  ])('%s: OriginateResponse Reason and the cause on ;2', async (_n, b, reason, cause) => {
    const { c, resp } = await originateTo('Local/+79990000002@phones', { '+79990000002': b });
    expect(header(resp, 'Response')).toBe('Failure');
    expect(header(resp, 'Channel')).toBe('Local/+79990000002@phones');
    expect(header(resp, 'Reason')).toBe(reason);
    expect(await causeOf(c, /;2$/)).toBe(cause);
    c.close();
  });

  it('rings() never answers: the Originate Timeout gives Reason 3 and cause 19', async () => {
    const { c, resp } = await originateTo('Local/101@phones', { '101': rings() }, { Timeout: '300' });
    expect(header(resp, 'Reason')).toBe('3');
    expect(await causeOf(c, /;1$/)).toBe('19');
    c.close();
  });

  it('an external number through outbound-mapped maps busy to Reason 5; through outbound to Reason 0', async () => {
    sim = await startAmiSimulator({ timeScale: 0.05, phones: { '+79991112233': busy() } });
    const c = await TestClient.login(sim.port);
    for (const [id, ctx] of [['m', 'outbound-mapped'], ['p', 'outbound']] as const)
      c.send({ Action: 'Originate', ActionID: id, Channel: `Local/+79991112233@${ctx}`, Application: 'Wait', Data: '1', Async: 'true' });
    const mapped = await c.event('OriginateResponse', (m) => header(m, 'ActionID') === 'm');
    const plain = await c.event('OriginateResponse', (m) => header(m, 'ActionID') === 'p');
    expect(header(mapped, 'Reason')).toBe('5');
    expect(header(plain, 'Reason')).toBe('0');
    c.close();
  });

  it('from-internal: extensions ring like phones, long numbers go out through the trunk', async () => {
    sim = await startAmiSimulator({ timeScale: 0.02, phones: { '+79990000001': answers({ ringMs: 20, holdMs: 200 }) } });
    const c = await TestClient.login(sim.port);
    c.send({ Action: 'Originate', ActionID: 'ext', Channel: 'Local/102@from-internal', Application: 'Wait', Data: '1', Async: 'true' });
    c.send({ Action: 'Originate', ActionID: 'num', Channel: 'Local/+79990000001@from-internal', Application: 'Wait', Data: '1', Async: 'true' });
    expect(header(await c.event('OriginateResponse', (m) => header(m, 'ActionID') === 'ext'), 'Reason')).toBe('4');
    expect(header(await c.event('OriginateResponse', (m) => header(m, 'ActionID') === 'num'), 'Reason')).toBe('4');
    await c.event('DialBegin', (m) => header(m, 'DialString') === '+79990000001@phones');
    c.close();
  });

  it('dial() of a service code raises ConferenceAssembly and puts the phone into its room; hangup() ends it', async () => {
    sim = await startAmiSimulator({ timeScale: 0.02 });
    const c = await TestClient.login(sim.port);
    const uid = sim.dial('104', '*1005');
    const ue = await c.event('UserEvent', (m) => header(m, 'UserEvent') === 'ConferenceAssembly');
    expect([header(ue, 'Group'), header(ue, 'Room'), header(ue, 'Caller')]).toEqual(['5', '104', '104']);
    await c.event('ConfbridgeJoin', (m) => header(m, 'Conference') === '104');
    expect(sim.rooms()).toEqual([{ room: '104', members: [expect.stringMatching(/^Local\/\*1005@from-internal-[0-9a-f]{8};2$/)] }]);
    expect(sim.channels().some((ch) => ch.uniqueid === uid)).toBe(true);
    sim.hangup(uid, 16);
    await c.event('ConfbridgeEnd');
    await c.waitFor(() => sim?.channels().length === 0 || false, 3000).catch(() => undefined);
    expect(sim.channels()).toEqual([]);
    c.close();
  });

  it('records every action and waitForAction resolves on arrival', async () => {
    sim = await startAmiSimulator();
    const c = await TestClient.login(sim.port);
    const waiting = sim.waitForAction((a) => a.headers.some(([k, v]) => k === 'Action' && v === 'Ping'));
    c.send({ Action: 'Ping', ActionID: 'p' });
    const a = await waiting;
    expect(a.headers).toContainEqual(['ActionID', 'p']);
    expect(sim.actions.map((x) => x.headers[0]?.[1])).toEqual(['Login', 'Ping']);
    const events: string[] = [];
    const off = sim.onEvent((m) => events.push(header(m, 'Event') ?? ''));
    c.send({ Action: 'UserEvent', ActionID: 'u', UserEvent: 'X' });
    await c.event('UserEvent');
    off();
    expect(events).toContain('UserEvent');
    c.close();
  });
});
