// The relay as a PBX host gets it: packed with npm pack, installed from the tarball into an empty
// directory with production dependencies only, and run as `perezvon-relay`. Its doctor passes
// against the simulator and a running Worker, and names each problem a PBX admin could have.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installRelay, packRelay } from '../../scripts/relay-package.js';
import { DEMO_SETTINGS, startSystem, type System } from '../../testkit/system.js';
import { TEST_ADMIN_TOKEN } from '../../testkit/worker-runtime.js';

let work: string;
let journalDir: string;
let installed: string;
let system: System;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'perezvon-package-'));
  // The journal must be on a disk that survives a reboot, which /tmp is not meant to be.
  journalDir = mkdtempSync('/var/tmp/perezvon-doctor-');
  installed = installRelay(packRelay(join(work, 'pack')), join(work, 'host'));
  system = await startSystem({
    sim: { users: { relay: 'relaysecret', dialler: { secret: 'diallersecret', read: 'all', write: 'call,reporting' } } },
  });
}, 180_000);

afterAll(async () => {
  await system?.stop();
  rmSync(work, { recursive: true, force: true });
  rmSync(journalDir, { recursive: true, force: true });
});

function relayEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '', PEREZVON_URL: system.worker.url, PEREZVON_PBX: system.pbx, PEREZVON_RELAY_TOKEN: system.relayToken,
    PEREZVON_JOURNAL: join(journalDir, 'journal.jsonl'), AMI_URL: `ami://relay:relaysecret@127.0.0.1:${system.sim.port}`, ...extra,
  };
}

function perezvonRelay(args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(installed, 'bin', 'perezvon-relay.mjs'), ...args], { env, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, out: stdout + stderr });
    });
  });
}

const failures = (out: string) => out.split('\n').filter((l) => l.startsWith('FAIL'));

describe('the relay package', () => {
  it('installs with production dependencies only: no TypeScript, tsx, pino-pretty or Worker code', () => {
    const modules = join(installed, '..');
    expect(existsSync(join(installed, 'dist', 'relay.mjs'))).toBe(true);
    for (const dev of ['tsx', 'typescript', 'pino-pretty', 'hono', 'wrangler', 'esbuild']) expect(existsSync(join(modules, dev)), dev).toBe(false);
    for (const runtime of ['pino', 'ws', 'zod', 'prom-client']) expect(existsSync(join(modules, runtime)), runtime).toBe(true);
    expect(existsSync(join(installed, 'relay'))).toBe(false);
  });

  it('answers --version with the package version and --help with the commands', async () => {
    const version = await perezvonRelay(['--version'], { PATH: process.env.PATH ?? '' });
    expect(version).toEqual({ code: 0, out: '0.1.0\n' });
    const help = await perezvonRelay(['--help'], { PATH: process.env.PATH ?? '' });
    expect(help.code).toBe(0);
    expect(help.out).toContain('perezvon-relay doctor');
    expect(help.out).toContain('PEREZVON_METRICS_ADDR');
    expect((await perezvonRelay(['frobnicate'], { PATH: process.env.PATH ?? '' })).code).toBe(64);
  });
});

describe('perezvon-relay doctor', () => {
  it('passes every check against the simulator and the Worker, beside the live relay, which keeps its session', async () => {
    const { code, out } = await perezvonRelay(['doctor'], relayEnv());
    expect(failures(out)).toEqual([]);
    expect(code).toBe(0);
    for (const check of ['configuration', 'Worker', 'relay token', 'clock', 'journal', 'AMI', 'AMI login', 'AMI permissions']) expect(out).toMatch(new RegExp(`^ok +${check}:`, 'm'));
    expect(out).toMatch(/^ok +context: from-internal \(operatorContext, customerContext\) is in the dialplan/m);
    // The simulator has no FreePBX ext-queues: only queue callbacks need it, so it is a warning.
    expect(out).toMatch(/^warn {2}context: ext-queues \(queueContext\)/m);
    expect(system.relay?.child.exitCode).toBeNull();
    const status = (await (await system.api('/status')).json()) as { relay: { connected: boolean; relayId: string } };
    expect(status.relay).toMatchObject({ connected: true, relayId: 'relay-e2e' });
  });

  it('names a wrong AMI secret, and the manager.conf section to check', async () => {
    const { code, out } = await perezvonRelay(['doctor'], relayEnv({ AMI_URL: `ami://relay:wrongsecret@127.0.0.1:${system.sim.port}` }));
    expect(code).toBe(1);
    expect(failures(out)).toEqual([expect.stringMatching(/^FAIL {2}AMI login: user relay was rejected .*\[relay\] section of \/etc\/asterisk\/manager\.conf/)]);
  });

  it('names a relay token the Worker refuses', async () => {
    const { code, out } = await perezvonRelay(['doctor'], relayEnv({ PEREZVON_RELAY_TOKEN: 'pzr_wrongwrongwrongwrongwrongwrong' }));
    expect(code).toBe(1);
    expect(failures(out)).toEqual([expect.stringMatching(/^FAIL {2}relay token: the Worker refused the relay token for PBX /)]);
  });

  it('names a context the dialplan does not have, and the setting that names it', async () => {
    const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const pbx = `${system.pbx}-ctx`;
    const res = await fetch(`${system.worker.url}/v1/admin/pbxes`, { method: 'POST', headers: admin, body: JSON.stringify({ id: pbx, settings: { ...DEMO_SETTINGS, customerContext: 'from-nowhere' } }) });
    const { relayToken } = (await res.json()) as { relayToken: string };
    const { code, out } = await perezvonRelay(['doctor'], relayEnv({ PEREZVON_PBX: pbx, PEREZVON_RELAY_TOKEN: relayToken }));
    expect(code).toBe(1);
    expect(failures(out)).toEqual([expect.stringMatching(/^FAIL {2}context: from-nowhere \(customerContext\) is not in the dialplan: .*customerContext/)]);
  });

  it('names an AMI user without originate write permission, and the manager.conf line to add', async () => {
    const { code, out } = await perezvonRelay(['doctor'], relayEnv({ AMI_URL: `ami://dialler:diallersecret@127.0.0.1:${system.sim.port}` }));
    expect(code).toBe(1);
    expect(failures(out)).toEqual([expect.stringMatching(/^FAIL {2}AMI permissions: dialler may not run Originate \(places every call\)\. Add originate to the write = line of \[dialler\] in \/etc\/asterisk\/manager\.conf \(all the relay needs: write = originate,call,reporting\)/)]);
  });

  it('names a journal directory that does not survive a reboot', async () => {
    const { code, out } = await perezvonRelay(['doctor'], relayEnv({ PEREZVON_JOURNAL: join(work, 'volatile', 'journal.jsonl') }));
    expect(code).toBe(1);
    expect(failures(out)).toEqual([expect.stringMatching(/^FAIL {2}journal: .* does not survive a reboot.*PEREZVON_JOURNAL/)]);
  });
});
