// Conference assembly (by API and by the `*100G` service code) and the permanent external participant,
// written once for any PBX behind a PbxDriver: the real Asterisk of the lane (test/pbx/conferences.test.ts)
// and the simulator (test/e2e/conference-scenarios.test.ts). Assertions are on the API and on what the
// PBX did (ConfbridgeJoin/Leave, UserEvent, DTMF and who was rung, from the AMI observer).
import { describe, expect, it } from 'vitest';
import type { ConferenceView } from '../../shared/conferences.js';
import { CHANNEL_ID_PREFIXES, externalChannelIdPrefix, memberChannelIds } from '../../shared/channel-ids.js';
import { waitFor } from '../../testkit/wait.js';
import { LANE_NUMBERS as N } from '../../testkit/pbx-driver.js';
import type { LaneWorld } from '../../testkit/pbx-world.js';
import { dtmfOnExternalLegs, externalJoins, externalLeaves, post, useWorld, waitForConference } from './lane-helpers.js';

const FINAL = ['joined', 'left', 'busy', 'no-answer', 'failed'];

export function conferenceScenarios(start: () => Promise<LaneWorld>): void {
  const world = useWorld(start);

  /** Calls of a member's dials that rang `number`. */
  const memberRings = (memberId: string, number: string): number =>
    world().driver.observer.rings(number).filter((e) => (e.get('Linkedid') ?? '').startsWith(`${CHANNEL_ID_PREFIXES.member}${memberId}-`)).length;

  describe.concurrent('conference assembly', () => {
    it('by API: dials every member into the room once, and records joined, no-answer and busy', async () => {
      const res = await post(world(), '/conferences', {
        room: '7101', ringTimeoutSec: 5,
        members: [{ name: 'Anna', extension: N.operator }, { name: 'Gleb', extension: N.operatorNoAnswer }, { name: 'Site', number: N.customerBusy }],
      });
      expect(res.status).toBe(202);
      const created = (await res.json()) as ConferenceView;
      const done = await waitForConference(world(), created.id, (c) => c.members.every((m) => FINAL.includes(m.status)), 'every member outcome');
      expect(done.members.map((m) => m.status)).toEqual([expect.stringMatching(/^(joined|left)$/), 'no-answer', 'busy']);
      const [anna, gleb, site] = done.members.map((m) => m.id);
      const annaJoins = world().driver.observer.joins('7101').filter((e) => (e.get('Linkedid') ?? '') === memberChannelIds(anna ?? '', 1).channelId);
      expect(annaJoins).toHaveLength(1);
      expect(memberRings(anna ?? '', N.operator)).toBe(1);
      expect(memberRings(gleb ?? '', N.operatorNoAnswer)).toBe(1);
      expect(memberRings(site ?? '', N.customerBusy)).toBe(1);
    });

    it('by service code: *100G raises the UserEvent, and every other member of the group joins the caller’s room', async () => {
      const group = await post(world(), '/conference-groups', {
        name: 'Planning', code: '7', callerIdName: 'Planning',
        members: [{ name: 'Anna', extension: N.operator }, { name: 'Boris', extension: N.operator2 }, { name: 'Vera', extension: N.operator3 }],
      });
      expect(group.status).toBe(201);
      const since = Date.now();
      await world().driver.dial(N.operator, '*1007', 'from-internal');
      const userEvent = await world().driver.observer.waitFor('UserEvent', (e) => e.get('UserEvent') === 'ConferenceAssembly' && e.get('Group') === '7', 'the ConferenceAssembly UserEvent', 10_000, since);
      expect(userEvent.get('Room')).toBe(N.operator);
      const assembly = await waitFor(async () => {
        const { conferences } = (await (await world().system.api('/conferences')).json()) as { conferences: ConferenceView[] };
        return conferences.find((c) => c.source === 'service-code');
      }, 'the assembly to be created', 15_000, 100);
      const mine = await waitForConference(world(), assembly.id, (c) => c.members.every((m) => m.status === 'joined'), 'both members to join');
      expect(mine).toMatchObject({ room: N.operator, source: 'service-code' });
      expect(mine.members.map((m) => m.extension)).toEqual([N.operator2, N.operator3]);
      await world().driver.observer.until(() => world().driver.observer.inRoom(N.operator).length === 3, 'the caller and both members in the room', 15_000);
    });
  });

  describe.concurrent('permanent external participant', () => {
    it('is dialled once on the first internal join, joins within 5 s, hears its DTMF, stays one leg for several internals, and is kicked when the last leaves', async () => {
      const room = '7201';
      const put = await post(world(), `/rooms/${room}/external-participant`, { number: N.customerStays, context: 'from-internal', dtmf: '12', dtmfDelayMs: 0 }, 'PUT');
      expect(put.status).toBe(200);
      const first = await world().driver.dial(N.operator, room, 'conf');
      const internalJoin = await world().driver.observer.waitFor('ConfbridgeJoin', (e) => e.get('Conference') === room, 'the first internal join', 15_000);
      await world().driver.observer.until(() => externalJoins(world(), room).length === 1, 'the external leg in the room', 15_000);
      expect((externalJoins(world(), room)[0]?.at ?? Infinity) - internalJoin.at).toBeLessThanOrEqual(5_000);
      await world().driver.observer.until(() => dtmfOnExternalLegs(world(), room).includes('12'), 'the DTMF 1, 2 to reach the external leg', 10_000);
      const second = await world().driver.dial(N.operator2, room, 'conf');
      await world().driver.observer.until(() => world().driver.observer.inRoom(room).length === 3, 'two internals and the external leg in the room', 15_000);
      await world().driver.hangup(first);
      await world().driver.observer.until(() => world().driver.observer.inRoom(room).length === 2, 'the first internal to leave', 10_000);
      await world().driver.hangup(second);
      await world().driver.observer.until(() => externalLeaves(world(), room).length === 1, 'the external leg to be kicked', 15_000);
      expect(externalJoins(world(), room)).toHaveLength(1);
      expect(new Set(dtmfOnExternalLegs(world(), room))).toEqual(new Set(['12']));
      expect(world().driver.observer.rings(N.customerStays).filter((e) => (e.get('Linkedid') ?? '').startsWith(externalChannelIdPrefix(room)))).toHaveLength(1);
    });
  });
}
