// The permanent external participant against the AMI simulator over real TCP: the relay's
// conference module dials the external leg into a ConfBridge room when the first internal joins,
// sends DTMF once it is in, kicks it when the last internal leaves, re-dials it after a drop, and
// after a restart brings the room back to the rule without a second external leg.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CallSlots } from '../../../relay/call-slots.js';
import { answers, startAmiSimulator, type AmiSimulator } from '../../../sim/index.js';
import { waitFor } from '../../../testkit/wait.js';
import { actionsNamed, externalOriginates, externalsIn, header, joinRoom, rule, startModule, type RunningModule } from '../../../testkit/conference-module.js';

const EXTERNAL = '89990001111';
let sim: AmiSimulator;
let running: RunningModule[] = [];

beforeEach(async () => {
  sim = await startAmiSimulator({ timeScale: 0.05, phones: { [EXTERNAL]: answers({ ringMs: 100, holdMs: 600_000 }) } });
  running = [];
});

afterEach(async () => {
  for (const r of running) await r.stop();
  await sim.close();
});

async function module(rulesPath?: string): Promise<RunningModule> {
  const r = await startModule(sim, undefined, rulesPath);
  running.push(r);
  return r;
}

const externalUp = (room: string, n = 1): Promise<string[]> =>
  waitFor(() => (externalsIn(sim, room).length >= n ? externalsIn(sim, room) : undefined), `${n} external leg(s) in room ${room}`, 8000);

