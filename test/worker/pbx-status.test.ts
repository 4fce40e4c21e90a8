// What an operator and `perezvon-relay doctor` read from the queue, inside workerd: the relay-token
// check that leaves the live relay session alone, and the status counters (jobs by state, the
// oldest waiting job, status callbacks given up).
import { env, runInDurableObject, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../../shared/relay-protocol.js';
import { HookStore } from '../../worker/pbx-queue/hook-store.js';
import { JobStore } from '../../worker/pbx-queue/job-store.js';
import type { Bindings } from '../../worker/env.js';
import type { PbxStatus } from '../../worker/pbx-queue/pbx-queue.js';
import { pbxStatus } from '../../worker/pbx-queue/pbx-status.js';
import { RelaySessions } from '../../worker/pbx-queue/relay-sessions.js';
import { connectRelay, createPbx, postJson } from './helpers.js';

const check = (pbx: string, token: string) => SELF.fetch(`http://w/v1/pbxes/${pbx}/relay/check`, { headers: { authorization: `Bearer ${token}` } });
const request = { customer: '+79991234567', operator: { extension: '101' } };

describe('relay token check', () => {
  it('accepts the relay token and answers with the protocol, the Worker clock and the PBX contexts, without displacing the live relay', async () => {
    const { pbx, relayToken, auth } = await createPbx();
    const relay = await connectRelay(pbx, relayToken);
    const res = await check(pbx, relayToken);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { pbx: string; protocol: number; time: string };
    expect(body).toMatchObject({ pbx, protocol: PROTOCOL_VERSION, contexts: { operator: 'from-internal', customer: 'from-internal', queue: 'ext-queues' } });
    expect(Number.isNaN(Date.parse(body.time))).toBe(false);
    // The session that was live before the check is still the one offered work.
    await postJson(`http://w/v1/pbxes/${pbx}/callbacks`, request, auth);
    await relay.next('job.offer');
    expect(relay.has('superseded')).toBe(false);
  });

  it('refuses a wrong token, an API key and a PBX that does not exist with a 401 problem', async () => {
    const { pbx, relayToken, apiKey } = await createPbx();
    for (const res of [await check(pbx, 'pzr_wrongwrongwrongwrongwrongwrong'), await check(pbx, apiKey), await check('no-such-pbx', relayToken)]) {
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ status: 401, code: 'unauthorized', field: 'authorization' });
    }
  });
});

describe('PBX status counters', () => {
  it('counts jobs by state and measures the wait of the oldest due job, not of one scheduled for later', async () => {
    const { pbx, auth } = await createPbx();
    await postJson(`http://w/v1/pbxes/${pbx}/callbacks`, request, auth);
    await postJson(`http://w/v1/pbxes/${pbx}/callbacks`, { ...request, customer: '+79990000001', notBefore: new Date(Date.now() + 3_600_000).toISOString() }, auth);
    const cancelled = (await (await postJson(`http://w/v1/pbxes/${pbx}/callbacks`, { ...request, customer: '+79990000003' }, auth)).json()) as { id: string };
    await SELF.fetch(`http://w/v1/pbxes/${pbx}/jobs/${cancelled.id}`, { method: 'DELETE', headers: auth });
    const status = (await (await SELF.fetch(`http://w/v1/pbxes/${pbx}/status`, { headers: auth })).json()) as PbxStatus;
    expect(status.counters.jobs).toEqual({ queued: 2, dispatched: 0, running: 0, succeeded: 0, failed: 0, cancelled: 1, expired: 0 });
    expect(status.counters.statusCallbacks).toEqual({ pending: 0, delivered: 0, failed: 0 });
    // Seen from ten minutes on, only the job due now has been waiting: ~600 s, not the hour-later one.
    const queues = (env as unknown as Bindings).PBX_QUEUE;
    const stub = queues.get(queues.idFromName(pbx));
    const later = await runInDurableObject(stub, (_instance, state) => {
      const jobs = new JobStore(state.storage.sql);
      return pbxStatus(jobs, new RelaySessions(state, jobs), new HookStore(state.storage.sql), Date.now() + 600_000, null);
    });
    expect(later.counters.oldestQueuedSec).toBeGreaterThanOrEqual(599);
    expect(later.counters.oldestQueuedSec).toBeLessThan(3_600);
  });
});
