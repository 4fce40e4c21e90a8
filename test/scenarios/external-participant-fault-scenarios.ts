// The permanent external participant across faults, written once for any PBX behind a PbxDriver: an AMI
// link drop and a relay SIGKILL while the room is busy. One scenario at a time (each fault hits the
// whole world), on its own PBX: test/pbx/external-participant-faults.test.ts and the simulator's
// test/e2e/external-participant-fault-scenarios.test.ts.
import { describe, expect, it } from 'vitest';
import { externalChannelIdPrefix } from '../../shared/channel-ids.js';
import { LANE_NUMBERS as N } from '../../testkit/pbx-driver.js';
import { RELAY_BOOT_MS, type LaneWorld } from '../../testkit/pbx-world.js';
import { cutAndRestore, externalJoins, externalLeaves, post, useWorld } from './lane-helpers.js';

export function externalParticipantFaultScenarios(start: () => Promise<LaneWorld>): void {
  const world = useWorld(start);

  const externalRings = (room: string): number =>
    world().driver.observer.rings(N.customerStays).filter((e) => (e.get('Linkedid') ?? '').startsWith(externalChannelIdPrefix(room))).length;

  /** A ruled room with one internal and the external leg in it; resolves with the internal's call. */
  async function busyRoom(room: string): Promise<string> {
    const put = await post(world(), `/rooms/${room}/external-participant`, { number: N.customerStays, context: 'from-internal' }, 'PUT');
    expect(put.status).toBe(200);
    const internal = await world().driver.dial(N.operator, room, 'conf');
    await world().driver.observer.until(() => externalJoins(world(), room).length === 1, `the external leg in room ${room}`, 20_000);
    return internal;
  }

  describe('permanent external participant across faults', () => {
    it('keeps its one leg across an AMI link drop, and kicks it when the last internal leaves afterwards', async () => {
      const room = '7202';
      const internal = await busyRoom(room);
      await cutAndRestore(world());
      await world().driver.hangup(internal);
      await world().driver.observer.until(() => externalLeaves(world(), room).length === 1, 'the external leg to be kicked', 20_000);
      expect(externalRings(room)).toBe(1);
    });

    it('keeps its one leg across a relay SIGKILL, and kicks it when the last internal leaves afterwards', async () => {
      const room = '7203';
      const internal = await busyRoom(room);
      await world().system.relay?.kill('SIGKILL');
      await world().system.startRelay({ PEREZVON_CAPACITY: '20' }, RELAY_BOOT_MS);
      await world().driver.hangup(internal);
      await world().driver.observer.until(() => externalLeaves(world(), room).length === 1, 'the external leg to be kicked', 20_000);
      expect(externalRings(room)).toBe(1);
    });
  });
}
