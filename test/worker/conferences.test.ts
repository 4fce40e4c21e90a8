// The conference API and its side of the relay protocol, inside workerd: groups, assemblies,
// member outcomes, the service-code request, room rules and participants.
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { ConferenceGroupView, ConferenceView } from '../../shared/conferences.js';
import type { RelayFrame } from '../../shared/relay-protocol.js';
import { connectRelay, createPbx, DEFAULT_SETTINGS, postJson, type TestRelay } from './helpers.js';
import { waitFor } from '../../testkit/wait.js';

const GROUP = {
  name: 'Planning', code: '5', callerIdName: 'Planning',
  members: [{ name: 'Anna', extension: '101' }, { name: 'Boris', extension: '102' }, { name: 'Boss', extension: '104' }, { name: 'Field', number: '+79990000001' }],
};

async function world(settings = DEFAULT_SETTINGS) {
  const w = await createPbx(settings);
  const base = `http://w/v1/pbxes/${w.pbx}`;
  const get = async <T>(path: string): Promise<T> => (await SELF.fetch(`${base}${path}`, { headers: w.auth })).json() as Promise<T>;
  const relay = (): Promise<TestRelay> => connectRelay(w.pbx, w.relayToken);
  return { ...w, base, get, relay };
}

const until = <T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 3000): Promise<T> => waitFor(probe, what, timeoutMs, 20);

describe('conference groups API', () => {
  it('creates, reads, updates and deletes a group', async () => {
    const w = await world();
    const created = await postJson(`${w.base}/conference-groups`, GROUP, w.auth);
    expect(created.status).toBe(201);
    const group = (await created.json()) as ConferenceGroupView;
    expect(group).toMatchObject({ name: 'Planning', code: '5', members: GROUP.members });
    expect((await w.get<{ groups: ConferenceGroupView[] }>('/conference-groups')).groups).toHaveLength(1);
    const put = await SELF.fetch(`${w.base}/conference-groups/${group.id}`, { method: 'PUT', headers: { ...w.auth, 'content-type': 'application/json' }, body: JSON.stringify({ ...GROUP, name: 'Planning 2' }) });
    expect(((await put.json()) as ConferenceGroupView).name).toBe('Planning 2');
    expect((await SELF.fetch(`${w.base}/conference-groups/${group.id}`, { method: 'DELETE', headers: w.auth })).status).toBe(204);
    expect((await w.get<{ groups: unknown[] }>('/conference-groups')).groups).toHaveLength(0);
  });

  it.each([
    ['an unknown field', { ...GROUP, sql: "'; DROP TABLE conference_groups; --" }, 400, 'unknown_field', 'sql'],
    ['a member with CR/LF in its extension', { ...GROUP, members: [{ name: 'X', extension: '101\r\nAction: Command' }] }, 400, 'validation_failed', 'members.0'],
    ['a caller ID with quotes', { ...GROUP, callerIdName: 'a" <1>' }, 400, 'validation_failed', 'callerIdName'],
    ['no members', { ...GROUP, members: [] }, 400, 'validation_failed', 'members'],
    ['an outside number outside the destination rules', { ...GROUP, members: [{ name: 'Premium', number: '+78091234567' }] }, 422, 'destination_not_allowed', 'members.0.number'],
  ])('refuses %s and creates nothing', async (_what, body, status, code, field) => {
    const w = await world();
    const res = await postJson(`${w.base}/conference-groups`, body, w.auth);
    expect(res.status).toBe(status);
    expect(await res.json()).toMatchObject({ code, field: expect.stringContaining(field) });
    expect((await w.get<{ groups: unknown[] }>('/conference-groups')).groups).toHaveLength(0);
  });

  it('refuses a second group with the same code', async () => {
    const w = await world();
    expect((await postJson(`${w.base}/conference-groups`, GROUP, w.auth)).status).toBe(201);
    const res = await postJson(`${w.base}/conference-groups`, { ...GROUP, name: 'Other' }, w.auth);
    expect(res.status).toBe(409);
    expect((await w.get<{ groups: unknown[] }>('/conference-groups')).groups).toHaveLength(1);
  });
});