describe('permanent external participant', () => {
  it('dials the external leg exactly once when the first of several internals joins, and sends DTMF one digit at a time after it joined', async () => {
    const { module: m } = await module();
    m.setRules([rule('7001', { dtmf: '12#' })]);
    const joins = new Map<string, number>();
    sim.onEvent((ev) => {
      const get = (k: string) => ev.headers.find(([h]) => h === k)?.[1];
      if (get('Event') === 'ConfbridgeJoin') joins.set(get('Channel') ?? '', Date.now());
    });
    await joinRoom(sim, '101', '7001');
    await Promise.all([joinRoom(sim, '102', '7001'), joinRoom(sim, '103', '7001')]);
    const [external] = await externalUp('7001');
    const dtmf = await waitFor(() => {
      const sent = actionsNamed(sim, 'PlayDTMF');
      return sent.length >= 3 ? sent : undefined;
    }, 'three PlayDTMF actions');
    expect(dtmf.map((a) => header(a, 'Digit'))).toEqual(['1', '2', '#']);
    expect(dtmf.every((a) => header(a, 'Channel') === external)).toBe(true);
    expect(dtmf[0]!.at).toBeGreaterThanOrEqual(joins.get(external!) ?? Infinity);
    const originates = externalOriginates(sim, '7001');
    expect(originates).toHaveLength(1);
    expect(header(originates[0]!, 'Channel')).toBe(`Local/${EXTERNAL}@outbound`);
    expect(header(originates[0]!, 'Application')).toBe('ConfBridge');
    expect(header(originates[0]!, 'Data')).toBe('7001,default_bridge,quiet_user');
    expect(originates[0]!.headers.filter(([k]) => k === 'Variable').map(([, v]) => v)).toContain('PEREZVON_LEG=external');
  });

  it('keeps the external leg while any internal remains and kicks it when the last one leaves', async () => {
    const { module: m } = await module();
    m.setRules([rule('7002')]);
    const a = await joinRoom(sim, '101', '7002');
    const b = await joinRoom(sim, '102', '7002');
    const [external] = await externalUp('7002');
    sim.hangup(a);
    await waitFor(() => (sim.rooms().find((r) => r.room === '7002')?.members.includes(a) ? undefined : true), 'the first internal to leave');
    expect(actionsNamed(sim, 'ConfbridgeKick')).toHaveLength(0);
    expect(externalsIn(sim, '7002')).toEqual([external]);
    sim.hangup(b);
    const kick = await sim.waitForAction((x) => header(x, 'Action') === 'ConfbridgeKick', 5000);
    expect(header(kick, 'Conference')).toBe('7002');
    expect(header(kick, 'Channel')).toBe(external);
    await waitFor(() => (sim.rooms().some((r) => r.room === '7002') ? undefined : true), 'the room to end', 8000);
    expect(externalOriginates(sim, '7002')).toHaveLength(1);
  });

  it('re-dials the external leg after it drops while an internal is still in the room', async () => {
    const { module: m } = await module();
    m.setRules([rule('7003')]);
    await joinRoom(sim, '101', '7003');
    const [first] = await externalUp('7003');
    sim.hangup(first!);
    await waitFor(() => (externalOriginates(sim, '7003').length === 2 ? true : undefined), 'a second external dial');
    const [second] = await waitFor(() => {
      const now = externalsIn(sim, '7003');
      return now.length === 1 && now[0] !== first ? now : undefined;
    }, 'the re-dialled leg in the room', 8000);
    expect(second).not.toBe(first);
  });

  it('after a relay restart with the room in use, keeps the external leg already there and still releases it when the last internal leaves', async () => {
    const before = await module();
    before.module.setRules([rule('7004')]);
    const a = await joinRoom(sim, '101', '7004');
    const [external] = await externalUp('7004');
    await before.stop();
    const after = await module();
    after.module.setRules([rule('7004')]);
    await waitFor(() => (after.module.ruleOf('7004')?.phase === 'up' ? true : undefined), 'the restarted relay to adopt the external leg');
    expect(externalOriginates(sim, '7004')).toHaveLength(1);
    expect(actionsNamed(sim, 'ConfbridgeList').length).toBeGreaterThanOrEqual(2);
    const stoppedAt = Date.now();
    sim.hangup(a);
    // This run never saw the leg's ConfbridgeJoin (it was listed): a kick could land in its join
    // prompt and be ignored for good, so it is hung up instead.
    const hangup = await sim.waitForAction((x) => x.at >= stoppedAt && header(x, 'Action') === 'Hangup', 5000);
    expect(header(hangup, 'Channel')).toBe(external);
    await waitFor(() => (externalsIn(sim, '7004').length === 0 ? true : undefined), 'the external leg to leave room 7004');
    expect(actionsNamed(sim, 'ConfbridgeKick').filter((x) => x.at >= stoppedAt)).toHaveLength(0);
  });

  it('after a relay restart, dials nothing while it cannot tell its own external leg from an employee, and adopts the leg once it can', async () => {
    const before = await module();
    before.module.setRules([rule('7006')]);
    await joinRoom(sim, '101', '7006');
    await externalUp('7006');
    await before.stop();
    // The restarted relay's room read cannot read the listed legs' PEREZVON_LEG (as when a channel
    // goes away between the list and the Getvar): counted as an employee, the external leg would look
    // missing and be dialled a second time.
    sim.refuseAction('Getvar', 'No such channel', 1000);
    const restartedAt = Date.now();
    const after = await module();
    after.module.setRules([rule('7006')]);
    // Both reads of the restarted relay (after its login, and the rule's own) fail to tell the legs apart.
    const since = (name: string): number => sim.actions.filter((x) => x.at >= restartedAt && header(x, 'Action') === name).length;
    await waitFor(() => (since('ConfbridgeList') >= 2 && since('Getvar') >= 2 ? true : undefined), 'two room reads whose leg variables cannot be read');
    sim.refuseAction('Getvar', '', 0);
    after.module.setRules([rule('7006'), rule('7007')]);
    await waitFor(() => (after.module.ruleOf('7006')?.phase === 'up' ? true : undefined), 'the restarted relay to adopt the external leg');
    expect(externalOriginates(sim, '7006')).toHaveLength(1);
  });

  it('after a relay restart, dials the external leg that went missing meanwhile, once', async () => {
    const before = await module();
    before.module.setRules([rule('7005')]);
    await joinRoom(sim, '101', '7005');
    const [external] = await externalUp('7005');
    await before.stop();
    sim.hangup(external!);
    await waitFor(() => (externalsIn(sim, '7005').length === 0 ? true : undefined), 'the external leg to drop');
    const after = await module();
    after.module.setRules([rule('7005')]);
    await externalUp('7005');
    expect(externalOriginates(sim, '7005')).toHaveLength(2);
    expect(externalsIn(sim, '7005')).toHaveLength(1);
  });

  it('after a restart while the Worker is unreachable, holds the room to the rules it last received', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'perezvon-rules-'));
    try {
      const rulesPath = join(dir, 'journal.jsonl.rules');
      const before = await module(rulesPath);
      before.link.deliver({ type: 'conference.rules', rules: [rule('7008')] });
      await before.stop();
      // No Worker frames for the new process: only the saved rules can tell it what room 7008 needs.
      const after = await module(rulesPath);
      await joinRoom(sim, '101', '7008');
      await externalUp('7008');
      expect(externalOriginates(sim, '7008')).toHaveLength(1);
      // The Worker's next rules replace the saved ones (and are saved in turn).
      after.link.deliver({ type: 'conference.rules', rules: [] });
      expect(after.module.ruleOf('7008')).toBeUndefined();
      await after.stop();
      const third = await module(rulesPath);
      expect(third.module.ruleOf('7008')).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('after a restart that found the room empty of internals, hangs up the external leg left alone (its join was not seen, so no kick)', async () => {
    const before = await module();
    before.module.setRules([rule('7006')]);
    const a = await joinRoom(sim, '101', '7006');
    const [external] = await externalUp('7006');
    await before.stop();
    sim.hangup(a);
    await waitFor(() => (sim.rooms().find((r) => r.room === '7006')?.members.includes(a) ? undefined : true), 'the internal to leave');
    const after = await module();
    after.module.setRules([rule('7006')]);
    const hangup = await sim.waitForAction((x) => header(x, 'Action') === 'Hangup' && header(x, 'Channel') === external, 5000);
    expect(hangup).toBeDefined();
    await waitFor(() => (externalsIn(sim, '7006').length === 0 ? true : undefined), 'the lonely external leg to be gone');
    expect(actionsNamed(sim, 'ConfbridgeKick')).toHaveLength(0);
    expect(externalOriginates(sim, '7006')).toHaveLength(1);
  });

  it('after a restart, releases a lonely external leg still in its join prompt, where a kick would be ignored for good', async () => {
    // The external leg answers but takes 1.5 s to enter the bridge (its join prompt): listed by
    // ConfbridgeList meanwhile, yet a ConfbridgeKick would only flag it (app_confbridge.c).
    const slow = await startAmiSimulator({
      timeScale: 0.05, phones: { [EXTERNAL]: answers({ ringMs: 100, holdMs: 600_000 }) },
      jitter: (point, channel) => (point === 'bridge-enter' && channel.startsWith(`Local/${EXTERNAL}@`) ? 1500 : 0),
    });
    try {
      const before = await startModule(slow);
      before.module.setRules([rule('7009')]);
      const a = await joinRoom(slow, '101', '7009');
      await waitFor(() => (slow.rooms().find((r) => r.room === '7009')?.members.length === 2 ? true : undefined), 'the external leg answered and in its prompt');
      await before.stop();
      slow.hangup(a);
      await waitFor(() => (slow.rooms().find((r) => r.room === '7009')?.members.length === 1 ? true : undefined), 'the employee to leave');
      const after = await startModule(slow);
      after.module.setRules([rule('7009')]);
      await waitFor(() => (slow.rooms().some((r) => r.room === '7009') ? undefined : true), 'the lonely leg to be gone and the room to end', 8000);
      expect(actionsNamed(slow, 'Hangup').length).toBeGreaterThanOrEqual(1);
      await after.stop();
    } finally {
      await slow.close();
    }
  });
});

