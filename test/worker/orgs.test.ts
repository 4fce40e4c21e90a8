// Organisations inside workerd: a plan of two PBXes, overlaps refused, callbacks routed by the
// operator's extension (and refused when nobody owns it), presence reported by one site's relay and
// mirrored to the other's, and a site going unavailable when its relay leaves.
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { JobView } from '../../shared/jobs.js';
import { ADMIN, connectRelay, createPbx, postJson, type TestRelay } from './helpers.js';

let orgs = 0;

async function twoOffices(): Promise<{ org: string; moscow: Awaited<ReturnType<typeof createPbx>>; spb: Awaited<ReturnType<typeof createPbx>>; auth: Record<string, string> }> {
  const moscow = await createPbx();
  const spb = await createPbx();
  const org = `org-${Date.now().toString(36)}-${orgs++}`;
  const plan = { name: 'Two offices', sites: [{ pbx: moscow.pbx, extensions: ['2XX'], queues: ['sales'] }, { pbx: spb.pbx, extensions: ['3XX'] }] };
  const created = await postJson('http://w/v1/admin/orgs', { id: org, plan }, ADMIN);
  expect(created.status).toBe(201);
  const key = (await (await SELF.fetch(`http://w/v1/admin/orgs/${org}/api-keys`, { method: 'POST', headers: ADMIN })).json()) as { apiKey: string };
  expect(key.apiKey).toMatch(/^pzo_/);
  return { org, moscow, spb, auth: { authorization: `Bearer ${key.apiKey}` } };
}

async function jobsOf(pbx: { pbx: string; auth: Record<string, string> }): Promise<JobView[]> {
  return ((await (await SELF.fetch(`http://w/v1/pbxes/${pbx.pbx}/jobs`, { headers: pbx.auth })).json()) as { jobs: JobView[] }).jobs;
}

async function mirrorFrame(relay: TestRelay): Promise<{ full: boolean; states: Array<{ exten: string; state: string }> }> {
  const { full, states } = await relay.next('presence.mirror');
  return { full, states };
}

describe('organisation plan', () => {
  it('refuses overlapping extension ranges, naming both PBXes, and creates nothing', async () => {
    const a = await createPbx();
    const b = await createPbx();
    for (const [pa, pb] of [['2XX', '2[0-4]X'], ['3NX', '39X'], ['2XX', '2ZZ']]) {
      const res = await postJson('http://w/v1/admin/orgs', { id: `overlap-${orgs++}`, plan: { name: 'x', sites: [{ pbx: a.pbx, extensions: [pa] }, { pbx: b.pbx, extensions: [pb] }] } }, ADMIN);
      expect(res.status).toBe(400);
      const problem = (await res.json()) as { message: string; field: string };
      expect(problem.message).toContain(a.pbx);
      expect(problem.message).toContain(b.pbx);
    }
    // Same digits, different lengths: 2XX and 2XXX never match the same extension.
    const ok = await postJson('http://w/v1/admin/orgs', { id: `no-overlap-${orgs++}`, plan: { name: 'x', sites: [{ pbx: a.pbx, extensions: ['2XX'] }, { pbx: b.pbx, extensions: ['2XXX'] }] } }, ADMIN);
    expect(ok.status).toBe(201);
  });

  it('refuses a site that is not an existing PBX, and needs the admin token', async () => {
    const a = await createPbx();
    const res = await postJson('http://w/v1/admin/orgs', { id: `ghost-${orgs++}`, plan: { name: 'x', sites: [{ pbx: a.pbx, extensions: ['2XX'] }, { pbx: 'no-such-pbx', extensions: ['3XX'] }] } }, ADMIN);
    expect(res.status).toBe(422);
    expect(((await res.json()) as { field: string }).field).toBe('plan.sites.1.pbx');
    const anon = await postJson('http://w/v1/admin/orgs', { id: `anon-${orgs++}`, plan: { name: 'x', sites: [{ pbx: a.pbx, extensions: ['2XX'] }] } }, {});
    expect(anon.status).toBe(401);
  });
});

