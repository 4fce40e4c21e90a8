// A ruled room across an AMI outage (issue 17): the relay's link to the PBX is cut with no Logoff and
// no events (a network drop), the room changes meanwhile, the link comes back. The external leg is
// dialled only on positive knowledge that an employee is in the room now, and a leg left alone is
// released once the relay can see it. Whole system: Worker in workerd, relay process, the simulator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { externalChannelIdPrefix } from '../../shared/channel-ids.js';
import { answers } from '../../sim/index.js';
import { externalOriginates as originatesInto, externalsIn as externalsInRoom, joinRoom } from '../../testkit/conference-module.js';
import { headerOf, startSystem, type System } from '../../testkit/system.js';
import { waitFor } from '../../testkit/wait.js';

const EXTERNAL = '+74957654321';
let system: System;

beforeAll(async () => {
  system = await startSystem({ sim: { phones: { [EXTERNAL]: answers({ ringMs: 100, holdMs: 600_000 }) } } });
}, 60_000);

afterAll(async () => {
  await system?.stop();
});

const externalsIn = (room: string): string[] => externalsInRoom(system.sim, room, EXTERNAL);
const externalOriginates = (room: string) => originatesInto(system.sim, room);
const roomRunning = (room: string): boolean => system.sim.rooms().some((r) => r.room === room);

async function rule(room: string): Promise<void> {
  const res = await system.api(`/rooms/${room}/external-participant`, {
    method: 'PUT', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ number: EXTERNAL, context: 'from-internal', dtmf: '7', dtmfDelayMs: 0, redial: { maxAttempts: 5, backoffSec: [1] } }),
  });
  expect(res.status).toBe(200);
}

/** An employee dials into the room; resolves with their leg once it is in the room. */
const employeeJoins = (phone: string, room: string): Promise<string> => joinRoom(system.sim, phone, room);

/** The external leg is in the room and the relay saw it join (its DTMF is sent only after the ConfbridgeJoin). */
async function externalJoined(room: string, since: number): Promise<string> {
  const [leg] = await waitFor(() => (externalsIn(room).length === 1 ? externalsIn(room) : undefined), `the external leg in room ${room}`, 10_000);
  await system.sim.waitForAction((a) => a.at >= since && headerOf(a.headers, 'Action') === 'PlayDTMF' && headerOf(a.headers, 'Channel') === leg, 10_000);
  return leg!;
}

async function amiReady(): Promise<boolean> {
  const st = (await (await system.api('/status')).json()) as { relay: { ami: string } };
  return st.relay.ami === 'ready';
}

/** A network drop: the relay's AMI session dies without a Logoff and it cannot log in again until `restore`. */
async function cutLink(): Promise<{ restore: () => Promise<void> }> {
  system.sim.refuseLogins(true);
  system.sim.dropConnections();
  await waitFor(async () => ((await amiReady()) ? undefined : true), 'the relay to see AMI down');
  return {
    async restore() {
      system.sim.refuseLogins(false);
      await waitFor(async () => ((await amiReady()) ? true : undefined), 'the relay to log in again', 45_000);
    },
  };
}

/** The relay's log lines (pino JSON) after the given offset of its output. */
function logsAfter(offset: number): Array<Record<string, unknown>> {
  return system.relay!.output().slice(offset).split('\n').flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

describe('permanent external participant across an AMI outage', () => {
  it('dials nobody into a room that emptied while the link was cut, and exactly one outside call when the next employee joins', async () => {
    await rule('7001');
    const employee = await employeeJoins('101', '7001');
    const leg = await externalJoined('7001', 0);
    const link = await cutLink();
    // Meanwhile everybody leaves and the room ends.
    system.sim.hangup(employee);
    system.sim.hangup(leg);
    await waitFor(() => (roomRunning('7001') ? undefined : true), 'room 7001 to end');
    const dialledBefore = externalOriginates('7001').length;
    const offset = system.relay!.output().length;
    await link.restore();
    // The relay's two findings after the login — the room read and its external call lost — are
    // what any re-dial would be decided on; once both are in, nothing is pending.
    await waitFor(() => {
      const logs = logsAfter(offset);
      const read = logs.some((l) => l.msg === 'room read' && l.room === '7001');
      const lost = logs.some((l) => l.msg === 'ami call ended' && l.endedBy === 'lost' && String(l.channelId).startsWith(externalChannelIdPrefix('7001')));
      return read && lost ? true : undefined;
    }, 'the relay to read room 7001 and find its external call gone', 10_000);
    expect(externalOriginates('7001')).toHaveLength(dialledBefore);
    expect(roomRunning('7001')).toBe(false);
    const joinedAt = Date.now();
    await employeeJoins('102', '7001');
    await externalJoined('7001', joinedAt);
    expect(externalOriginates('7001')).toHaveLength(dialledBefore + 1);
    expect(externalOriginates('7001').at(-1)!.at).toBeGreaterThanOrEqual(joinedAt);
  }, 90_000);

  it('releases the external leg left alone when the last employee left during the cut, once the link is back', async () => {
    await rule('7002');
    const employee = await employeeJoins('103', '7002');
    const leg = await externalJoined('7002', 0);
    const link = await cutLink();
    system.sim.hangup(employee);
    await waitFor(() => (system.sim.rooms().find((r) => r.room === '7002')?.members.length === 1 ? true : undefined), 'the external leg alone in room 7002');
    const dialledBefore = externalOriginates('7002').length;
    const restoredAt = Date.now();
    await link.restore();
    await waitFor(() => (roomRunning('7002') ? undefined : true), 'the lonely external leg to be released and room 7002 to end', 10_000);
    expect(system.sim.channels().some((c) => c.name === leg)).toBe(false);
    // The relay saw this leg join before the cut, so it kicked it (and saw it leave).
    const kicks = system.sim.actions.filter((a) => a.at >= restoredAt && headerOf(a.headers, 'Action') === 'ConfbridgeKick');
    expect(kicks.map((a) => headerOf(a.headers, 'Channel'))).toEqual([leg]);
    expect(externalOriginates('7002')).toHaveLength(dialledBefore);
  }, 90_000);
});
