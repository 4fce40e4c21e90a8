// Runs the real Worker in workerd through Miniflare on a real loopback port, for whole-system tests
// and benchmarks: bundles worker/index.ts with esbuild, binds the SQLite Durable Object, and can
// restart the runtime over the same persisted storage (a Worker/Durable Object restart).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Readable } from 'node:stream';
import { join } from 'node:path';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';

export const TEST_ADMIN_TOKEN = 'e2e-admin-token-0123456789';
/** The tests' AMOCRM_TOKEN_KEY (base64 of 32 bytes); a deployment's comes from `wrangler secret put`. */
export const TEST_AMOCRM_TOKEN_KEY = 'cGVyZXp2b24tdGVzdHMtYW1vY3JtLWtleS0zMmJ5dGU=';

export interface WorkerRuntime {
  /** e.g. http://127.0.0.1:40123 */
  readonly url: string;
  /** Everything workerd wrote to stdout and stderr so far (the Worker's log lines), across restarts. */
  logs(): string;
  /** Disposes workerd and starts it again on the same port over the same storage; `whileDown` runs in between. */
  restart(whileDown?: () => Promise<void>): Promise<void>;
  dispose(): Promise<void>;
}

let bundled: Promise<string> | undefined;

export function bundleWorker(): Promise<string> {
  bundled ??= build({
    entryPoints: ['worker/index.ts'],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    external: ['cloudflare:*'],
    write: false,
    logLevel: 'silent',
  }).then((r) => r.outputFiles[0]?.text ?? '');
  return bundled;
}

export async function startWorker(options: { port?: number; bindings?: Record<string, string> } = {}): Promise<WorkerRuntime> {
  const contents = await bundleWorker();
  const persist = mkdtempSync(join(tmpdir(), 'perezvon-do-'));
  let logs = '';
  const make = (port: number): Miniflare =>
    new Miniflare({
      modules: [{ type: 'ESModule', path: 'worker.js', contents }],
      compatibilityDate: '2026-04-01',
      // As wrangler.toml: csv-parse needs Node's Buffer.
      compatibilityFlags: ['nodejs_compat'],
      durableObjects: {
        PBX_QUEUE: { className: 'PbxQueue', useSQLite: true },
        DASHBOARD_SESSIONS: { className: 'DashboardSessions', useSQLite: true },
        ORG_DIRECTORY: { className: 'OrgDirectory', useSQLite: true },
        PBX_REGISTRY: { className: 'PbxRegistry', useSQLite: true },
      },
      durableObjectsPersist: persist,
      // Status callbacks go to receivers on 127.0.0.1 in tests (worker/webhooks/callback-url.ts).
      bindings: { ADMIN_TOKEN: TEST_ADMIN_TOKEN, ALLOW_PRIVATE_CALLBACKS: 'true', AMOCRM_TOKEN_KEY: TEST_AMOCRM_TOKEN_KEY, ...options.bindings },
      host: '127.0.0.1',
      port,
      cf: false,
      handleRuntimeStdio(stdout: Readable, stderr: Readable) {
        stdout.on('data', (d: Buffer) => (logs += d.toString()));
        stderr.on('data', (d: Buffer) => (logs += d.toString()));
      },
    });
  let mf = make(options.port ?? 0);
  const url = (await mf.ready).origin;
  const port = Number(new URL(url).port);
  return {
    url,
    logs: () => logs,
    async restart(whileDown) {
      await mf.dispose();
      await whileDown?.();
      mf = make(port);
      await mf.ready;
    },
    async dispose() {
      await mf.dispose();
      rmSync(persist, { recursive: true, force: true });
    },
  };
}