describe('the external participant and the relay call limit', () => {
  it('waits for a free call slot before dialling, says it is waiting, and dials once a slot is free', async () => {
    const slots = new CallSlots(1);
    const busy = slots.tryTake();
    const r = await startModule(sim, undefined, undefined, slots);
    running.push(r);
    r.module.setRules([rule('7001')]);
    await joinRoom(sim, '101', '7001');
    await waitFor(() => (slots.ownCalls === 1 ? true : undefined), 'the external leg to wait for a slot');
    expect(externalOriginates(sim, '7001')).toHaveLength(0);
    busy?.();
    await externalUp('7001');
    expect(externalOriginates(sim, '7001')).toHaveLength(1);
    expect(slots.inUse).toBe(1);
  });

  it('dials nothing when the room empties while the leg waits for a slot', async () => {
    const slots = new CallSlots(1);
    const busy = slots.tryTake();
    const r = await startModule(sim, undefined, undefined, slots);
    running.push(r);
    r.module.setRules([rule('7001')]);
    const uid = await joinRoom(sim, '101', '7001');
    await waitFor(() => (slots.ownCalls === 1 ? true : undefined), 'the external leg to wait for a slot');
    sim.hangup(uid);
    await waitFor(() => (r.module.ruleOf('7001')?.phase === 'idle' ? true : undefined), 'the rule to see the room empty');
    busy?.();
    // The slot went to the waiting leg, which gave it back without dialling: that is the last step.
    await waitFor(() => (slots.ownCalls === 0 && slots.inUse === 0 ? true : undefined), 'the slot to be given back');
    expect(externalOriginates(sim, '7001')).toHaveLength(0);
  });
});
