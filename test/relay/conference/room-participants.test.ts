// Who is in a room, as the relay reports it to the Worker, against the AMI simulator over real TCP:
// rooms without a rule too, re-read after a relay restart and after an AMI reconnect, so
// `GET …/conferences/{id}` never keeps a stale list (ConfbridgeListRooms + ConfbridgeList, capture 05).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RelayFrame } from '../../../shared/relay-protocol.js';
import { startAmiSimulator, type AmiSimulator } from '../../../sim/index.js';
import { waitFor } from '../../../testkit/wait.js';
import { actionsNamed, header, joinRoom, startModule, type RunningModule } from '../../../testkit/conference-module.js';

type Participants = Extract<RelayFrame, { type: 'room.participants' }>;

let sim: AmiSimulator;
let running: RunningModule | undefined;

beforeEach(async () => {
  sim = await startAmiSimulator({ timeScale: 0.05 });
});

afterEach(async () => {
  await running?.stop();
  running = undefined;
  await sim.close();
});

/** The last participants report for the room, once it has `count` people. */
const reported = (r: RunningModule, room: string, count: number): Promise<Participants> =>
  waitFor(() => {
    const last = r.link.sent.filter((f): f is Participants => f.type === 'room.participants' && f.room === room).at(-1);
    return last !== undefined && last.participants.length === count ? last : undefined;
  }, `a report of ${count} in room ${room}`, 8000);

describe('room participants', () => {
  it('after a relay restart, reports who is in a room that has no rule, read from the PBX', async () => {
    const anna = await joinRoom(sim, '101', '7005');
    const boris = await joinRoom(sim, '102', '7005');
    const r = (running = await startModule(sim));
    const report = await reported(r, '7005', 2);
    expect(report.participants.map((p) => [p.channel, p.leg]).sort()).toEqual([[anna, 'internal'], [boris, 'internal']].sort());
    expect(actionsNamed(sim, 'ConfbridgeListRooms')).toHaveLength(1);
    expect(r.link.sent.find((f) => f.type === 'rooms.running')).toMatchObject({ rooms: ['7005'] });
    expect(actionsNamed(sim, 'ConfbridgeList').map((a) => header(a, 'Conference'))).toEqual(['7005']);
  });

  it('after an AMI reconnect, reports a room that emptied while the relay was not listening', async () => {
    const r = (running = await startModule(sim));
    const anna = await joinRoom(sim, '101', '7006');
    await reported(r, '7006', 1);
    sim.refuseLogins(true);
    sim.dropConnections();
    await waitFor(() => (r.ami.state !== 'ready' ? true : undefined), 'the relay to lose AMI');
    sim.hangup(anna);
    await waitFor(() => (sim.rooms().some((room) => room.room === '7006') ? undefined : true), 'the room to end');
    sim.refuseLogins(false);
    const report = await reported(r, '7006', 0);
    expect(report.participants).toEqual([]);
  });
});
