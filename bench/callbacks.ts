// Benchmarks of the spine, each next to a baseline from the same run:
// - accepted POST /callbacks per second vs a bare Worker route writing one Durable Object row;
// - latency from a POST being accepted to its Originate arriving at the simulated PBX (p50/p99),
//   vs the bare route's own request latency;
// - relay frames per answered callback (each one a request to the PBX's Durable Object), counted on
//   the wire by a pass-through (frame-counter.ts), with calls overlapping and one at a time.
import { Miniflare } from 'miniflare';
import { build } from 'esbuild';
import { answers } from '../sim/index.js';
import { DEMO_SETTINGS, headerOf, startSystem } from '../testkit/system.js';
import { startFrameCounter } from './frame-counter.js';
import { load } from './load.js';
import { summary } from './stats.js';
import { CHANNEL_ID_PREFIXES, callbackChannelIds } from '../shared/channel-ids.js';

export async function startBaseline(): Promise<{ url: string; dispose: () => Promise<void> }> {
  const out = await build({ entryPoints: ['bench/baseline-worker.ts'], bundle: true, format: 'esm', platform: 'neutral', external: ['cloudflare:*'], write: false, logLevel: 'silent' });
  const mf = new Miniflare({
    modules: [{ type: 'ESModule', path: 'baseline.js', contents: out.outputFiles[0]?.text ?? '' }],
    compatibilityDate: '2026-04-01',
    durableObjects: { ROWS: { className: 'Rows', useSQLite: true } },
    host: '127.0.0.1', port: 0, cf: false,
  });
  return { url: (await mf.ready).origin, dispose: () => mf.dispose() };
}

export interface CallbackBench {
  accepted: { perSecond: number; baselinePerSecond: number; ok: number; failed: number };
  latency: {
    n: number; p50: number; p99: number; baselineP50: number; baselineP99: number; missing: number;
    /** The POST's own round trip (sent → 202), and the Originate's arrival counted from the 202 (negative: before it). */
    post: { p50: number; p99: number }; afterAnswer: { p50: number; p99: number };
  };
  frames: { overlapping: FrameCount; serial: FrameCount };
}

export interface FrameCount {
  answered: number;
  frames: number;
  perAnswered: number;
  byType: Record<string, number>;
}

