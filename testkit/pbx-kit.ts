// The real-Asterisk kit (../shared/pbx, or $PEREZVON_PBX_KIT): builds it, starts fresh PBX instances on
// free loopback ports, each in its own directory under one root, and stops them. Used by the real-PBX
// lane (vitest.pbx.config.ts, test/pbx/) and `npm run bench -- --pbx real`.
// Invariant: every instance this process starts is registered, and stopped on stop(), on stopAll() and
// at process exit; stop.sh ends only the instance's own pid, never anybody else's Asterisk.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The kit's directory: $PEREZVON_PBX_KIT, else `../shared/pbx` beside the repository. */
export function kitDir(): string {
  const repo = fileURLToPath(new URL('..', import.meta.url));
  return resolve(repo, process.env.PEREZVON_PBX_KIT ?? '../shared/pbx');
}

export const kitExists = (dir = kitDir()): boolean => existsSync(join(dir, 'start.sh')) && existsSync(join(dir, 'build.sh'));

/** The AMI login of every kit instance (the kit's etc/manager.conf; a test-only credential). */
export const KIT_AMI_LOGIN = { username: 'relay', secret: 'relaysecret' } as const;

export interface PbxInstance {
  readonly host: string;
  readonly port: number;
  readonly dir: string;
  /** Runs an Asterisk CLI command on this instance (`core show channels`). */
  cli(command: string): string;
  stop(): Promise<void>;
}

/** Builds the kit (a second run only checks its stamp and returns at once). Throws with the log's tail. */
export async function buildKit(dir = kitDir()): Promise<void> {
  const out = await run('bash', [join(dir, 'build.sh')]);
  if (out.code !== 0) throw new Error(`build.sh failed (${out.code}):\n${out.text.slice(-3000)}`);
}

/** The root under which this process's instances live: $PEREZVON_PBX_ROOT (set by the lane's globalSetup) or a new temp dir. */
export function instancesRoot(): string {
  process.env.PEREZVON_PBX_ROOT ??= mkdtempSync(join(tmpdir(), 'perezvon-pbx-'));
  return process.env.PEREZVON_PBX_ROOT;
}

const started = new Set<string>();
let exitHookInstalled = false;

/** Starts a fresh PBX on a free port; `extra` is a dialplan file for start.sh --extra. */
export async function startPbx(options: { extra?: string; kit?: string } = {}): Promise<PbxInstance> {
  const kit = options.kit ?? kitDir();
  installExitHook();
  // A port can be taken between our probe and Asterisk's bind (the machine is shared): try a few.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const dir = mkdtempSync(join(instancesRoot(), `${port}-`));
    started.add(dir);
    const args = [join(kit, 'start.sh'), '--dir', dir, '--ami-port', String(port), ...(options.extra ? ['--extra', options.extra] : [])];
    const out = await run('bash', args);
    if (out.code === 0) return instance(kit, dir, port);
    stopSync(kit, dir);
    if (attempt >= 3) throw new Error(`start.sh failed (${out.code}):\n${out.text.slice(-3000)}`);
  }
}

/** Stops every instance under `root` (the lane's globalSetup teardown: also those of crashed workers). */
export function stopAllUnder(root: string, kit = kitDir()): void {
  if (!existsSync(root)) return;
  for (const name of readdirSync(root)) stopSync(kit, join(root, name));
  rmSync(root, { recursive: true, force: true });
}

function instance(kit: string, dir: string, port: number): PbxInstance {
  const asterisk = '/opt/perezvon-asterisk/sbin/asterisk';
  return {
    host: '127.0.0.1', port, dir,
    cli: (command) => spawnSync(asterisk, ['-C', join(dir, 'etc/asterisk.conf'), '-rx', command], { encoding: 'utf8' }).stdout,
    async stop() {
      await run('bash', [join(kit, 'stop.sh'), '--dir', dir]);
      started.delete(dir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function stopSync(kit: string, dir: string): void {
  spawnSync('bash', [join(kit, 'stop.sh'), '--dir', dir], { stdio: 'ignore' });
  started.delete(dir);
  rmSync(dir, { recursive: true, force: true });
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const kit = kitDir();
  // Asterisk runs detached (setsid): without this a failed or interrupted run would leave it behind.
  process.once('exit', () => {
    for (const dir of [...started]) stopSync(kit, dir);
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => process.exit(130));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

function run(cmd: string, args: string[]): Promise<{ code: number | null; text: string }> {
  return new Promise((done) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr.on('data', (d: Buffer) => (text += d.toString()));
    child.once('exit', (code) => done({ code, text }));
  });
}