describe('conference assembly through the queue', () => {
  it('refuses a request with neither group nor members, or an unknown group, and creates nothing', async () => {
    const w = await world();
    const none = await postJson(`${w.base}/conferences`, { room: '7001' }, w.auth);
    expect(none.status).toBe(400);
    const unknown = await postJson(`${w.base}/conferences`, { group: '77', room: '7001' }, w.auth);
    expect(unknown.status).toBe(422);
    expect((await w.get<{ conferences: unknown[] }>('/conferences')).conferences).toHaveLength(0);
  });

  it('hands every member to the relay once, records outcomes fenced by attempt, and re-dials on request', async () => {
    const w = await world();
    const relay = await w.relay();
    expect((await relay.next('conference.rules')).rules).toEqual([]);
    const res = await postJson(`${w.base}/conferences`, { members: [{ name: 'Anna', extension: '101' }, { name: 'Field', number: '+79990000001' }], room: '7001', callerIdName: 'Planning' }, w.auth);
    expect(res.status).toBe(202);
    const conf = (await res.json()) as ConferenceView;
    const dial = await relay.next('conference.dial');
    expect(dial).toMatchObject({ conferenceId: conf.id, room: '7001', callerIdName: 'Planning', bridgeProfile: 'default_bridge', userProfile: 'default_user' });
    expect(dial.legs.map((l) => [l.exten, l.context, l.attempt])).toEqual([['101', 'from-internal', 1], ['+79990000001', 'from-internal', 1]]);
    const [anna, field] = dial.legs;
    const report = (memberId: string, attempt: number, status: 'joined' | 'no-answer' | 'answered') =>
      relay.send({ type: 'conference.member', conferenceId: conf.id, memberId, attempt, status, cause: status === 'no-answer' ? 19 : null, at: Date.now() });
    report(anna!.memberId, 1, 'joined');
    report(field!.memberId, 1, 'no-answer');
    report(anna!.memberId, 1, 'answered'); // late and out of order: must not undo `joined`
    report(field!.memberId, 7, 'joined'); // another attempt's report: ignored
    const seen = await until(async () => {
      const v = await w.get<ConferenceView>(`/conferences/${conf.id}`);
      return v.members.every((m) => m.status !== 'dialling') ? v : undefined;
    }, 'both outcomes');
    expect(seen.members.map((m) => [m.name, m.status, m.attempts, m.cause])).toEqual([['Anna', 'joined', 1, null], ['Field', 'no-answer', 1, 19]]);
    expect(relay.frames.filter((f) => f.type === 'conference.dial')).toHaveLength(0);
    const redial = await postJson(`${w.base}/conferences/${conf.id}/redial`, {}, w.auth);
    expect(redial.status).toBe(202);
    expect(await redial.json()).toMatchObject({ requeued: 1 });
    const again = await relay.next('conference.dial');
    expect(again.legs).toEqual([{ memberId: field!.memberId, attempt: 2, exten: '+79990000001', context: 'from-internal' }]);
  });

  it('marks a member dial nobody reports within ring time plus the reconcile timeout as unknown, without dialling it again, and takes a late report of that dial', async () => {
    const w = await world({ ...DEFAULT_SETTINGS, reconcileTimeoutSec: 2 });
    const relay = await w.relay();
    const res = await postJson(`${w.base}/conferences`, { members: [{ name: 'Anna', extension: '101' }, { name: 'Boris', extension: '102' }], room: '7002', ringTimeoutSec: 5 }, w.auth);
    const conf = (await res.json()) as ConferenceView;
    const dial = await relay.next('conference.dial');
    const [anna, boris] = dial.legs;
    relay.send({ type: 'conference.member', conferenceId: conf.id, memberId: anna!.memberId, attempt: 1, status: 'joined', cause: null, at: Date.now() });
    relay.ws.close(1000, 'relay killed before it could report Boris'); // Boris's dial is never reported
    const failed = await until(async () => {
      const v = await w.get<ConferenceView>(`/conferences/${conf.id}`);
      return v.members[1]!.status === 'unknown' ? v : undefined;
    }, 'the silent dial to fail', 12_000);
    expect(failed.members.map((m) => [m.name, m.status, m.attempts])).toEqual([['Anna', 'joined', 1], ['Boris', 'unknown', 1]]);
    expect(failed.members[1]!.note).toMatch(/did not report/);
    const back = await w.relay();
    expect(back.frames.filter((f) => f.type === 'conference.dial')).toHaveLength(0);
    back.send({ type: 'conference.member', conferenceId: conf.id, memberId: boris!.memberId, attempt: 1, status: 'joined', cause: null, at: Date.now() });
    const corrected = await until(async () => {
      const v = await w.get<ConferenceView>(`/conferences/${conf.id}`);
      return v.members[1]!.status === 'joined' ? v : undefined;
    }, 'the late report to count');
    expect(corrected.members[1]).toMatchObject({ status: 'joined', attempts: 1, note: null });
    await back.settled();
    expect(back.frames.filter((f) => f.type === 'conference.dial')).toHaveLength(0);
  }, 20_000);

  it('dials a busy or unanswered member again by itself, as often as the retry allows, and says when', async () => {
    const w = await world();
    const relay = await w.relay();
    const res = await postJson(`${w.base}/conferences`, { members: [{ name: 'Anna', extension: '101' }], room: '7003', retry: { maxAttempts: 2, afterSec: 5 } }, w.auth);
    const conf = (await res.json()) as ConferenceView;
    const first = await relay.next('conference.dial');
    const memberId = first.legs[0]!.memberId;
    const sentAt = Date.now();
    relay.send({ type: 'conference.member', conferenceId: conf.id, memberId, attempt: 1, status: 'busy', cause: 17, at: Date.now() });
    const waiting = await until(async () => {
      const v = await w.get<ConferenceView>(`/conferences/${conf.id}`);
      return v.members[0]!.status === 'queued' ? v.members[0]! : undefined;
    }, 'the member to wait for a retry');
    expect(waiting).toMatchObject({ attempts: 1, cause: 17, note: expect.stringMatching(/^busy; dialling again at /) });
    expect(Date.parse(waiting.nextAttemptAt ?? '')).toBeGreaterThanOrEqual(sentAt + 5000);
    const second = await relay.next('conference.dial', 10_000);
    expect(Date.now()).toBeGreaterThanOrEqual(sentAt + 4900);
    expect(second.legs).toEqual([expect.objectContaining({ memberId, attempt: 2 })]);
    relay.send({ type: 'conference.member', conferenceId: conf.id, memberId, attempt: 2, status: 'no-answer', cause: 19, at: Date.now() });
    const done = await until(async () => {
      const v = await w.get<ConferenceView>(`/conferences/${conf.id}`);
      return v.members[0]!.status === 'no-answer' ? v.members[0]! : undefined;
    }, 'the last outcome');
    expect(done).toMatchObject({ attempts: 2, cause: 19, nextAttemptAt: null });
    await relay.settled();
    expect(relay.frames.filter((f) => f.type === 'conference.dial')).toHaveLength(0);
  }, 20_000);

  it('takes the member retry of the group when the request gives none', async () => {
    const w = await world();
    const group = (await (await postJson(`${w.base}/conference-groups`, { ...GROUP, retry: { maxAttempts: 3, afterSec: 30 } }, w.auth)).json()) as ConferenceGroupView;
    expect(group.retry).toEqual({ maxAttempts: 3, afterSec: 30 });
    const relay = await w.relay();
    const conf = (await (await postJson(`${w.base}/conferences`, { group: group.id, room: '7004' }, w.auth)).json()) as ConferenceView;
    const dial = await relay.next('conference.dial');
    const anna = dial.legs[0]!;
    relay.send({ type: 'conference.member', conferenceId: conf.id, memberId: anna.memberId, attempt: 1, status: 'no-answer', cause: 19, at: Date.now() });
    const waiting = await until(async () => (await w.get<ConferenceView>(`/conferences/${conf.id}`)).members.find((m) => m.id === anna.memberId && m.status === 'queued'), 'a retry');
    expect(Date.parse(waiting.nextAttemptAt ?? '')).toBeGreaterThan(Date.now() + 20_000);
    // A redial on request does not wait for it.
    expect(await (await postJson(`${w.base}/conferences/${conf.id}/redial`, { members: [anna.memberId] }, w.auth)).json()).toMatchObject({ requeued: 1 });
    expect((await relay.next('conference.dial')).legs).toEqual([expect.objectContaining({ memberId: anna.memberId, attempt: 2 })]);
  });

  it('assembles the group when the relay reports the service code, once per dial, without dialling the caller', async () => {
    const w = await world();
    await postJson(`${w.base}/conference-groups`, GROUP, w.auth);
    const relay = await w.relay();
    await relay.next('conference.rules');
    const requested: RelayFrame = { type: 'conference.requested', key: '1795418913.90', group: '5', room: '104', caller: '104', at: Date.now() };
    relay.send(requested);
    relay.send(requested);
    const dial = await relay.next('conference.dial');
    expect(dial.room).toBe('104');
    expect(dial.callerIdName).toBe('Planning');
    expect(dial.legs.map((l) => l.exten)).toEqual(['101', '102', '+79990000001']);
    const list = await until(async () => {
      const l = await w.get<{ conferences: ConferenceView[] }>('/conferences');
      return l.conferences.length > 0 ? l : undefined;
    }, 'the conference');
    expect(list.conferences).toHaveLength(1);
    expect(list.conferences[0]).toMatchObject({ source: 'service-code', room: '104' });
  });
});