describe('organisation callbacks', () => {
  it("routes a callback to the PBX that owns the operator's extension or queue, readable through the org", async () => {
    const { org, moscow, spb, auth } = await twoOffices();
    const toSpb = await postJson(`http://w/v1/orgs/${org}/callbacks`, { customer: '+79991234567', operator: { extension: '301' } }, auth);
    expect(toSpb.status).toBe(202);
    const spbJob = (await toSpb.json()) as JobView;
    expect(spbJob.pbx).toBe(spb.pbx);
    const toMoscow = (await (await postJson(`http://w/v1/orgs/${org}/callbacks`, { customer: '+79991234567', operator: { extension: '205' } }, auth)).json()) as JobView;
    expect(toMoscow.pbx).toBe(moscow.pbx);
    const toQueue = (await (await postJson(`http://w/v1/orgs/${org}/callbacks`, { customer: '+79991234567', operator: { queue: 'sales' } }, auth)).json()) as JobView;
    expect(toQueue.pbx).toBe(moscow.pbx);
    expect((await jobsOf(spb)).map((j) => j.id)).toEqual([spbJob.id]);
    const read = await SELF.fetch(`http://w/v1/orgs/${org}/jobs/${spbJob.id}`, { headers: auth });
    expect(((await read.json()) as JobView).id).toBe(spbJob.id);
  });

  it('refuses an extension or queue nobody owns, and creates no job anywhere', async () => {
    const { org, moscow, spb, auth } = await twoOffices();
    for (const operator of [{ extension: '999' }, { extension: '30' }, { extension: '3001' }, { queue: 'support' }]) {
      const res = await postJson(`http://w/v1/orgs/${org}/callbacks`, { customer: '+79991234567', operator }, auth);
      expect(res.status).toBe(422);
      expect(((await res.json()) as { code: string }).code).toBe('not_routable');
    }
    expect([...(await jobsOf(moscow)), ...(await jobsOf(spb))]).toEqual([]);
  });

  it("refuses a PBX's own API key, another org's key and no key", async () => {
    const { org, moscow } = await twoOffices();
    const other = await twoOffices();
    for (const headers of [moscow.auth, other.auth, {}]) {
      const res = await postJson(`http://w/v1/orgs/${org}/callbacks`, { customer: '+79991234567', operator: { extension: '205' } }, headers);
      expect(res.status).toBe(401);
    }
  });
});

describe('presence across sites', () => {
  it("mirrors one site's extension states on the other site's relay, and makes them unavailable when that relay leaves", async () => {
    const { org, moscow, spb, auth } = await twoOffices();
    const moscowRelay = await connectRelay(moscow.pbx, moscow.relayToken);
    expect(await mirrorFrame(moscowRelay)).toEqual({ full: true, states: [] });
    const spbRelay = await connectRelay(spb.pbx, spb.relayToken);
    await mirrorFrame(spbRelay);
    // spb reports its own 301 and, wrongly, a 205 it does not own: only 301 travels.
    spbRelay.send({ type: 'presence', full: true, states: [{ exten: '301', state: 'inuse' }, { exten: '205', state: 'busy' }] });
    expect(await mirrorFrame(moscowRelay)).toEqual({ full: false, states: [{ exten: '301', state: 'inuse' }] });
    spbRelay.send({ type: 'presence', full: false, states: [{ exten: '301', state: 'ringing' }] });
    expect(await mirrorFrame(moscowRelay)).toEqual({ full: false, states: [{ exten: '301', state: 'ringing' }] });
    const listed = (await (await SELF.fetch(`http://w/v1/orgs/${org}/presence`, { headers: auth })).json()) as { extensions: Array<{ pbx: string; exten: string; state: string }> };
    expect(listed.extensions.map(({ pbx, exten, state }) => ({ pbx, exten, state }))).toEqual([{ pbx: spb.pbx, exten: '301', state: 'ringing' }]);

    spbRelay.ws.close(1000, 'bye');
    expect(await mirrorFrame(moscowRelay)).toEqual({ full: false, states: [{ exten: '301', state: 'unavailable' }] });
    const after = (await (await SELF.fetch(`http://w/v1/orgs/${org}/presence`, { headers: auth })).json()) as { extensions: Array<{ state: string }> };
    expect(after.extensions.map((e) => e.state)).toEqual(['unavailable']);

    // A relay that comes back reports a full snapshot and is shown as it is again.
    const back = await connectRelay(spb.pbx, spb.relayToken);
    await mirrorFrame(back);
    back.send({ type: 'presence', full: true, states: [{ exten: '301', state: 'idle' }] });
    expect(await mirrorFrame(moscowRelay)).toEqual({ full: false, states: [{ exten: '301', state: 'idle' }] });
  });

  it('sends nothing about presence to a relay whose PBX belongs to no organisation', async () => {
    const lone = await createPbx();
    const relay = await connectRelay(lone.pbx, lone.relayToken);
    await relay.settled();
    expect(relay.has('presence.mirror')).toBe(false);
  });
});
