// `npm run bench -- --pbx sim|real|both`: the spine's figures measured the same way on the simulator and
// on a real Asterisk (the kit's, built first, or $PEREZVON_PBX_AMI), read on the AMI wire between the relay process
// and the PBX (a tap in the relay's TCP hop), each next to a baseline from the same run:
// - POST /callbacks sent → its Originate on the wire, one at a time, vs a bare DO-row route round trip;
// - a room's first ConfbridgeJoin on the relay's wire → the external leg's Originate on it, vs a bare
//   AMI client answering the same event with a Getvar (join → Getvar on its own wire);
// - the relay process's CPU per thousand AMI events while the PBX carries waves of concurrent calls of
//   other people (Originates into `phones`), vs a bare process on the relay's AMI client counting them.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { AmiParser, header, type AmiMessage } from '../relay/ami/wire.js';
import { callbackChannelIds, externalChannelIdPrefix } from '../shared/channel-ids.js';
import { LANE_NUMBERS as N, realPbxDriver, simulatorDriver, type PbxDriver } from '../testkit/pbx-driver.js';
import { buildKit } from '../testkit/pbx-kit.js';
import { startLaneWorld, type LaneWorld } from '../testkit/pbx-world.js';
import { startTcpCut, type WireTap } from '../testkit/tcp-cut.js';
import { waitFor } from '../testkit/wait.js';
import { startBaseline } from './callbacks.js';
import { load } from './load.js';
import { startRawJoinResponder } from './raw-join-baseline.js';
import { summary } from './stats.js';

export interface PbxBench {
  pbx: 'simulator' | 'asterisk';
  postToOriginate: { n: number; missing: number; p50: number; p99: number; baselineP50: number; baselineP99: number };
  joinToOriginate: { n: number; missing: number; p50: number; p99: number; rawP50: number; rawP99: number };
  cpu: { calls: number; concurrent: number; events: number; relayMsPerK: number; bareMsPerK: number };
}

/** A sub-millisecond wall clock (Date.now() rounds the raw baseline's round trip to 0). */
const now = (): number => performance.timeOrigin + performance.now();

/** What passed on the relay's AMI wire, with arrival times. */
class Wire {
  readonly actions: Array<{ at: number; msg: AmiMessage }> = [];
  readonly events: Array<{ at: number; msg: AmiMessage }> = [];
  readonly tap = (): WireTap => {
    const fromClient = new AmiParser((msg) => this.actions.push({ at: now(), msg }));
    const fromServer = new AmiParser((msg) => {
      if (header(msg, 'Event') !== undefined) this.events.push({ at: now(), msg });
    }, () => undefined, { expectBanner: true });
    return (from, chunk) => (from === 'client' ? fromClient : fromServer).push(chunk);
  };
}

export async function benchOnPbx(kind: 'sim' | 'real', sizes = { posts: 40, rooms: 10, waves: 10, concurrent: 40 }): Promise<PbxBench> {
  const wire = new Wire();
  if (kind === 'real' && process.env.PEREZVON_PBX_AMI === undefined) await buildKit();
  const driver: PbxDriver = kind === 'sim' ? await simulatorDriver({ tap: wire.tap }) : await realPbxDriver({ tap: wire.tap });
  const w = await startLaneWorld(driver, { maxConcurrentCalls: 50 }, { LOG_LEVEL: 'warn' });
  // The CPU baseline sees all the traffic the relay sees from here on, so both are equally warm.
  const bare = spawn(process.execPath, ['--import', 'tsx', 'bench/bare-ami-listener.ts', driver.target.host, String(driver.target.port), driver.target.username, driver.target.secret], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    let out = '';
    bare.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(() => (out.includes('ready') ? true : undefined), 'the bare listener to log in', 20_000);
    const postToOriginate = await postsToOriginate(w, wire, sizes.posts);
    const joinToOriginate = await joinsToOriginate(w, wire, sizes.rooms);
    const cpu = await cpuPerEvents(w, wire, bare.pid ?? 0, sizes.waves, sizes.concurrent);
    return { pbx: driver.kind, postToOriginate, joinToOriginate, cpu };
  } finally {
    bare.kill('SIGTERM');
    await w.stop();
  }
}

async function postsToOriginate(w: LaneWorld, wire: Wire, n: number): Promise<PbxBench['postToOriginate']> {
  const baseline = await startBaseline();
  try {
    const sent = new Map<string, number>();
    // The operator never answers: each call ends at the ring timeout, so nothing queues behind the limit.
    await load(n, 1, async () => {
      const t0 = now();
      const job = await w.system.requestCallback({ customer: N.customerShortCall, operator: { extension: N.operatorNoAnswer } });
      sent.set(job.id, t0);
      return true;
    });
    const base = await load(n, 1, async (i) => (await fetch(baseline.url, { method: 'POST', body: JSON.stringify({ i }) })).status === 202);
    const latencies: number[] = [];
    for (const [id, t0] of sent) {
      const job = await w.system.waitForJob(id, (j) => j.attempts.length > 0, 'the attempt', 30_000).catch(() => undefined);
      const channelId = job?.attempts[0] ? callbackChannelIds(job.attempts[0].id).channelId : '';
      const originate = await waitFor(() => wire.actions.find((a) => header(a.msg, 'Action') === 'Originate' && header(a.msg, 'ChannelId') === channelId), 'the Originate', 30_000).catch(() => undefined);
      if (originate !== undefined) latencies.push(originate.at - t0);
    }
    const ours = summary(latencies);
    const b = summary(base.latenciesMs);
    return { n: ours.n, missing: sent.size - latencies.length, p50: ours.p50, p99: ours.p99, baselineP50: b.p50, baselineP99: b.p99 };
  } finally {
    await baseline.dispose();
  }
}

