// Soak run for the delivery guarantees (no lost job, no double ring): N callbacks through the whole
// system on loopback while, at random points, the relay is SIGKILLed and restarted, the AMI socket is
// dropped, and the Worker (workerd, over its persisted storage) is restarted. Bounded in count and
// time. Reports jobs accepted (a 202 seen), in a final state, lost (accepted and not final: must be
// 0), and two kinds of double ring (must be 0): an attempt whose ChannelId was originated more than
// once, and an attempt the queue closed as never dialled (abandoned) that the PBX did see originated,
// which is how an offer dialled twice would show up.
import { answers } from '../sim/index.js';
import { callbackChannelIds } from '../shared/channel-ids.js';
import { DEMO_SETTINGS, headerOf, startSystem } from '../testkit/system.js';
import { load } from './load.js';
import { summary } from './stats.js';

export interface SoakResult {
  accepted: number;
  final: number;
  lost: number;
  ringsTwice: number;
  abandonedButDialled: number;
  faults: { relayKills: number; amiDrops: number; workerRestarts: number };
  toFinalMs: { p50: number; p99: number };
  byStatus: Record<string, number>;
  /** Why the failed jobs failed (their lastError, numbers masked), to tell unknown outcomes from real ones. */
  failedBecause: Record<string, number>;
  seconds: number;
}

interface JobPage {
  jobs: Array<{ id: string; status: string; requestedAt: string; lastError: string | null; attempts: Array<{ id: string; status: string; endedAt: string | null }> }>;
  nextCursor: string | null;
}

const FINAL = ['succeeded', 'failed', 'cancelled', 'expired'];

export async function soak(total = 2000, maxSeconds = 600, seed = Number(process.env.SOAK_SEED ?? 1)): Promise<SoakResult> {
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
  const faults = { relayKills: 0, amiDrops: 0, workerRestarts: 0 };
  let stopFaults = false;
  const chaos = (async () => {
    while (!stopFaults) {
      await new Promise((r) => setTimeout(r, 1500 + random() * 2500));
      if (stopFaults) break;
      const pick = random();
      if (pick < 0.4) {
        faults.relayKills++;
        await system.relay?.kill('SIGKILL');
        await system.startRelay(relayEnv).catch(() => undefined);
      } else if (pick < 0.8) {
        faults.amiDrops++;
        system.sim.dropConnections();
      } else {
        // Every socket to the Worker drops, requests in flight fail, the relay reconnects with backoff.
        faults.workerRestarts++;
        await system.worker.restart();
      }
    }
  })();
  try {
    const accepted = new Set<string>();
    await load(total, 8, async (i) => {
      // As a CRM would: retried until answered, under one Idempotency-Key, so a 202 lost in a Worker
      // restart never becomes a second job.
      for (let tries = 0; tries < 60; tries++) {
        const res = await system.api('/callbacks', {
          method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': `soak-${seed}-${i}` },
          body: JSON.stringify({ customer: `+7999${String(10_000_000 + i).slice(1)}`, operator: { extension: '101' } }),
        }).catch(() => undefined);
        if (res !== undefined && (res.status === 202 || res.status === 200)) {
          accepted.add(((await res.json()) as { id: string }).id);
          return true;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      return false;
    });
    const deadline = started + maxSeconds * 1000;
    let jobs: JobPage['jobs'] = [];
    for (;;) {
      jobs = await allJobs(system.api);
      const open = jobs.filter((j) => !FINAL.includes(j.status)).length;
      if (open === 0 || Date.now() > deadline) break;
      if (Date.now() > deadline - 60_000) stopFaults = true; // let the tail settle without new faults
      await new Promise((r) => setTimeout(r, 1000));
    }
    stopFaults = true;
    await chaos;
    jobs = await allJobs(system.api);
    const originates = new Map<string, number>();
    for (const a of system.sim.actions) {
      if (headerOf(a.headers, 'Action') !== 'Originate') continue;
      const id = headerOf(a.headers, 'ChannelId') ?? '';
      originates.set(id, (originates.get(id) ?? 0) + 1);
    }
    const byStatus: Record<string, number> = {};
    const toFinal: number[] = [];
    let abandonedButDialled = 0;
    const failedBecause: Record<string, number> = {};
    for (const j of jobs) {
      byStatus[j.status] = (byStatus[j.status] ?? 0) + 1;
      if (j.status === 'failed') {
        const why = (j.lastError ?? 'unknown').replace(/[0-9]+/g, 'N');
        failedBecause[why] = (failedBecause[why] ?? 0) + 1;
      }
      for (const a of j.attempts) if (a.status === 'abandoned' && originates.has(callbackChannelIds(a.id).channelId)) abandonedButDialled++;
      const end = Math.max(0, ...j.attempts.map((a) => (a.endedAt ? Date.parse(a.endedAt) : 0)));
      if (end > 0 && ['succeeded', 'failed', 'cancelled'].includes(j.status)) toFinal.push(end - Date.parse(j.requestedAt));
    }
    const finalIds = new Set(jobs.filter((j) => FINAL.includes(j.status)).map((j) => j.id));
    const s = summary(toFinal);
    return {
      accepted: accepted.size,
      final: [...accepted].filter((id) => finalIds.has(id)).length,
      lost: [...accepted].filter((id) => !finalIds.has(id)).length,
      ringsTwice: [...originates.values()].filter((n) => n > 1).length,
      abandonedButDialled,
      faults,
      toFinalMs: { p50: s.p50, p99: s.p99 },
      byStatus,
      failedBecause,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    stopFaults = true;
    await system.stop();
  }
}

/** Every job, paged; a request that fails while the Worker restarts is tried again. */
async function allJobs(api: (path: string) => Promise<Response>): Promise<JobPage['jobs']> {
  for (let tries = 0; ; tries++) {
    try {
      const out: JobPage['jobs'] = [];
      let cursor: string | null = null;
      do {
        const page = (await (await api(`/jobs?limit=200${cursor ? `&cursor=${cursor}` : ''}`)).json()) as JobPage;
        out.push(...page.jobs);
        cursor = page.nextCursor;
      } while (cursor !== null);
      return out;
    } catch (err) {
      if (tries >= 30) throw err;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}
