// Builds whole-system worlds over real sockets: the Worker in workerd (Miniflare, real port), a PBX
// (the AMI simulator on loopback, or any AMI endpoint: a real Asterisk in test/pbx) and the relay as a
// separate Node process connected to both, with a PBX and an API key created through the admin API.
// Tests drive it over HTTP like a CRM would.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callbackChannelIds } from '../shared/channel-ids.js';
import type { JobStatus, JobView } from '../shared/jobs.js';
import type { PbxSettingsInput } from '../shared/pbx.js';
import { startAmiSimulator, type AmiSimulator, type AmiSimulatorOptions } from '../sim/index.js';
import { waitFor } from './wait.js';
import { startWorker, TEST_ADMIN_TOKEN, type WorkerRuntime } from './worker-runtime.js';

export const DEMO_SETTINGS: PbxSettingsInput = {
  operatorContext: 'from-internal',
  customerContext: 'from-internal',
  destinations: { allow: ['+7', '8'], deny: ['+7809', '8809'] },
  // Russia's service numbers 101–104 are this PBX's extensions (the simulator's phones).
  extensions: { serviceNumberExceptions: ['101', '102', '103', '104'] },
  customerCallerId: { name: 'Perezvon', number: '+74950000000' },
  ringTimeoutSec: 5,
};

export interface SystemOptions {
  sim?: AmiSimulatorOptions;
  settings?: PbxSettingsInput;
  /** Start the relay process at once (default true). */
  relay?: boolean;
  /** Another system's Worker, for several PBXes (one simulator and relay each) on one Worker; it stays up on stop(). */
  worker?: WorkerRuntime;
  /** Extra Worker bindings (e.g. AMOCRM_API_BASE_URL pointing at a test's stand-in). */
  workerBindings?: Record<string, string>;
}

/** Where the relay finds a PBX's AMI: the simulator, or a real Asterisk (test/pbx, a staging PBX). */
export interface AmiEndpoint {
  host: string;
  port: number;
  username: string;
  secret: string;
}