export async function benchCallbacks(requests = 600, concurrency = 10): Promise<CallbackBench> {
  const baseline = await startBaseline();
  const system = await startSystem({
    // Customers ring ~2 ms and talk ~60 ms: calls end fast, so the latency phase never queues behind the limit.
    sim: { timeScale: 0.001, phones: { '101': answers({ ringMs: 0, holdMs: 5_000 }) } },
    settings: { ...DEMO_SETTINGS, destinations: { allow: ['+7'] }, maxConcurrentCalls: 50, retry: { maxAttempts: 1 } },
    relay: false,
  });
  await system.startRelay({ PEREZVON_CAPACITY: '50', LOG_LEVEL: 'warn' });
  try {
    const body = (i: number): string => JSON.stringify({ customer: `+7999${String(10_000_000 + i).slice(1)}`, operator: { extension: '101' } });
    // Baseline first, then ours, then the baseline again, so drift on a shared machine shows up.
    const base1 = await load(requests, concurrency, async (i) => (await fetch(baseline.url, { method: 'POST', body: body(i) })).status === 202);
    const post = (i: number): Promise<Response> => system.api('/callbacks', { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(i) });
    // Throughput: 10 in flight, the relay dialling everything it is offered meanwhile.
    const ours = await load(requests, concurrency, async (i) => (await post(i)).status === 202);
    await waitForQuiet(system.api);
    // Latency: one request at a time (below the call limit, so nothing queues), POST sent → Originate seen.
    const sentAt = new Map<string, number>();
    const answeredAt = new Map<string, number>();
    const serialPosts = await load(requests, 1, async (i) => {
      const t0 = Date.now();
      const res = await post(requests + i);
      const t1 = Date.now();
      if (res.status !== 202) return false;
      const id = ((await res.json()) as { id: string }).id;
      sentAt.set(id, t0);
      answeredAt.set(id, t1);
      return true;
    });
    const base2 = await load(requests, concurrency, async (i) => (await fetch(baseline.url, { method: 'POST', body: body(i) })).status === 202);
    const baseSerial = await load(requests, 1, async (i) => (await fetch(baseline.url, { method: 'POST', body: body(i) })).status === 202);
    // Wait (bounded) for every accepted job's Originate to reach the PBX.
    const deadline = Date.now() + 120_000;
    const jobIdOf = (channelId: string): string | undefined => channelId.startsWith(CHANNEL_ID_PREFIXES.callback) ? channelId : undefined;
    const originateAt = new Map<string, number>();
    while (Date.now() < deadline) {
      for (const a of system.sim.actions) {
        if (headerOf(a.headers, 'Action') !== 'Originate') continue;
        const ch = jobIdOf(headerOf(a.headers, 'ChannelId') ?? '');
        if (ch !== undefined && !originateAt.has(ch)) originateAt.set(ch, a.at);
      }
      if (originateAt.size >= sentAt.size + requests) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    // Map attempts back to jobs through the API (ChannelId = callbackChannelIds(attemptId)).
    const latencies: number[] = [];
    const afterAnswer: number[] = [];
    let cursor: string | null = null;
    do {
      const page = (await (await system.api(`/jobs?limit=200${cursor ? `&cursor=${cursor}` : ''}`)).json()) as { jobs: Array<{ id: string; attempts: Array<{ id: string }> }>; nextCursor: string | null };
      for (const job of page.jobs) {
        const at = job.attempts[0] ? originateAt.get(callbackChannelIds(job.attempts[0].id).channelId) : undefined;
        const t0 = sentAt.get(job.id);
        if (at !== undefined && t0 !== undefined) latencies.push(at - t0);
        const t1 = answeredAt.get(job.id);
        if (at !== undefined && t1 !== undefined) afterAnswer.push(at - t1);
      }
      cursor = page.nextCursor;
    } while (cursor !== null);
    const baseLat = summary(baseSerial.latenciesMs);
    const lat = summary(latencies);
    // Frames: the same relay again, now through the counting pass-through.
    await system.relay?.kill('SIGTERM');
    const counter = await startFrameCounter(system.worker.url);
    await system.startRelay({ PEREZVON_CAPACITY: '50', LOG_LEVEL: 'warn', PEREZVON_URL: counter.url });
    const framesOf = async (n: number, inFlight: number, offset: number): Promise<FrameCount> => {
      await waitForQuiet(system.api);
      counter.reset();
      const ids = new Set<string>();
      await load(n, inFlight, async (i) => {
        const res = await post(offset + i);
        if (res.status === 202) ids.add(((await res.json()) as { id: string }).id);
        return res.status === 202;
      });
      await waitForQuiet(system.api);
      const answered = (await allJobs(system.api)).filter((j) => ids.has(j.id) && j.status === 'succeeded').length;
      const byType = counter.counts();
      return { answered, frames: counter.total(), perAnswered: counter.total() / answered, byType };
    };
    const overlapping = await framesOf(300, concurrency, 3 * requests);
    const serial = await framesOf(100, 1, 3 * requests + 300);
    await counter.close();
    return {
      accepted: { perSecond: ours.perSecond, baselinePerSecond: (base1.perSecond + base2.perSecond) / 2, ok: ours.ok, failed: ours.failed },
      latency: {
        n: lat.n, p50: lat.p50, p99: lat.p99, baselineP50: baseLat.p50, baselineP99: baseLat.p99, missing: sentAt.size - latencies.length,
        post: summary(serialPosts.latenciesMs), afterAnswer: summary(afterAnswer),
      },
      frames: { overlapping, serial },
    };
  } finally {
    await system.stop();
    await baseline.dispose();
  }
}

async function allJobs(api: (path: string) => Promise<Response>): Promise<Array<{ id: string; status: string }>> {
  const out: Array<{ id: string; status: string }> = [];
  let cursor: string | null = null;
  do {
    const page = (await (await api(`/jobs?limit=200${cursor ? `&cursor=${cursor}` : ''}`)).json()) as { jobs: Array<{ id: string; status: string }>; nextCursor: string | null };
    out.push(...page.jobs);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return out;
}

/** Waits (bounded) until no job is queued or in flight, so one phase does not bleed into the next. */
async function waitForQuiet(api: (path: string) => Promise<Response>): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const s = (await (await api('/status')).json()) as { inFlight: number; queued: number };
    if (s.inFlight === 0 && s.queued === 0) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}
