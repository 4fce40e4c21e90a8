// Soak run for the delivery guarantees (issue: no lost job, no double ring): N callbacks through the
// whole system on loopback while the relay is SIGKILLed and restarted and the AMI socket is dropped
// at random. Bounded in count and time. Reports jobs accepted, in a final state, lost (must be 0),
// attempts rung more than once (must be 0) and time to a final state.
import { answers } from '../sim/index.js';
import { DEMO_SETTINGS, headerOf, startSystem } from '../testkit/system.js';
import { load } from './load.js';
import { summary } from './stats.js';

export interface SoakResult {
  accepted: number;
  final: number;
  lost: number;
  ringsTwice: number;
  faults: { relayKills: number; amiDrops: number };
  toFinalMs: { p50: number; p99: number };
  byStatus: Record<string, number>;
  seconds: number;
}

interface JobPage {
  jobs: Array<{ id: string; status: string; requestedAt: string; attempts: Array<{ id: string; endedAt: string | null }> }>;
  nextCursor: string | null;
}

export async function soak(total = 2000, maxSeconds = 300, seed = 1): Promise<SoakResult> {
  let rnd = seed;
  const random = (): number => ((rnd = (rnd * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const system = await startSystem({
    sim: { timeScale: 0.01, phones: { '101': answers({ ringMs: 20, holdMs: 60_000 }) } },
    settings: { ...DEMO_SETTINGS, destinations: { allow: ['+7'] }, maxConcurrentCalls: 40, retry: { maxAttempts: 3, backoffSec: [1] }, reconcileTimeoutSec: 10 },
    relay: false,
  });
  const relayEnv = { PEREZVON_CAPACITY: '40', LOG_LEVEL: 'warn' };
  await system.startRelay(relayEnv);
  const started = Date.now();
  const faults = { relayKills: 0, amiDrops: 0 };
  let stopFaults = false;
  const chaos = (async () => {
    while (!stopFaults) {
      await new Promise((r) => setTimeout(r, 1500 + random() * 2500));
      if (stopFaults) break;
      if (random() < 0.5) {
        faults.relayKills++;
        await system.relay?.kill('SIGKILL');
        await system.startRelay(relayEnv).catch(() => undefined);
      } else {
        faults.amiDrops++;
        system.sim.dropConnections();
      }
    }
  })();
  try {
    const accepted = await load(total, 8, async (i) => {
      const res = await system.api('/callbacks', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ customer: `+7999${String(10_000_000 + i).slice(1)}`, operator: { extension: '101' } }) });
      return res.status === 202;
    });
    const deadline = started + maxSeconds * 1000;
    let jobs: JobPage['jobs'] = [];
    for (;;) {
      jobs = await allJobs(system.api);
      const open = jobs.filter((j) => !['succeeded', 'failed', 'cancelled', 'expired'].includes(j.status)).length;
      if (open === 0 || Date.now() > deadline) break;
      if (Date.now() > deadline - 60_000) stopFaults = true; // let the tail settle without new faults
      await new Promise((r) => setTimeout(r, 1000));
    }
    stopFaults = true;
    await chaos;
    const originates = new Map<string, number>();
    for (const a of system.sim.actions) {
      if (headerOf(a.headers, 'Action') !== 'Originate') continue;
      const id = headerOf(a.headers, 'ChannelId') ?? '';
      originates.set(id, (originates.get(id) ?? 0) + 1);
    }
    const byStatus: Record<string, number> = {};
    const toFinal: number[] = [];
    for (const j of jobs) {
      byStatus[j.status] = (byStatus[j.status] ?? 0) + 1;
      const ends = j.attempts.map((a) => (a.endedAt ? Date.parse(a.endedAt) : 0));
      const end = Math.max(0, ...ends);
      if (end > 0 && ['succeeded', 'failed', 'cancelled'].includes(j.status)) toFinal.push(end - Date.parse(j.requestedAt));
    }
    const final = jobs.filter((j) => ['succeeded', 'failed', 'cancelled', 'expired'].includes(j.status)).length;
    const s = summary(toFinal);
    return {
      accepted: accepted.ok,
      final,
      lost: accepted.ok - final,
      ringsTwice: [...originates.values()].filter((n) => n > 1).length,
      faults,
      toFinalMs: { p50: s.p50, p99: s.p99 },
      byStatus,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    stopFaults = true;
    await system.stop();
  }
}

async function allJobs(api: (path: string) => Promise<Response>): Promise<JobPage['jobs']> {
  const out: JobPage['jobs'] = [];
  let cursor: string | null = null;
  do {
    const page = (await (await api(`/jobs?limit=200${cursor ? `&cursor=${cursor}` : ''}`)).json()) as JobPage;
    out.push(...page.jobs);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return out;
}
