// Whole-system attempts at making the PBX dial what it must not, over real HTTP against the Worker
// in workerd with a relay and the simulator: each is refused, and the simulator's action log shows no
// Originate for any of them — proven by a valid callback sent after them being the only one dialled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNEL_ID_PREFIXES } from '../../shared/channel-ids.js';
import { headerOf, startSystem, type System } from '../../testkit/system.js';

let system: System;

beforeAll(async () => {
  system = await startSystem();
}, 60_000);

afterAll(async () => {
  await system?.stop();
});

const valid = { customer: '+79991234567', operator: { extension: '101' } };
const post = (path: string, body: string, headers: Record<string, string> = {}): Promise<Response> =>
  system.api(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
const ours = (): string[] => system.sim.actions
  .filter((a) => headerOf(a.headers, 'Action') === 'Originate')
  .map((a) => headerOf(a.headers, 'ChannelId') ?? '')
  .filter((id) => Object.values(CHANNEL_ID_PREFIXES).some((p) => id.startsWith(p)));

describe('an attacker with an API key', () => {
  it('gets every crafted callback refused, and the PBX dials none of them', async () => {
    const attempts: Array<[string, string, number]> = [
      ['reserved variable', JSON.stringify({ ...valid, variables: { __AMPUSER: '101' } }), 400],
      ['the relay’s own variable', JSON.stringify({ ...valid, variables: { PEREZVON_LEG: 'external' } }), 400],
      ['a job parked until 9999', JSON.stringify({ ...valid, notBefore: '9999-01-01T00:00:00Z' }), 400],
      ['an impossible window', JSON.stringify({ ...valid, notBefore: new Date(Date.now() + 7200_000).toISOString(), expiresAt: new Date(Date.now() + 3600_000).toISOString() }), 400],
      ['CR/LF in metadata', JSON.stringify({ ...valid, metadata: { note: 'x\r\nAction: Originate' } }), 400],
      ['a __proto__ key', `{"customer":"+79991234567","operator":{"extension":"101"},"metadata":{"__proto__":{"x":1}}}`, 400],
      ['a malformed callback URL', JSON.stringify({ ...valid, statusCallbackUrl: 'http://[::1' }), 400],
      ['a body of 20 KiB', JSON.stringify({ ...valid, metadata: { pad: 'x'.repeat(250) }, variables: Object.fromEntries(Array.from({ length: 90 }, (_, i) => [`V${i}`, 'y'.repeat(250)])) }), 413],
    ];
    for (const [what, body, status] of attempts) {
      const res = await post('/callbacks', body);
      expect(res.status, what).toBe(status);
    }
    const conference = await post('/conferences', JSON.stringify({ room: '7001', members: [{ name: 'x\u0000', number: '+79991234567' }] }));
    expect(conference.status).toBe(400);
    const ghost = await fetch(`${system.worker.url}/v1/pbxes/ghost-pbx/callbacks`, { method: 'POST', headers: { authorization: `Bearer ${system.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(valid) });
    expect(ghost.status).toBe(401);
    const jobs = (await (await system.api('/jobs')).json()) as { jobs: unknown[] };
    expect(jobs.jobs).toEqual([]);
    // The fence: a valid request after all of them is dialled, and it is the only Originate.
    const job = await system.requestCallback(valid);
    await system.waitForJob(job.id, (j) => j.attempts.length > 0 && j.attempts[0]?.originatedAt !== null, 'the valid callback to be dialled');
    await system.sim.waitForAction((a) => headerOf(a.headers, 'Action') === 'Originate');
    expect(ours()).toHaveLength(1);
    expect(system.originatesFor(await system.job(job.id))).toHaveLength(1);
  }, 60_000);
});
