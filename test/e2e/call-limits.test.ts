// The PBX's call limit holds for every call the relay places, whatever asked for it: an attacker (or
// a careless CRM) who starts an assembly of 50 outside numbers, next to callbacks, gets them dialled
// a few at a time, never more than maxConcurrentCalls at once, each exactly once. Measured on the
// simulator's wire: from each Originate to the Hangup of both halves of its Local pair.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConferenceView } from '../../shared/conferences.js';
import { CHANNEL_ID_PREFIXES } from '../../shared/channel-ids.js';
import { answers, busy, type PhoneBehaviour } from '../../sim/index.js';
import { DEMO_SETTINGS, headerOf, startSystem, type System } from '../../testkit/system.js';
import { waitFor } from '../../testkit/wait.js';

const LIMIT = 3;
const numbers = Array.from({ length: 50 }, (_, i) => `+7999100${String(i).padStart(4, '0')}`);
let system: System;
const hangups = new Map<string, number>();

beforeAll(async () => {
  const phones: Record<string, PhoneBehaviour> = Object.fromEntries(numbers.map((n, i) => [n, i % 5 === 0 ? busy() : answers({ ringMs: 200, holdMs: 1000 })]));
  system = await startSystem({ sim: { phones: { ...phones, '101': answers({ ringMs: 200, holdMs: 1000 }) } }, settings: { ...DEMO_SETTINGS, maxConcurrentCalls: LIMIT } });
  system.sim.onEvent((ev) => {
    if (headerOf(ev.headers, 'Event') === 'Hangup') hangups.set(headerOf(ev.headers, 'Uniqueid') ?? '', Date.now());
  });
}, 60_000);

afterAll(async () => {
  await system?.stop();
});

/** The most calls of ours that were up at the PBX at one instant. */
function peakConcurrency(): { peak: number; originates: string[] } {
  const ours = Object.values(CHANNEL_ID_PREFIXES);
  const originates = system.sim.actions.filter((a) => headerOf(a.headers, 'Action') === 'Originate' && ours.some((p) => (headerOf(a.headers, 'ChannelId') ?? '').startsWith(p)));
  const edges: Array<[number, number]> = [];
  for (const o of originates) {
    const id = headerOf(o.headers, 'ChannelId') ?? '';
    const other = headerOf(o.headers, 'OtherChannelId') ?? '';
    const end = Math.max(hangups.get(id) ?? Number.POSITIVE_INFINITY, hangups.get(other) ?? 0);
    edges.push([o.at, +1], [end, -1]);
  }
  // At the same instant an end counts before a start: the relay dials the next only after an end.
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let live = 0;
  let peak = 0;
  for (const [, d] of edges) peak = Math.max(peak, (live += d));
  return { peak, originates: originates.map((o) => headerOf(o.headers, 'ChannelId') ?? '') };
}

describe('the PBX call limit', () => {
  it('holds for a 50-member assembly of outside numbers started next to callbacks: all are dialled once, never more than the limit at a time', async () => {
    const res = await system.api('/conferences', {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ room: '7050', members: numbers.map((number, i) => ({ name: `M${i}`, number })) }),
    });
    expect(res.status).toBe(202);
    const conference = (await res.json()) as ConferenceView;
    expect(conference.members.filter((m) => m.status === 'dialling').length).toBeLessThanOrEqual(LIMIT);
    const jobs = await Promise.all([0, 1].map((i) => system.requestCallback({ customer: `+7999200000${i}`, operator: { extension: '101' } })));
    const done = await waitFor(async () => {
      const c = (await (await system.api(`/conferences/${conference.id}`)).json()) as ConferenceView;
      return c.members.every((m) => ['left', 'busy', 'no-answer', 'failed'].includes(m.status)) ? c : undefined;
    }, 'every member dialled and gone', 120_000, 200);
    for (const job of jobs) await system.waitForStatus(job.id, ['succeeded', 'failed'], 60_000);
    expect(done.members.map((m) => m.attempts)).toEqual(numbers.map(() => 1));
    expect(done.members.filter((m) => m.status === 'busy')).toHaveLength(10);
    const { peak, originates } = peakConcurrency();
    expect(originates.filter((id) => id.startsWith(CHANNEL_ID_PREFIXES.member))).toHaveLength(50);
    expect(new Set(originates).size).toBe(originates.length);
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(LIMIT);
  }, 180_000);
});
