// The simulator's device and extension states, against what capture 14/14b and FACTS 11–12 show of
// Asterisk 22: Custom states set over AMI, their hint's ExtensionStatus, refusals, Local hints.
import { afterEach, describe, expect, it } from 'vitest';
import { header, kindOf, type AmiMessage } from '../relay/ami/wire';
import { answers, startAmiSimulator, type AmiSimulator } from './index';
import { TestClient } from './test-client';

let sim: AmiSimulator;
let ids = 0;
afterEach(async () => sim?.close());

async function act(c: TestClient, fields: Record<string, string>): Promise<AmiMessage> {
  const id = `a${ids++}`;
  c.send({ ...fields, ActionID: id });
  return c.response(id);
}

const h = (m: AmiMessage | undefined, name: string): string | undefined => (m === undefined ? undefined : header(m, name));
const events = (c: TestClient, from: number, name: string): AmiMessage[] =>
  c.messages.slice(from).filter((m) => kindOf(m) === 'event' && header(m, 'Event') === name);

describe('device states in the simulator', () => {
  it("sets a Custom state without a Channel: Variable Set, DeviceStateChange and the hint's ExtensionStatus", async () => {
    sim = await startAmiSimulator();
    const c = await TestClient.login(sim.port);
    const res = await act(c, { Action: 'Setvar', Variable: 'DEVICE_STATE(Custom:301)', Value: 'inuse' });
    expect(h(res, 'Message')).toBe('Variable Set');
    const dsc = await c.event('DeviceStateChange', (m) => header(m, 'Device') === 'Custom:301');
    expect(h(dsc, 'State')).toBe('INUSE');
    const es = await c.event('ExtensionStatus', (m) => header(m, 'Exten') === '301');
    expect(['Context', 'Hint', 'Status', 'StatusText'].map((k) => h(es, k))).toEqual(['hints', 'Custom:301', '1', 'InUse']);
    expect(sim.deviceState('Custom:301')).toBe('INUSE');
    expect(h(await act(c, { Action: 'Getvar', Variable: 'DEVICE_STATE(Custom:301)' }), 'Value')).toBe('INUSE');
    c.close();
  });

  it('emits nothing when the state is set again, and refuses bad values and non-Custom devices', async () => {
    sim = await startAmiSimulator();
    const c = await TestClient.login(sim.port);
    await act(c, { Action: 'Setvar', Variable: 'DEVICE_STATE(Custom:302)', Value: 'BUSY' });
    await c.event('ExtensionStatus', (m) => header(m, 'Exten') === '302');
    const from = c.messages.length;
    await act(c, { Action: 'Setvar', Variable: 'DEVICE_STATE(Custom:302)', Value: 'BUSY' });
    for (const [variable, value] of [['DEVICE_STATE(Custom:302)', 'FOO'], ['DEVICE_STATE(Custom:302)', 'UNKNOWN'], ['DEVICE_STATE(Custom:302)', ''], ['DEVICE_STATE(PJSIP/101)', 'INUSE']] as const) {
      const res = await act(c, { Action: 'Setvar', Variable: variable, Value: value });
      expect([h(res, 'Response'), h(res, 'Message')]).toEqual(['Error', 'Variable not set']);
    }
    await act(c, { Action: 'Ping' });
    expect([...events(c, from, 'ExtensionStatus'), ...events(c, from, 'DeviceStateChange')]).toEqual([]);
    c.close();
  });

  it('answers ExtensionState -1 Unknown for an extension without a hint, in a Success response', async () => {
    sim = await startAmiSimulator();
    const c = await TestClient.login(sim.port);
    const res = await act(c, { Action: 'ExtensionState', Exten: '399', Context: 'hints' });
    expect(['Response', 'Message', 'Hint', 'Status', 'StatusText'].map((k) => h(res, k))).toEqual(['Success', 'Extension Status', '', '-1', 'Unknown']);
    c.close();
  });

  it('follows a Local hint with the calls of its device: InUse at once (no Ringing), Idle after hangup', async () => {
    sim = await startAmiSimulator({ phones: { '101': answers({ ringMs: 50, holdMs: 100 }) } });
    const c = await TestClient.login(sim.port);
    const listed = async (): Promise<string | undefined> => {
      const from = c.messages.length;
      await act(c, { Action: 'ExtensionStateList' });
      await c.event('ExtensionStateListComplete');
      return h(events(c, from, 'ExtensionStatus').find((m) => header(m, 'Exten') === '101'), 'Status');
    };
    expect(await listed()).toBe('4');
    const from = c.messages.length;
    await act(c, { Action: 'Originate', Channel: 'Local/101@phones', Application: 'Wait', Data: '1', Async: 'true' });
    await c.waitFor(() => events(c, from, 'ExtensionStatus').filter((m) => header(m, 'Exten') === '101').length >= 2, 5000);
    expect(events(c, from, 'ExtensionStatus').filter((m) => header(m, 'Exten') === '101').map((m) => header(m, 'Status'))).toEqual(['1', '0']);
    expect(await listed()).toBe('0');
    c.close();
  });

  it("changes a Custom state by the CLI's devstate change, and prints the usage for a bad state", async () => {
    sim = await startAmiSimulator();
    const c = await TestClient.login(sim.port);
    const ok = await act(c, { Action: 'Command', Command: 'devstate change Custom:302 INUSE' });
    expect(h(ok, 'Output')).toBe('Changing 302 to INUSE');
    expect(sim.deviceState('Custom:302')).toBe('INUSE');
    const bad = await act(c, { Action: 'Command', Command: 'devstate change Custom:302 FOO' });
    expect([h(bad, 'Response'), h(bad, 'Output')]).toEqual(['Error', 'Usage: devstate change <device> <state>']);
    c.close();
  });
});
