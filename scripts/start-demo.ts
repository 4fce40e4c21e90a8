// `npm start`: the whole system on loopback for a first look. Starts the demo PBX (the AMI
// simulator on 127.0.0.1:5039, not Asterisk's 5038), the Worker under `wrangler dev` (workerd; no
// Cloudflare account, no network), creates the `demo` PBX with dev-only credentials, connects a
// relay to both, and prints ready-to-paste curl commands. Ctrl-C stops everything.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createLogger } from '../relay/log.js';
import { startRelay } from '../relay/start.js';
import { answers, busy, rings, startAmiSimulator } from '../sim/index.js';

// Dev-only values: never used by a deployment (wrangler.toml has no ADMIN_TOKEN; see README).
const ADMIN_TOKEN = 'dev-admin-token-not-for-production';
const WORKER_PORT = Number(process.env.PEREZVON_DEV_PORT ?? 8787);
const SIM_PORT = Number(process.env.AMI_SIM_PORT ?? 5039);
const WORKER = `http://127.0.0.1:${WORKER_PORT}`;
// Readable lines on a terminal (pino-pretty), JSON lines when piped; the relay below does the same.
const log = createLogger({ name: 'demo' });

async function main(): Promise<void> {
  mkdirSync('.perezvon', { recursive: true });
  const sim = await startAmiSimulator({
    port: SIM_PORT,
    // Customers ring ~0.5 s and talk ~15 s, so a demo callback finishes while you watch.
    timeScale: 0.25,
    phones: { '101': answers({ ringMs: 2000, holdMs: 20_000 }), '102': rings(), '+79990000002': busy() },
  });
  log.info({ port: sim.port }, 'demo PBX (AMI simulator) listening');

  const wrangler = spawn(
    process.execPath,
    ['node_modules/wrangler/bin/wrangler.js', 'dev', '--ip', '127.0.0.1', '--port', String(WORKER_PORT), '--var', `ADMIN_TOKEN:${ADMIN_TOKEN}`, '--var', 'ALLOW_PRIVATE_CALLBACKS:true',
      // Dev only: /app/dev-sign-in opens the demo PBX's dashboard in one click.
      '--var', 'DASHBOARD_DEV_SIGN_IN:demo',
      '--persist-to', '.perezvon/wrangler', '--log-level', 'warn', '--show-interactive-dev-session=false'],
    // No metrics, and no lookup of Cloudflare's request.cf data: the demo runs offline, without warnings.
    { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' }, detached: true },
  );
  const stopAll = async (): Promise<void> => {
    try {
      if (wrangler.pid !== undefined) process.kill(-wrangler.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    await relay?.stop(2000).catch(() => undefined);
    await sim.close();
    process.exit(0);
  };
  let relay: Awaited<ReturnType<typeof startRelay>> | undefined;
  process.on('SIGINT', () => void stopAll());
  process.on('SIGTERM', () => void stopAll());
  wrangler.on('exit', (code) => {
    log.error({ code }, 'wrangler dev exited');
    void stopAll();
  });

  await waitForHealth();
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
  const settings = {
    name: 'Demo PBX', operatorContext: 'from-internal', customerContext: 'from-internal',
    numbering: { country: 'RU', dialFormat: 'e164' },
    // Russia, with premium-rate, shared-cost, personal and satellite numbers denied (the default types).
    destinations: { allow: ['RU'], deny: ['+7809'] },
    // 101 and 102 are Russian service numbers; on this PBX they are phones, so they are listed.
    extensions: { minLength: 3, maxLength: 4, serviceNumberExceptions: ['101', '102'] },
    customerCallerId: { name: 'Perezvon demo', number: '+74950000000' },
    ringTimeoutSec: 20, retry: { maxAttempts: 2, backoffSec: [30] },
  };
  const created = await fetch(`${WORKER}/v1/admin/pbxes`, { method: 'POST', headers: admin, body: JSON.stringify({ id: 'demo', settings }) });
  // On a second start the PBX exists (storage persists in .perezvon/): bring its settings to these
  // (an earlier version's may lack the numbering plan) and take a fresh relay token.
  if (created.status !== 201) await fetch(`${WORKER}/v1/admin/pbxes/demo/settings`, { method: 'PUT', headers: admin, body: JSON.stringify(settings) });
  const tokenRes = created.status === 201 ? created : await fetch(`${WORKER}/v1/admin/pbxes/demo/relay-token`, { method: 'POST', headers: admin });
  const { relayToken } = (await tokenRes.json()) as { relayToken: string };
  const keyRes = await fetch(`${WORKER}/v1/admin/pbxes/demo/api-keys`, { method: 'POST', headers: admin, body: JSON.stringify({ label: 'demo' }) });
  const { apiKey } = (await keyRes.json()) as { apiKey: string };

  relay = startRelay({
    PEREZVON_URL: WORKER, PEREZVON_PBX: 'demo', PEREZVON_RELAY_TOKEN: relayToken, PEREZVON_RELAY_ID: 'demo-relay',
    PEREZVON_JOURNAL: '.perezvon/journal-demo.jsonl', AMI_URL: `ami://relay:relaysecret@127.0.0.1:${sim.port}`, LOG_LEVEL: 'info',
  });

  process.stdout.write(`
Perezvon demo is running.
  Worker:    ${WORKER}   (OpenAPI: ${WORKER}/openapi.json)
  Demo PBX:  AMI on 127.0.0.1:${sim.port} (user relay / relaysecret — dev only); extension 101 answers, 102 rings, +79990000002 is busy
  Dashboard: ${WORKER}/app/dev-sign-in   (signs you in to "demo" in one click — dev only; elsewhere sign in at ${WORKER}/app/)
  Admin token (dev only): ${ADMIN_TOKEN}
  API key for PBX "demo": ${apiKey}

Request a callback (operator 101 first, then the customer):
  curl -s -X POST ${WORKER}/v1/pbxes/demo/callbacks -H 'authorization: Bearer ${apiKey}' -H 'content-type: application/json' -d '{"customer":"+79991234567","operator":{"extension":"101"}}'

Read its status (paste the job id from the answer):
  curl -s ${WORKER}/v1/pbxes/demo/jobs/JOB_ID -H 'authorization: Bearer ${apiKey}'

Ctrl-C stops everything.
`);
}

async function waitForHealth(): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${WORKER}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('wrangler dev did not become ready within 60 s');
}

void main();
