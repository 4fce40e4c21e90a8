// Two offices under one organisation, every part real: one Worker in workerd, two AMI simulators
// (moscow: extensions 2XX; spb: 1XX — the kit's dialplan rings 1XX/2XX as phones), a relay process each. Callbacks through the org ring the PBX
// that owns the operator, and spb's extension 101 in use shows on moscow's Custom:101 (its BLF hint),
// unavailable while spb's relay is dead and correct again once it is back. (spb's hint is the device
// the callback itself creates, Local/101@from-internal, so it follows that call whichever way the
// dialplan then reaches the phone.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answers } from '../../sim/index.js';
import { DEMO_SETTINGS, headerOf, startSystem, type System } from '../../testkit/system.js';
import { waitFor } from '../../testkit/wait.js';
import { TEST_ADMIN_TOKEN } from '../../testkit/worker-runtime.js';

const ADMIN = { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' };
let moscow: System;
let spb: System;
let org: string;
let orgAuth: Record<string, string>;

beforeAll(async () => {
  moscow = await startSystem({
    sim: { timeScale: 0.05, hints: { '205': 'Local/205@phones', '101': 'Custom:101' }, phones: { '205': answers({ ringMs: 200, holdMs: 20_000 }) } },
    settings: { ...DEMO_SETTINGS, retry: { maxAttempts: 1 } },
  });
  spb = await startSystem({
    worker: moscow.worker,
    sim: { timeScale: 0.05, hints: { '101': 'Local/101@from-internal', '205': 'Custom:205' }, phones: { '101': answers({ ringMs: 200, holdMs: 20_000 }) } },
    settings: { ...DEMO_SETTINGS, retry: { maxAttempts: 1 } },
  });
  org = `org-${moscow.pbx}`;
  const plan = { name: 'Two offices', sites: [{ pbx: moscow.pbx, extensions: ['2XX'] }, { pbx: spb.pbx, extensions: ['1XX'] }] };
  const created = await fetch(`${moscow.worker.url}/v1/admin/orgs`, { method: 'POST', headers: ADMIN, body: JSON.stringify({ id: org, plan }) });
  expect(created.status).toBe(201);
  const key = (await (await fetch(`${moscow.worker.url}/v1/admin/orgs/${org}/api-keys`, { method: 'POST', headers: ADMIN })).json()) as { apiKey: string };
  orgAuth = { authorization: `Bearer ${key.apiKey}`, 'content-type': 'application/json' };
}, 60_000);

afterAll(async () => {
  await spb?.stop();
  await moscow?.stop();
});

const originates = (s: System): string[] => s.sim.actions.filter((a) => headerOf(a.headers, 'Action') === 'Originate').map((a) => headerOf(a.headers, 'Channel') ?? '');

async function orgCallback(extension: string): Promise<Response> {
  return fetch(`${moscow.worker.url}/v1/orgs/${org}/callbacks`, { method: 'POST', headers: orgAuth, body: JSON.stringify({ customer: '+79991234567', operator: { extension } }) });
}

describe('two offices as one company', () => {
  it("rings spb's PBX for 101 and shows the call on moscow's BLF hint Custom:101, then idle again", async () => {
    const res = await orgCallback('101');
    expect(res.status).toBe(202);
    const job = (await res.json()) as { id: string; pbx: string };
    expect(job.pbx).toBe(spb.pbx);
    await spb.waitForStatus(job.id, 'running');
    expect(originates(spb)).toEqual(['Local/101@from-internal']);
    expect(originates(moscow)).toEqual([]);
    await waitFor(() => (moscow.sim.deviceState('Custom:101') === 'INUSE' ? true : undefined), "moscow's Custom:101 in use", 5000);
    await fetch(`${moscow.worker.url}/v1/pbxes/${spb.pbx}/jobs/${job.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${spb.apiKey}` } });
    for (const ch of spb.sim.channels()) spb.sim.hangup(ch.name, 16);
    await waitFor(() => (moscow.sim.deviceState('Custom:101') === 'NOT_INUSE' ? true : undefined), "moscow's Custom:101 idle again", 5000);
  });

  it("rings moscow's PBX for 205, and refuses 999 without ringing anyone", async () => {
    const before = [originates(moscow).length, originates(spb).length];
    const res = await orgCallback('205');
    expect(res.status).toBe(202);
    const job = (await res.json()) as { id: string; pbx: string };
    expect(job.pbx).toBe(moscow.pbx);
    await moscow.waitForStatus(job.id, 'running');
    expect(originates(moscow).slice(before[0])).toEqual(['Local/205@from-internal']);
    for (const ch of moscow.sim.channels()) moscow.sim.hangup(ch.name, 16);
    const refused = await orgCallback('999');
    expect(refused.status).toBe(422);
    expect(originates(spb).length).toBe(before[1]);
  });

  it("shows spb's extensions unavailable on moscow while spb's relay is dead, and right again once it is back", async () => {
    await waitFor(() => (moscow.sim.deviceState('Custom:101') === 'NOT_INUSE' ? true : undefined), 'a known state first', 5000);
    await spb.relay?.kill('SIGKILL');
    await waitFor(() => (moscow.sim.deviceState('Custom:101') === 'UNAVAILABLE' ? true : undefined), "moscow's Custom:101 unavailable", 5000);
    const presence = (await (await fetch(`${moscow.worker.url}/v1/orgs/${org}/presence`, { headers: orgAuth })).json()) as { extensions: Array<{ pbx: string; exten: string; state: string }> };
    expect(presence.extensions.find((e) => e.exten === '101')).toMatchObject({ pbx: spb.pbx, state: 'unavailable' });
    await spb.startRelay();
    await waitFor(() => (moscow.sim.deviceState('Custom:101') === 'NOT_INUSE' ? true : undefined), "moscow's Custom:101 idle after spb's relay returned", 10_000);
  });
});