export interface RelayProcess {
  readonly child: ChildProcess;
  readonly output: () => string;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** A world on any PBX: the Worker, a PBX with an API key, and the relay process connected to `ami`. */
export interface SystemCore {
  worker: WorkerRuntime;
  ami: AmiEndpoint;
  pbx: string;
  apiKey: string;
  relayToken: string;
  journalDir: string;
  relay: RelayProcess | undefined;
  startRelay(extraEnv?: Record<string, string>, readyTimeoutMs?: number): Promise<RelayProcess>;
  api(path: string, init?: RequestInit): Promise<Response>;
  requestCallback(body: unknown, headers?: Record<string, string>): Promise<JobView>;
  job(id: string): Promise<JobView>;
  waitForJob(id: string, pred: (job: JobView) => boolean, what: string, timeoutMs?: number): Promise<JobView>;
  waitForStatus(id: string, status: JobStatus | JobStatus[], timeoutMs?: number): Promise<JobView>;
  /** Waits until the relay reports this AMI state (`ready` after a drop, for instance). */
  waitForAmi(state: string, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** A world on the AMI simulator. */
export interface System extends SystemCore {
  sim: AmiSimulator;
  /** Originate actions the simulator received whose ChannelId belongs to this job's attempts. */
  originatesFor(job: JobView): Array<ReadonlyArray<readonly [string, string]>>;
}

export async function startSystem(options: SystemOptions = {}): Promise<System> {
  const sim = await startAmiSimulator({ timeScale: 0.05, ...options.sim });
  const core = await startSystemOn({ host: '127.0.0.1', port: sim.port, username: 'relay', secret: 'relaysecret' }, options).catch(async (e: unknown) => {
    await sim.close();
    throw e;
  });
  const stopCore = core.stop.bind(core);
  return Object.assign(core, {
    sim,
    originatesFor(job: JobView) {
      const ids = new Set(job.attempts.map((a) => callbackChannelIds(a.id).channelId));
      return sim.actions
        .filter((a) => headerOf(a.headers, 'Action') === 'Originate' && ids.has(headerOf(a.headers, 'ChannelId') ?? ''))
        .map((a) => a.headers);
    },
    async stop() {
      await Promise.allSettled([stopCore(), sim.close()]);
    },
  });
}

/** A world whose relay talks to the PBX at `ami` (started and stopped by the caller). */
export async function startSystemOn(ami: AmiEndpoint, options: Omit<SystemOptions, 'sim'> = {}): Promise<SystemCore> {
  const worker = options.worker ?? (await startWorker({ bindings: options.workerBindings ?? {} }));
  const journalDir = mkdtempSync(join(tmpdir(), 'perezvon-relay-'));
  const pbx = `pbx-${Math.random().toString(36).slice(2, 10)}`;
  const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' };
  const created = await fetch(`${worker.url}/v1/admin/pbxes`, { method: 'POST', headers: admin, body: JSON.stringify({ id: pbx, settings: options.settings ?? DEMO_SETTINGS }) });
  if (created.status !== 201) throw new Error(`creating the PBX failed: ${created.status} ${await created.text()}`);
  const { relayToken } = (await created.json()) as { relayToken: string };
  const keyRes = await fetch(`${worker.url}/v1/admin/pbxes/${pbx}/api-keys`, { method: 'POST', headers: admin, body: '{}' });
  const { apiKey } = (await keyRes.json()) as { apiKey: string };
  const auth = { authorization: `Bearer ${apiKey}` };

  const system: SystemCore = {
    worker, ami, pbx, apiKey, relayToken, journalDir, relay: undefined,
    async startRelay(extraEnv = {}, readyTimeoutMs = 15_000) {
      const relay = spawnRelay({
        PEREZVON_URL: worker.url, PEREZVON_PBX: pbx, PEREZVON_RELAY_TOKEN: relayToken, PEREZVON_RELAY_ID: 'relay-e2e',
        PEREZVON_JOURNAL: join(journalDir, 'journal.jsonl'),
        AMI_URL: `ami://${ami.username}:${ami.secret}@${ami.host}:${ami.port}`, LOG_LEVEL: 'info', ...extraEnv,
      });
      system.relay = relay;
      const relayId = extraEnv.PEREZVON_RELAY_ID ?? 'relay-e2e';
      await waitFor(async () => {
        const s = (await status()).relay;
        return s.ami === 'ready' && s.relayId === relayId ? true : undefined;
      }, 'the relay to connect with AMI ready', readyTimeoutMs);
      return relay;
    },
    api: (path, init = {}) => fetch(`${worker.url}/v1/pbxes/${pbx}${path}`, { ...init, headers: { ...auth, ...(init.headers as Record<string, string> | undefined) } }),
    async requestCallback(body, headers = {}) {
      const res = await system.api('/callbacks', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
      if (res.status !== 202 && res.status !== 200) throw new Error(`callback refused: ${res.status} ${await res.text()}`);
      return (await res.json()) as JobView;
    },
    async job(id) {
      const res = await system.api(`/jobs/${id}`);
      if (res.status !== 200) throw new Error(`GET job: ${res.status}`);
      return (await res.json()) as JobView;
    },
    waitForJob: (id, pred, what, timeoutMs = 15_000) =>
      waitFor(async () => {
        const job = await system.job(id);
        return pred(job) ? job : undefined;
      }, what, timeoutMs, 50),
    waitForStatus: (id, status, timeoutMs) => {
      const wanted = Array.isArray(status) ? status : [status];
      return system.waitForJob(id, (j) => wanted.includes(j.status), `job ${id} to be ${wanted.join('|')}`, timeoutMs);
    },
    async waitForAmi(state, timeoutMs = 30_000) {
      await waitFor(async () => ((await status()).relay.ami === state ? true : undefined), `the relay's AMI to be ${state}`, timeoutMs, 50);
    },
    async stop() {
      await system.relay?.kill('SIGKILL');
      await Promise.allSettled([options.worker === undefined ? worker.dispose() : Promise.resolve()]);
      rmSync(journalDir, { recursive: true, force: true });
    },
  };
  async function status(): Promise<{ relay: { ami: string; relayId: string | null } }> {
    return (await (await system.api('/status')).json()) as { relay: { ami: string; relayId: string | null } };
  }
  if (options.relay !== false) await system.startRelay();
  return system;
}

export function headerOf(headers: ReadonlyArray<readonly [string, string]>, name: string): string | undefined {
  return headers.find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
}

/** Relay processes still running: killed when this process exits, so a failed or interrupted run leaves none behind. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function spawnRelay(env: Record<string, string>): RelayProcess {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const child of running) child.kill('SIGKILL');
    });
  }
  let output = '';
  // A requested fault runs the relay through the tests' own entry point (the production one has no fault switch).
  const entry = env.PEREZVON_TEST_FAULT === undefined ? 'relay/main.ts' : 'testkit/relay-with-faults.ts';
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  running.add(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => {
    running.delete(child);
    resolve(code);
  }));
  return {
    child,
    output: () => output,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
