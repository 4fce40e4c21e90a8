// `npm run bench`: every benchmark, each next to a baseline measured in the same run, printed as a
// table of ratios, row by row (these machines are shared and noisy; absolute numbers vary run to run).
// `npm run bench -- --pbx sim|real|both`: the spine's figures on the simulator and on a real Asterisk.
import { benchAmiParse } from './ami-parse.js';
import { benchCallbacks } from './callbacks.js';
import { benchConference } from './conference.js';
import { benchDashboard } from './dashboard.js';
import { benchOnPbx, type PbxBench } from './on-pbx.js';
import { benchRelayLoad } from './relay-load.js';
import { soak } from './soak.js';
import { fmt } from './stats.js';
import { CAPTURES_DIR } from '../testkit/captures-dir.js';

const TRANSCRIPTS = process.env.AMI_TRANSCRIPTS ?? CAPTURES_DIR;

/** The rows of `--pbx`: the same three figures on each PBX, side by side. */
function pbxRows(r: PbxBench): string[] {
  const on = r.pbx === 'asterisk' ? 'real Asterisk 22' : 'simulator';
  const p = r.postToOriginate;
  const j = r.joinToOriginate;
  const c = r.cpu;
  return [
    `| ${on}: POST /callbacks sent → its Originate on the relay's AMI wire, one at a time (n=${p.n}, ${p.missing} missing) | p50 ${fmt(p.p50)} ms, p99 ${fmt(p.p99)} ms | bare DO-row route round trip: p50 ${fmt(p.baselineP50)} ms, p99 ${fmt(p.baselineP99)} ms | p50 ${fmt(p.p50 / p.baselineP50, 1)}×, p99 ${fmt(p.p99 / p.baselineP99, 1)}× |`,
    `| ${on}: ConfbridgeJoin on the relay's wire → the external leg's Originate on it (n=${j.n}, ${j.missing} missing) | p50 ${fmt(j.p50)} ms, p99 ${fmt(j.p99)} ms | bare AMI client, join → Getvar on its wire: p50 ${fmt(j.rawP50)} ms, p99 ${fmt(j.rawP99)} ms | p50 ${fmt(j.p50 / j.rawP50, 1)}×, p99 ${fmt(j.p99 / j.rawP99, 1)}× |`,
    `| ${on}: relay CPU per 1,000 AMI events, ${c.calls} foreign calls in waves of ${c.concurrent} (${c.events} events) | ${fmt(c.relayMsPerK)} ms | bare process on the relay's AMI client, counting: ${fmt(c.bareMsPerK)} ms | ${fmt(c.relayMsPerK / c.bareMsPerK, 2)}× |`,
  ];
}

