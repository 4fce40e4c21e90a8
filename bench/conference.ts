// Benchmark of the permanent external participant's reaction time: from the first internal's
// ConfbridgeJoin on the wire to the external leg's Originate on the wire (p50/p99), next to the
// relay's raw event round-trip in the same run (ConfbridgeJoin → a bare Getvar sent from a listener
// on a second AMI connection, no logic in between). The conference module runs in-process against
// the AMI simulator over real TCP, as in test/relay/conference.
import { pino } from 'pino';
import { startRawJoinResponder } from './raw-join-baseline.js';
import { rings, startAmiSimulator } from '../sim/index.js';
import { header as actionHeader, rule, startModule } from '../testkit/conference-module.js';
import { waitFor } from '../testkit/wait.js';
import { summary } from './stats.js';
import { externalChannelIdPrefix } from '../shared/channel-ids.js';

export interface ConferenceBench {
  n: number;
  missing: number;
  joinToOriginate: { p50: number; p99: number };
  rawRoundTrip: { p50: number; p99: number };
}

export async function benchConference(rooms = Number(process.env.CONF_BENCH_ROOMS ?? 100)): Promise<ConferenceBench> {
  const sim = await startAmiSimulator({ timeScale: 0.01, phones: { '89990001111': rings() } });
  const logger = pino({ level: 'silent' });
  // The baseline connection logs in first, so the simulator writes each event to it first: any
  // ordering advantage goes to the baseline, not to us.
  const raw = await startRawJoinResponder({ host: sim.host, port: sim.port, username: 'relay', secret: 'relaysecret' });
  const names = Array.from({ length: rooms }, (_, i) => String(80_000 + i));
  const running = await startModule(sim, logger);
  const joinedAt = new Map<string, number>();
  const untap = sim.onEvent((ev) => {
    const get = (k: string): string | undefined => ev.headers.find(([h]) => h === k)?.[1];
    const room = get('Conference');
    if (get('Event') === 'ConfbridgeJoin' && room !== undefined && !joinedAt.has(room)) joinedAt.set(room, Date.now());
  });
  const ours: number[] = [];
  const base: number[] = [];
  let missing = 0;
  try {
    running.module.setRules(names.map((room) => rule(room, { ringTimeoutMs: 60_000 })));
    for (const room of names) {
      const uid = sim.dial('101', room, 'conf');
      try {
        const originate = await sim.waitForAction((a) => actionHeader(a, 'Action') === 'Originate' && (actionHeader(a, 'ChannelId') ?? '').startsWith(externalChannelIdPrefix(room)), 5000);
        const getvar = await sim.waitForAction((a) => actionHeader(a, 'Action') === 'Getvar' && actionHeader(a, 'Variable') === `BENCH_${room}`, 5000);
        const t0 = joinedAt.get(room);
        if (t0 === undefined) missing++;
        else {
          ours.push(originate.at - t0);
          base.push(getvar.at - t0);
        }
      } catch {
        missing++;
      }
      sim.hangup(uid);
      await waitFor(() => (sim.rooms().some((r) => r.room === room) ? undefined : true), `room ${room} to end`, 10_000, 5);
    }
  } finally {
    untap();
    await running.stop();
    await raw.stop();
    await sim.close();
  }
  const a = summary(ours);
  const b = summary(base);
  return { n: a.n, missing, joinToOriginate: { p50: a.p50, p99: a.p99 }, rawRoundTrip: { p50: b.p50, p99: b.p99 } };
}