async function joinsToOriginate(w: LaneWorld, wire: Wire, rooms: number): Promise<PbxBench['joinToOriginate']> {
  // The baseline client: the relay's AMI class on a tapped hop of its own, answering each join with a Getvar.
  const rawWire = new Wire();
  const hop = await startTcpCut(w.driver.target, rawWire.tap);
  const raw = await startRawJoinResponder({ ...w.driver.target, host: '127.0.0.1', port: hop.port });
  const ours: number[] = [];
  const base: number[] = [];
  let missing = 0;
  try {
    for (let i = 0; i < rooms; i++) {
      const room = String(8100 + i);
      const put = await w.system.api(`/rooms/${room}/external-participant`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ number: N.customerStays, context: 'from-internal' }) });
      if (put.status !== 200) throw new Error(`rule for ${room}: ${put.status}`);
      // The relay reads a room when its rule arrives: only then may the first internal dial in (else the
      // relay would find them listed during the join prompt and dial before any ConfbridgeJoin).
      await waitFor(() => wire.actions.find((a) => header(a.msg, 'Action') === 'ConfbridgeList' && header(a.msg, 'Conference') === room), 'the relay to read the ruled room', 20_000);
      const internal = await w.driver.dial(N.operator, room, 'conf');
      const isJoin = (e: { msg: AmiMessage }) => header(e.msg, 'Event') === 'ConfbridgeJoin' && header(e.msg, 'Conference') === room;
      try {
        const join = await waitFor(() => wire.events.find(isJoin), 'the join on the relay wire', 20_000);
        const originate = await waitFor(() => wire.actions.find((a) => header(a.msg, 'Action') === 'Originate' && (header(a.msg, 'ChannelId') ?? '').startsWith(externalChannelIdPrefix(room))), 'the external Originate', 20_000);
        const rawJoin = await waitFor(() => rawWire.events.find(isJoin), 'the join on the raw wire', 20_000);
        const getvar = await waitFor(() => rawWire.actions.find((a) => header(a.msg, 'Action') === 'Getvar' && header(a.msg, 'Variable') === `BENCH_${room}`), 'the raw Getvar', 20_000);
        ours.push(originate.at - join.at);
        base.push(getvar.at - rawJoin.at);
      } catch {
        missing++;
      }
      await w.driver.hangup(internal);
      await w.driver.observer.until(() => w.driver.observer.named('ConfbridgeEnd', (e) => e.get('Conference') === room).length > 0, `room ${room} to end`, 30_000);
    }
  } finally {
    await raw.stop();
    await hop.close();
  }
  const a = summary(ours);
  const b = summary(base);
  return { n: a.n, missing, p50: a.p50, p99: a.p99, rawP50: b.p50, rawP99: b.p99 };
}

async function cpuPerEvents(w: LaneWorld, wire: Wire, barePid: number, waves: number, concurrent: number): Promise<PbxBench['cpu']> {
  const relayPid = w.system.relay?.child.pid ?? 0;
  const eventsBefore = wire.events.length;
  const relay0 = cpuMs(relayPid);
  const bare0 = cpuMs(barePid);
  const o = w.driver.observer;
  let calls = 0;
  for (let wave = 0; wave < waves; wave++) {
    const uids: string[] = [];
    for (let i = 0; i < concurrent; i++) uids.push(await w.driver.dial(`+7495${String(1_000_000 + calls++).slice(1)}`, String(110 + i), 'phones'));
    const up = (uid: string) => o.named('Newstate', (e) => e.get('Uniqueid') === uid && e.get('ChannelStateDesc') === 'Up').length > 0;
    await o.until(() => uids.every(up), `wave ${wave}: every foreign call up`, 60_000);
    for (const uid of uids) await w.driver.hangup(uid);
    const gone = (uid: string) => o.named('Hangup', (e) => e.get('Uniqueid') === uid).length > 0;
    await o.until(() => uids.every(gone), `wave ${wave}: every foreign call gone`, 60_000);
  }
  const events = wire.events.length - eventsBefore;
  const relayMs = cpuMs(relayPid) - relay0;
  const bareMs = cpuMs(barePid) - bare0;
  return { calls, concurrent, events, relayMsPerK: (relayMs / events) * 1000, bareMsPerK: (bareMs / events) * 1000 };
}

/** User + system CPU of a process so far, ms (Linux /proc; clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