async function main(): Promise<void> {
  // `--pbx sim|real|both`: the spine's figures on the simulator and on a real Asterisk (bench/on-pbx.ts).
  const pbxFlag = process.argv.indexOf('--pbx');
  const only = pbxFlag >= 0 ? 'pbx' : process.argv[2];
  // Each row is printed as soon as it is measured, so a later benchmark that fails loses nothing.
  process.stdout.write('| benchmark | result | baseline (same run) | ratio |\n|---|---|---|---|\n');
  const rows = { push: (row: string): void => void process.stdout.write(`${row}\n`) };
  if (only === undefined || only === 'parse') {
    const r = benchAmiParse(TRANSCRIPTS);
    rows.push(`| AMI parsing (AmiParser) | ${fmt(r.parserMsgsPerSec / 1000)} k msg/s | bare split on blank lines: ${fmt(r.baselineMsgsPerSec / 1000)} k msg/s | ${fmt(r.ratio, 2)}× |`);
    rows.push(`| AMI parsing as the relay runs it (events nobody reads skipped) | ${fmt(r.relayParserMsgsPerSec / 1000)} k msg/s | bare split on blank lines: ${fmt(r.baselineMsgsPerSec / 1000)} k msg/s | ${fmt(r.relayParserMsgsPerSec / r.baselineMsgsPerSec, 2)}× |`);
  }
  if (only === undefined || only === 'callbacks') {
    const r = await benchCallbacks();
    rows.push(`| accepted POST /callbacks (10 in flight, ${r.accepted.ok} ok, ${r.accepted.failed} failed) | ${fmt(r.accepted.perSecond, 0)} req/s | bare DO-row route: ${fmt(r.accepted.baselinePerSecond, 0)} req/s | ${fmt(r.accepted.perSecond / r.accepted.baselinePerSecond, 2)}× |`);
    rows.push(`| POST /callbacks sent → its Originate at the PBX, one at a time (n=${r.latency.n}, ${r.latency.missing} missing) | p50 ${fmt(r.latency.p50)} ms, p99 ${fmt(r.latency.p99)} ms | bare DO-row route round trip, one at a time: p50 ${fmt(r.latency.baselineP50)} ms, p99 ${fmt(r.latency.baselineP99)} ms | p50 ${fmt(r.latency.p50 / r.latency.baselineP50, 1)}×, p99 ${fmt(r.latency.p99 / r.latency.baselineP99, 1)}× |`);
    rows.push(`| — of which the POST's own round trip (sent → 202), and 202 → Originate | p50 ${fmt(r.latency.post.p50)} ms, p99 ${fmt(r.latency.post.p99)} ms; after the 202: p50 ${fmt(r.latency.afterAnswer.p50)} ms, p99 ${fmt(r.latency.afterAnswer.p99)} ms | — | — |`);
    for (const [label, f] of [['10 in flight', r.frames.overlapping], ['one at a time', r.frames.serial]] as const) {
      const types = Object.entries(f.byType).map(([k, v]) => `${k} ${v}`).join(', ');
      rows.push(`| relay frames per answered callback, ${label} (${f.answered} answered; ${types}) | ${fmt(f.perAnswered, 2)} | — | — |`);
    }
  }
  if (only === undefined || only === 'soak') {
    const total = Number(process.env.SOAK_JOBS ?? 2000);
    const r = await soak(total);
    rows.push(`| soak: ${r.accepted} callbacks, ${r.faults.relayKills} relay SIGKILLs + ${r.faults.amiDrops} AMI drops + ${r.faults.workerRestarts} Worker restarts, ${Math.round(r.seconds)} s | final ${r.final}, lost ${r.lost}, attempts rung twice ${r.ringsTwice}, abandoned but dialled ${r.abandonedButDialled} (${Object.entries(r.byStatus).map(([k, v]) => `${k} ${v}`).join(', ')}; failed because: ${Object.entries(r.failedBecause).map(([k, v]) => `${k} ${v}`).join('; ')}) | — | time to final p50 ${fmt(r.toFinalMs.p50 / 1000)} s, p99 ${fmt(r.toFinalMs.p99 / 1000)} s |`);
  }
  if (only === undefined || only === 'relay-load') {
    const rates = process.env.RELAY_LOAD_RATES?.split(',').map(Number);
    const r = await benchRelayLoad(rates);
    for (const g of r.rungs) {
      rows.push(`| relay vs bare AMI reader, foreign traffic ${fmt(g.targetPerSec / 1000, 0)} k events/s (seen ${fmt(g.seenPerSec, 0)}/s) | CPU ${fmt(g.relay.cpuPct)} % of a core, peak RSS ${fmt(g.relay.rssMb, 0)} MB | bare reader: CPU ${fmt(g.bare.cpuPct)} %, RSS ${fmt(g.bare.rssMb, 0)} MB | CPU ${fmt(g.relay.cpuPct / g.bare.cpuPct, 2)}×, RSS ${fmt(g.relay.rssMb / g.bare.rssMb, 2)}× |`);
    }
    rows.push(`| relay saturation (a whole core), foreign traffic | ${fmt(r.saturationPerSec, 0)} events/s (${r.saturationMeasured ? 'measured' : 'extrapolated from CPU per event'}) | — | — |`);
  }
  if (only === 'pbx') {
    const which = process.argv[pbxFlag + 1] ?? 'both';
    if (!['sim', 'real', 'both'].includes(which)) throw new Error('--pbx takes sim, real or both');
    if (which !== 'real') for (const row of pbxRows(await benchOnPbx('sim'))) rows.push(row);
    if (which !== 'sim') for (const row of pbxRows(await benchOnPbx('real'))) rows.push(row);
    return;
  }
  if (only === undefined || only === 'dashboard') {
    const r = await benchDashboard();
    rows.push(`| Originate at the PBX → the dashboard's row shows it dialling (live feed, headless Chromium; n=${r.dom.n}) | p50 ${fmt(r.dom.p50)} ms, p99 ${fmt(r.dom.p99)} ms | the same, seen by a tight loop of GET /jobs/{id}: p50 ${fmt(r.api.p50)} ms, p99 ${fmt(r.api.p99)} ms | p50 ${fmt(r.dom.p50 / r.api.p50, 1)}×, p99 ${fmt(r.dom.p99 / r.api.p99, 1)}× |`);
  }
  if (only === undefined || only === 'conference') {
    const r = await benchConference();
    rows.push(`| ConfbridgeJoin → external leg Originate on the wire (n=${r.n}, ${r.missing} missing) | p50 ${fmt(r.joinToOriginate.p50)} ms, p99 ${fmt(r.joinToOriginate.p99)} ms | raw event round-trip (join → bare Getvar): p50 ${fmt(r.rawRoundTrip.p50)} ms, p99 ${fmt(r.rawRoundTrip.p99)} ms | p50 ${fmt(r.joinToOriginate.p50 / r.rawRoundTrip.p50, 1)}×, p99 ${fmt(r.joinToOriginate.p99 / r.rawRoundTrip.p99, 1)}× |`);
  }
}

void main().then(() => process.exit(0));