describe('room rules and participants', () => {
  it('sends the resolved rule to the relay on change and after hello, and shows the participants it reports', async () => {
    const w = await world();
    const relay = await w.relay();
    expect((await relay.next('conference.rules')).rules).toEqual([]);
    const put = await SELF.fetch(`${w.base}/rooms/7001/external-participant`, {
      method: 'PUT', headers: { ...w.auth, 'content-type': 'application/json' }, body: JSON.stringify({ number: '89990001111', context: 'outbound', dtmf: '1234#' }),
    });
    expect(put.status).toBe(200);
    const { rules } = await relay.next('conference.rules');
    // The rule carries the dial string derived from E.164 by the PBX's dial format (e164 by default).
    expect(rules).toEqual([expect.objectContaining({ room: '7001', number: '+79990001111', context: 'outbound', dtmf: '1234#', ringTimeoutMs: 30_000, maxRedials: 5 })]);
    relay.send({ type: 'room.participants', room: '7001', at: Date.now(), participants: [
      { uniqueid: 'u1', channel: 'Local/7001@conf-00000001;2', callerIdNum: '101', leg: 'internal', memberId: null },
      { uniqueid: 'pzx-7001-a-1', channel: 'Local/89990001111@outbound-00000002;1', callerIdNum: '7001', leg: 'external', memberId: null },
    ] });
    const state = await until(async () => {
      const s = await w.get<{ participants: unknown[] }>('/rooms/7001');
      return s.participants.length === 2 ? s : undefined;
    }, 'participants');
    expect(state).toMatchObject({ room: '7001', rule: { number: '+79990001111' } });
    const again = await w.relay();
    expect((await again.next('conference.rules')).rules).toHaveLength(1);
  });

  it('keeps the newest participant list of a room, and empties rooms the PBX no longer runs', async () => {
    const w = await world();
    const relay = await w.relay();
    const t0 = Date.now();
    const anna = { uniqueid: 'u1', channel: 'Local/101@from-internal-00000001;2', callerIdNum: '101', leg: 'internal' as const, memberId: null };
    const boris = { ...anna, uniqueid: 'u2', callerIdNum: '102' };
    relay.send({ type: 'room.participants', room: '7001', at: t0, participants: [anna] });
    relay.send({ type: 'room.participants', room: '7002', at: t0, participants: [anna, boris] });
    relay.send({ type: 'room.participants', room: '7002', at: t0 - 1000, participants: [] }); // resent from before: older, ignored
    relay.send({ type: 'rooms.running', rooms: ['7002'], at: t0 + 1 }); // 7001 ended while the relay was away
    relay.send({ type: 'heartbeat', ami: 'ready', inFlight: 0 });
    await relay.next('heartbeat.ack');
    expect((await w.get<{ participants: unknown[] }>('/rooms/7001')).participants).toEqual([]);
    expect((await w.get<{ participants: unknown[] }>('/rooms/7002')).participants).toHaveLength(2);
    relay.send({ type: 'rooms.running', rooms: [], at: t0 - 1 }); // a census older than the snapshot changes nothing
    relay.send({ type: 'heartbeat', ami: 'ready', inFlight: 0 });
    await relay.next('heartbeat.ack');
    expect((await w.get<{ participants: unknown[] }>('/rooms/7002')).participants).toHaveLength(2);
  });

  it('refuses a rule with DTMF outside 0-9 A-D * # or a number outside the destination rules, and stores nothing', async () => {
    const w = await world();
    const put = (body: unknown) => SELF.fetch(`${w.base}/rooms/7001/external-participant`, { method: 'PUT', headers: { ...w.auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const bad = await put({ number: '89990001111', dtmf: '1,2' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'validation_failed', field: 'dtmf' });
    expect((await put({ number: '+78091234567' })).status).toBe(422);
    expect((await SELF.fetch(`${w.base}/rooms/7001/external-participant`, { headers: w.auth })).status).toBe(404);
  });
});
