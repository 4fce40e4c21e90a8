// Conference assembly end to end: a phone dials the service code `*1005`, the PBX's dialplan raises
// UserEvent ConferenceAssembly, the relay process reports it to the Worker in workerd, and the queue
// sends every member of group 5 back to be dialled into the caller's room; outcomes come back to GET.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConferenceView } from '../../shared/conferences.js';
import { answers, busy, rings } from '../../sim/index.js';
import { DEMO_SETTINGS, headerOf, startSystem, type System } from '../../testkit/system.js';
import { waitFor } from '../../testkit/wait.js';
import { CHANNEL_ID_PREFIXES, externalChannelIdPrefix, memberChannelIds } from '../../shared/channel-ids.js';

const EXTERNAL = '89990001111';
let system: System;

beforeAll(async () => {
  system = await startSystem({
    sim: { phones: { '101': answers({ ringMs: 100, holdMs: 60_000 }), '102': busy(), '103': rings(), '104': answers({ ringMs: 0, holdMs: 60_000 }), [EXTERNAL]: answers({ ringMs: 100, holdMs: 600_000 }) } },
    // The PBX's outbound routes take national numbers: the rule's +79990001111 is dialled 89990001111.
    settings: { ...DEMO_SETTINGS, numbering: { country: 'RU', dialFormat: 'national' }, ringTimeoutSec: 5 },
  });
}, 60_000);

afterAll(async () => {
  await system?.stop();
});

const post = (path: string, body: unknown) => system.api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('conference assembly by service code', () => {
  it('dials every member of the group into the caller’s room with the group’s caller ID, and records answered, busy and no-answer', async () => {
    const created = await post('/conference-groups', {
      name: 'Planning', code: '5', callerIdName: 'Planning',
      members: [{ name: 'Anna', extension: '101' }, { name: 'Boris', extension: '102' }, { name: 'Vera', extension: '103' }, { name: 'Boss', extension: '104' }],
    });
    expect(created.status).toBe(201);
    system.sim.dial('104', '*1005', 'from-internal');
    const conference = await waitFor(async () => {
      const { conferences } = (await (await system.api('/conferences')).json()) as { conferences: ConferenceView[] };
      return conferences[0];
    }, 'the assembly to be created', 10_000);
    expect(conference).toMatchObject({ room: '104', source: 'service-code', callerIdName: 'Planning' });
    const done = await waitFor(async () => {
      const c = (await (await system.api(`/conferences/${conference.id}`)).json()) as ConferenceView;
      return c.members.every((m) => ['joined', 'busy', 'no-answer', 'failed'].includes(m.status)) ? c : undefined;
    }, 'every member outcome', 15_000, 100);
    expect(done.members.map((m) => [m.extension, m.status])).toEqual([['101', 'joined'], ['102', 'busy'], ['103', 'no-answer']]);
    const originates = system.sim.actions.filter((a) => headerOf(a.headers, 'Action') === 'Originate' && (headerOf(a.headers, 'ChannelId') ?? '').startsWith(CHANNEL_ID_PREFIXES.member));
    expect(originates.map((a) => headerOf(a.headers, 'Channel')).sort()).toEqual(['Local/101@from-internal', 'Local/102@from-internal', 'Local/103@from-internal']);
    for (const o of originates) {
      expect(headerOf(o.headers, 'CallerID')).toBe('"Planning" <104>');
      expect(headerOf(o.headers, 'Application')).toBe('ConfBridge');
      expect(headerOf(o.headers, 'Data')).toBe('104,default_bridge,default_user');
    }
    // Who is in the room now: the caller (a dial-in, internal) and Anna, the member we originated.
    const inRoom = await waitFor(async () => {
      const c = (await (await system.api(`/conferences/${conference.id}`)).json()) as ConferenceView;
      return c.participants.length === 2 ? c.participants : undefined;
    }, 'two participants in the room', 10_000, 100);
    expect(inRoom.map((p) => [p.leg, p.callerIdNum]).sort()).toEqual([['internal', '104'], ['internal', '104']]);
    expect(inRoom.filter((p) => p.memberId !== null).map((p) => p.memberId)).toEqual([done.members[0]!.id]);
  });
});

describe('conference assembly by API', () => {
  it('dials a busy member again after the retry delay, under a new attempt, and records the last outcome', async () => {
    const res = await post('/conferences', { members: [{ name: 'Boris', extension: '102' }], room: '7009', retry: { maxAttempts: 2, afterSec: 5 } });
    expect(res.status).toBe(202);
    const conference = (await res.json()) as ConferenceView;
    const memberId = conference.members[0]!.id;
    const done = await waitFor(async () => {
      const c = (await (await system.api(`/conferences/${conference.id}`)).json()) as ConferenceView;
      return c.members[0]!.status === 'busy' ? c.members[0] : undefined;
    }, 'the second busy', 20_000, 100);
    expect(done).toMatchObject({ attempts: 2, cause: 17, nextAttemptAt: null });
    const dials = system.sim.actions.filter((a) => headerOf(a.headers, 'Action') === 'Originate' && (headerOf(a.headers, 'ChannelId') ?? '').startsWith(`${CHANNEL_ID_PREFIXES.member}${memberId}-`));
    expect(dials.map((a) => headerOf(a.headers, 'ChannelId'))).toEqual([memberChannelIds(memberId, 1).channelId, memberChannelIds(memberId, 2).channelId]);
    expect(dials[1]!.at - dials[0]!.at).toBeGreaterThanOrEqual(5000);
  }, 30_000);
});

describe('permanent external participant by rule', () => {
  const externals = (): string[] => system.sim.rooms().find((r) => r.room === '7001')?.members.filter((m) => m.startsWith(`Local/${EXTERNAL}@`)) ?? [];
  const externalOriginates = () => system.sim.actions.filter((a) => headerOf(a.headers, 'Action') === 'Originate' && (headerOf(a.headers, 'ChannelId') ?? '').startsWith(externalChannelIdPrefix('7001')));

  it('dials the external leg when an internal joins, keeps it across a relay process restart without a second leg, and releases it when the room empties', async () => {
    const put = await system.api('/rooms/7001/external-participant', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ number: EXTERNAL, context: 'outbound', dtmf: '7', dtmfDelayMs: 0 }) });
    expect(put.status).toBe(200);
    const uid = system.sim.dial('101', '7001', 'conf');
    const [external] = await waitFor(() => (externals().length === 1 ? externals() : undefined), 'the external leg in room 7001', 10_000);
    await system.sim.waitForAction((a) => headerOf(a.headers, 'Action') === 'PlayDTMF' && headerOf(a.headers, 'Channel') === external, 5000);
    await system.relay?.kill('SIGKILL');
    const restartedAt = Date.now();
    await system.startRelay();
    await system.sim.waitForAction((a) => a.at >= restartedAt && headerOf(a.headers, 'Action') === 'Getvar' && headerOf(a.headers, 'Channel') === external, 10_000);
    system.sim.hangup(uid);
    // The restarted relay never saw this leg's ConfbridgeJoin (it was listed), so it hangs it up: a
    // kick that lands in a join prompt is ignored and leaves the leg unkickable (app_confbridge.c).
    const hangup = await system.sim.waitForAction((a) => a.at >= restartedAt && headerOf(a.headers, 'Action') === 'Hangup', 10_000);
    expect(headerOf(hangup.headers, 'Channel')).toBe(external);
    await waitFor(() => (externals().length === 0 ? true : undefined), 'the external leg to leave room 7001');
    expect(externalOriginates()).toHaveLength(1);
  });
});
