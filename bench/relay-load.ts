// The relay's cost on a busy PBX, next to the floor: the relay process and a bare Node AMI reader
// (bare-ami-reader.ts) logged in to the same simulated PBX, which carries other people's calls at a
// set event rate (one foreign call's events as the simulator raises them, replayed with fresh ids).
// For each rate: CPU (share of one core, from /proc utime+stime over the window) and peak RSS of
// each process, and the rate the reader actually saw. The relay's saturation is where its CPU would
// reach a whole core: measured if a rung of the ladder gets there, else extrapolated from its CPU per event.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { answers } from '../sim/index.js';
import { DEMO_SETTINGS, startSystem } from '../testkit/system.js';

export interface RelayLoadRung {
  targetPerSec: number;
  seenPerSec: number;
  relay: { cpuPct: number; rssMb: number };
  bare: { cpuPct: number; rssMb: number };
}

export interface RelayLoadResult {
  rungs: RelayLoadRung[];
  /** Events per second at which the relay would use a whole core (measured or extrapolated). */
  saturationPerSec: number;
  saturationMeasured: boolean;
}

/** Clock ticks per second of /proc/<pid>/stat (CLK_TCK): 100 on Linux. */
const TICK = 100;

function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

export async function benchRelayLoad(rates = [2000, 10_000, 20_000, 40_000], windowMs = 8000): Promise<RelayLoadResult> {
  const system = await startSystem({ sim: { timeScale: 0.01, phones: { '201': answers({ ringMs: 100, holdMs: 1000 }) } }, settings: DEMO_SETTINGS, relay: false });
  await system.startRelay({ LOG_LEVEL: 'warn' });
  const template = await foreignCall(system.sim);
  const bare = spawn(process.execPath, ['--import', 'tsx', 'bench/bare-ami-reader.ts', system.sim.host, String(system.sim.port), 'relay', 'relaysecret'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let bareCount = 0;
  bare.stdout?.on('data', (d: Buffer) => {
    const last = d.toString().trim().split('\n').pop();
    if (last) bareCount = (JSON.parse(last) as { messages: number }).messages;
  });
  const relayPid = system.relay!.child.pid!;
  const rungs: RelayLoadRung[] = [];
  try {
    await new Promise((r) => setTimeout(r, 1000));
    for (const rate of rates) {
      const run = replay(system.sim, template, rate);
      await new Promise((r) => setTimeout(r, 1500)); // warm up at this rate
      const t0 = performance.now();
      const c0 = { relay: cpuTicks(relayPid), bare: cpuTicks(bare.pid!) };
      const n0 = bareCount;
      const peak = { relay: 0, bare: 0 };
      while (performance.now() - t0 < windowMs) {
        await new Promise((r) => setTimeout(r, 250));
        peak.relay = Math.max(peak.relay, rssMb(relayPid));
        peak.bare = Math.max(peak.bare, rssMb(bare.pid!));
      }
      const seconds = (performance.now() - t0) / 1000;
      const pct = (pid: number, c: number): number => ((cpuTicks(pid) - c) / TICK / seconds) * 100;
      rungs.push({
        targetPerSec: rate,
        seenPerSec: (bareCount - n0) / seconds,
        relay: { cpuPct: pct(relayPid, c0.relay), rssMb: peak.relay },
        bare: { cpuPct: pct(bare.pid!, c0.bare), rssMb: peak.bare },
      });
      run.stop();
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    bare.kill('SIGKILL');
    await system.stop();
  }
  const saturated = rungs.find((r) => r.relay.cpuPct >= 90);
  const best = rungs.filter((r) => r.relay.cpuPct > 0).sort((a, b) => b.seenPerSec - a.seenPerSec)[0];
  return {
    rungs,
    saturationPerSec: saturated ? saturated.seenPerSec : best ? (best.seenPerSec * 100) / best.relay.cpuPct : Number.NaN,
    saturationMeasured: saturated !== undefined,
  };
}

type Headers = Array<[string, string]>;

/** One foreign call's events (a Local call to a phone that answers, then hung up), as the simulator raises them. */
async function foreignCall(sim: Awaited<ReturnType<typeof startSystem>>['sim']): Promise<Headers[]> {
  const events: Headers[] = [];
  const off = sim.onEvent((m) => void events.push(m.headers.map(([k, v]) => [k, v])));
  const uid = sim.dial('+79990000001', '201');
  await new Promise((r) => setTimeout(r, 300));
  sim.hangup(uid);
  await new Promise((r) => setTimeout(r, 300));
  off();
  return events;
}

/** Replays the template at `rate` events/s, each copy with its own ids and channel names. */
function replay(sim: Awaited<ReturnType<typeof startSystem>>['sim'], template: Headers[], rate: number): { stop(): void } {
  const ids = new Set(template.flatMap((h) => h.filter(([k]) => /uniqueid$|linkedid$/i.test(k)).map(([, v]) => v)));
  const start = performance.now();
  let sent = 0;
  let copy = 0;
  let index = 0;
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - start) / 1000) * rate);
    for (; sent < due; sent++) {
      if (index === 0) copy++;
      const suffix = `f${copy}`;
      sim.inject(template[index]!.map(([k, v]) => [k, ids.has(v) ? `${v}${suffix}` : v.replace(/-([0-9a-f]{8});/, `-${suffix};`)]));
      index = (index + 1) % template.length;
    }
  }, 5);
  return { stop: () => clearInterval(timer) };
}

