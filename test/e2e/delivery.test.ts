// Delivery guarantees under faults, over real sockets (workerd, the relay process, the simulator):
// no job that got a 2xx is lost, and no attempt ever rings a customer twice. Each test counts the
// Originates the simulator saw per job and checks the job's final state.
import { afterEach, describe, expect, it } from 'vitest';
import { answers, rings, type AmiSimulatorOptions } from '../../sim/index.js';
import { DEMO_SETTINGS, headerOf, startSystem, type System } from '../../testkit/system.js';
import { waitFor } from '../../testkit/wait.js';

const FINAL = ['succeeded', 'failed', 'cancelled', 'expired'] as const;
let system: System | undefined;

afterEach(async () => {
  await system?.stop();
  system = undefined;
});

function world(phones: AmiSimulatorOptions['phones']): Promise<System> {
  return startSystem({ sim: { phones }, settings: { ...DEMO_SETTINGS, retry: { maxAttempts: 1 }, reconcileTimeoutSec: 20 } });
}

describe('delivery guarantees', () => {
  it('never dials an attempt again when the relay dies after journalling it', async () => {
    system = await startSystem({
      sim: { phones: { '101': answers({ ringMs: 100, holdMs: 20_000 }), '+79990000001': answers({ ringMs: 100, holdMs: 500 }) } },
      settings: { ...DEMO_SETTINGS, retry: { maxAttempts: 1 } },
      relay: false,
    });
    const s = system;
    await s.startRelay({ PEREZVON_TEST_FAULT: 'exit-after-journal' });
    const job = await s.requestCallback({ customer: '+79990000001', operator: { extension: '101' } });
    await waitFor(() => (s.relay!.child.exitCode !== null || s.relay!.child.signalCode !== null ? true : undefined), 'the relay to die');
    await s.startRelay();
    const done = await s.waitForStatus(job.id, [...FINAL]);
    expect(s.originatesFor(done).length).toBeLessThanOrEqual(1);
    expect(s.sim.actions.filter((a) => headerOf(a.headers, 'Action') === 'Originate')).toHaveLength(0);
    expect(done.status).toBe('failed');
    expect(done.attempts.every((a) => a.status === 'ended' || a.status === 'abandoned')).toBe(true);
  });

  it('offers the job again when the relay dies after receiving its offer and before journalling it, and rings once', async () => {
    system = await startSystem({
      sim: { phones: { '101': answers({ ringMs: 100, holdMs: 20_000 }), '+79990000001': answers({ ringMs: 100, holdMs: 300 }) } },
      settings: { ...DEMO_SETTINGS, retry: { maxAttempts: 1 } },
      relay: false,
    });
    const s = system;
    await s.startRelay({ PEREZVON_TEST_FAULT: 'exit-before-journal' });
    const job = await s.requestCallback({ customer: '+79990000001', operator: { extension: '101' } });
    await waitFor(() => (s.relay!.child.exitCode !== null || s.relay!.child.signalCode !== null ? true : undefined), 'the relay to die');
    expect(s.sim.actions.filter((a) => headerOf(a.headers, 'Action') === 'Originate')).toHaveLength(0);
    await s.startRelay();
    const done = await s.waitForStatus(job.id, [...FINAL], 20_000);
    expect(done.status).toBe('succeeded');
    expect(done.attempts.map((a) => a.status)).toEqual(['abandoned', 'ended']);
    expect(s.originatesFor(done)).toHaveLength(1);
  });

  it('finds a ringing call again after the relay is killed mid-call, and reports its real outcome', async () => {
    system = await world({ '101': answers({ ringMs: 3000, holdMs: 20_000 }), '+79990000001': answers({ ringMs: 100, holdMs: 500 }) });
    const s = system;
    const job = await s.requestCallback({ customer: '+79990000001', operator: { extension: '101' } });
    await s.waitForJob(job.id, (j) => j.attempts.some((a) => a.originatedAt !== null), 'the Originate');
    await s.relay!.kill('SIGKILL');
    await s.startRelay();
    const done = await s.waitForStatus(job.id, [...FINAL], 20_000);
    expect(s.originatesFor(done)).toHaveLength(1);
    expect(done.status).toBe('succeeded');
    expect(done.attempts).toHaveLength(1);
  });

  it('keeps following a call when the AMI socket drops mid-call', async () => {
    system = await world({ '101': answers({ ringMs: 1500, holdMs: 20_000 }), '+79990000001': answers({ ringMs: 100, holdMs: 500 }) });
    const s = system;
    const job = await s.requestCallback({ customer: '+79990000001', operator: { extension: '101' } });
    await s.waitForJob(job.id, (j) => j.attempts.some((a) => a.originatedAt !== null), 'the Originate');
    s.sim.dropConnections();
    const done = await s.waitForStatus(job.id, [...FINAL], 20_000);
    expect(s.originatesFor(done)).toHaveLength(1);
    expect(done.status).toBe('succeeded');
  });

  it('fails an attempt honestly when the PBX restarts mid-call, without dialling it again', async () => {
    system = await world({ '101': rings(), '+79990000001': answers() });
    const s = system;
    const job = await s.requestCallback({ customer: '+79990000001', operator: { extension: '101' } });
    await s.waitForJob(job.id, (j) => j.attempts.some((a) => a.originatedAt !== null), 'the Originate');
    await s.sim.restart({ downMs: 300 });
    const done = await s.waitForStatus(job.id, [...FINAL], 20_000);
    expect(s.originatesFor(done)).toHaveLength(1);
    // Asterisk hangs every channel up before it goes (SoftHangupRequest, Hangup: capture 13): the
    // relay sees the call end unanswered and reports that, once.
    expect(done.status).toBe('failed');
    expect(done.attempts).toHaveLength(1);
    expect(done.attempts[0]!.outcome).not.toBe('answered');
  });

  it('keeps queued and in-flight jobs through a Worker restart and finishes each exactly once', async () => {
    system = await world({ '101': answers({ ringMs: 1500, holdMs: 20_000 }), '+79990000001': answers({ ringMs: 100, holdMs: 300 }) });
    const s = system;
    const inFlight = await s.requestCallback({ customer: '+79990000001', operator: { extension: '101' } });
    await s.waitForJob(inFlight.id, (j) => j.attempts.some((a) => a.originatedAt !== null), 'the Originate');
    await s.relay!.kill('SIGTERM'); // relay away: the next job stays queued across the restart
    const queued = await s.requestCallback({ customer: '+79990000001', operator: { extension: '101' } });
    await s.worker.restart();
    await s.startRelay();
    const [a, b] = await Promise.all([s.waitForStatus(inFlight.id, [...FINAL], 20_000), s.waitForStatus(queued.id, [...FINAL], 20_000)]);
    expect(s.originatesFor(a)).toHaveLength(1);
    expect(s.originatesFor(b)).toHaveLength(1);
    expect(b.status).toBe('succeeded');
  });

  it('lets only the newest of two racing relays dial, while the older one still reports the call it had', { timeout: 60_000 }, async () => {
    system = await world({ '101': answers({ ringMs: 100, holdMs: 20_000 }), '102': answers({ ringMs: 1500, holdMs: 20_000 }), '+79990000001': answers({ ringMs: 100, holdMs: 300 }) });
    const s = system;
    const first = s.relay!;
    const early = await s.requestCallback({ customer: '+79990000001', operator: { extension: '102' } });
    await s.waitForJob(early.id, (j) => j.attempts.some((a) => a.originatedAt !== null), 'the first relay to dial');
    await s.startRelay({ PEREZVON_RELAY_ID: 'relay-e2e-second', PEREZVON_JOURNAL: `${s.journalDir}/second.jsonl` });
    const jobs = await Promise.all(Array.from({ length: 3 }, (_, i) => s.requestCallback({ customer: `+7999000000${i + 2}`, operator: { extension: '101' } })));
    const done = await Promise.all([early, ...jobs].map((j) => s.waitForStatus(j.id, [...FINAL], 20_000)));
    for (const j of done) expect(s.originatesFor(j)).toHaveLength(1);
    // The call the displaced relay had in flight is reported by it, late but true.
    expect(done[0]!.status).toBe('succeeded');
    // Then it leaves (exit 3) and does not come back to fight for the PBX.
    const code = await waitFor(() => first.child.exitCode ?? undefined, 'the displaced relay to exit', 20_000);
    expect(code).toBe(3);
  });

  it('creates one job and one call for a webhook delivered twice with the same Idempotency-Key', async () => {
    system = await world({ '101': answers({ ringMs: 100, holdMs: 20_000 }), '+79990000001': answers({ ringMs: 100, holdMs: 200 }) });
    const s = system;
    const body = { customer: '+79990000001', operator: { extension: '101' } };
    const [x, y] = await Promise.all([s.requestCallback(body, { 'idempotency-key': 'crm-delivery-1' }), s.requestCallback(body, { 'idempotency-key': 'crm-delivery-1' })]);
    expect(x.id).toBe(y.id);
    const done = await s.waitForStatus(x.id, [...FINAL]);
    expect(s.originatesFor(done)).toHaveLength(1);
    const list = (await (await s.api('/jobs')).json()) as { jobs: unknown[] };
    expect(list.jobs).toHaveLength(1);
  });

  it('takes no job while AMI is down, says so in the status, and runs it once AMI is back', async () => {
    system = await world({ '101': answers({ ringMs: 100, holdMs: 20_000 }), '+79990000001': answers({ ringMs: 100, holdMs: 200 }) });
    const s = system;
    s.sim.refuseLogins(true);
    s.sim.dropConnections();
    await waitFor(async () => {
      const st = (await (await s.api('/status')).json()) as { relay: { connected: boolean; ami: string } };
      return st.relay.connected && st.relay.ami !== 'ready' ? true : undefined;
    }, 'the status to show AMI down');
    const job = await s.requestCallback({ customer: '+79990000001', operator: { extension: '101' } });
    expect((await s.job(job.id)).status).toBe('queued');
    s.sim.refuseLogins(false);
    const done = await s.waitForStatus(job.id, [...FINAL], 45_000);
    expect(done.status).toBe('succeeded');
    expect(s.originatesFor(done)).toHaveLength(1);
  }, 60_000);

  it('lets a call in flight finish and report on SIGTERM, then exits cleanly', async () => {
    system = await world({ '101': answers({ ringMs: 800, holdMs: 20_000 }), '+79990000001': answers({ ringMs: 100, holdMs: 300 }) });
    const s = system;
    const job = await s.requestCallback({ customer: '+79990000001', operator: { extension: '101' } });
    await s.waitForJob(job.id, (j) => j.attempts.some((a) => a.originatedAt !== null), 'the Originate');
    const exit = await s.relay!.kill('SIGTERM');
    expect(exit).toBe(0);
    const done = await s.job(job.id);
    expect(done.status).toBe('succeeded');
    expect(s.originatesFor(done)).toHaveLength(1);
  });
});
