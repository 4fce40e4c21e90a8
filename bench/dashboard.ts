// Live-update latency of the dashboard, next to its same-run baseline: a callback's Originate reaches
// the simulated PBX (t0, on the simulator's clock — the same machine's clock as the browser's), the
// relay reports the attempt, and we time when an open dashboard in headless Chromium shows the row
// dialling or later (the live feed), against when a tight loop of GET /jobs/{id} first sees the same
// (the API a polling client would use). One callback at a time, each phase on its own.
import { chromium } from 'playwright-core';
import { answers } from '../sim/index.js';
import { callbackChannelIds } from '../shared/channel-ids.js';
import type { JobView } from '../shared/jobs.js';
import { DEMO_SETTINGS, headerOf, startSystem, type System } from '../testkit/system.js';
import { summary } from './stats.js';

const DIALLING_OR_LATER = ['originating', 'ringing', 'answered', 'ended', 'succeeded', 'failed'];

export interface DashboardBench {
  dom: { n: number; p50: number; p99: number };
  api: { n: number; p50: number; p99: number };
}

export async function benchDashboard(samples = 60): Promise<DashboardBench> {
  const system = await startSystem({
    sim: { timeScale: 0.01, phones: { '101': answers({ ringMs: 0, holdMs: 5_000 }) } },
    settings: { ...DEMO_SETTINGS, destinations: { allow: ['+7'] }, retry: { maxAttempts: 1 } },
  });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const signIn = await fetch(`${system.worker.url}/app/sign-in`, {
      method: 'POST', redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: system.worker.url },
      body: new URLSearchParams({ pbx: system.pbx, token: system.apiKey }).toString(),
    });
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]?.split('=')[1] ?? '';
    const context = await browser.newContext();
    await context.addCookies([{ name: 'pz_session', value: cookie, url: system.worker.url, httpOnly: true, secure: true, sameSite: 'Strict' }]);
    const page = await context.newPage();
    await page.goto(`${system.worker.url}/app/pbxes/${system.pbx}/`);
    await page.waitForSelector('#health[data-connected="true"][data-ami="ready"]');
    await page.evaluate(`(() => {
      window.shownAt = {};
      const later = ${JSON.stringify(DIALLING_OR_LATER)};
      new MutationObserver((records) => {
        const now = Date.now();
        for (const r of records) for (const el of [r.target, ...r.addedNodes]) {
          if (!(el instanceof Element) || !el.hasAttribute('data-job')) continue;
          const id = el.getAttribute('data-job');
          if (window.shownAt[id] === undefined && later.includes(el.getAttribute('data-status'))) window.shownAt[id] = now;
        }
      }).observe(document.querySelector('#jobs tbody'), { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] });
    })()`);

    const dom: number[] = [];
    for (let i = 0; i < samples; i++) {
      const job = await callback(system, i);
      const shown = await waitForValue(async () => (await page.evaluate(`window.shownAt[${JSON.stringify(job.id)}]`)) as number | undefined);
      await finished(system, job.id);
      const t0 = originateAt(system, await system.job(job.id));
      if (t0 !== undefined && shown !== undefined) dom.push(shown - t0);
    }
    const api: number[] = [];
    for (let i = 0; i < samples; i++) {
      const job = await callback(system, samples + i);
      const seen = await waitForValue(async () => {
        const view = await system.job(job.id);
        const last = view.attempts.at(-1);
        return last !== undefined && DIALLING_OR_LATER.includes(last.status) ? Date.now() : undefined;
      });
      await finished(system, job.id);
      const t0 = originateAt(system, await system.job(job.id));
      if (t0 !== undefined && seen !== undefined) api.push(seen - t0);
    }
    return { dom: summary(dom), api: summary(api) };
  } finally {
    await browser.close();
    await system.stop();
  }
}

async function callback(system: System, i: number): Promise<JobView> {
  return system.requestCallback({ customer: `+7999${String(20_000_000 + i).slice(1)}`, operator: { extension: '101' } });
}

/** Waits for the call to end so the next sample starts on an idle PBX; a call that never ends is left out, not fatal. */
async function finished(system: System, id: string): Promise<void> {
  await system.waitForStatus(id, ['succeeded', 'failed', 'expired', 'cancelled'], 60_000).catch(() => undefined);
}

function originateAt(system: System, job: JobView): number | undefined {
  const attempt = job.attempts[0];
  if (attempt === undefined) return undefined;
  const channelId = callbackChannelIds(attempt.id).channelId;
  return system.sim.actions.find((a) => headerOf(a.headers, 'Action') === 'Originate' && headerOf(a.headers, 'ChannelId') === channelId)?.at;
}

/** Polls without pausing (each read is a real round trip), up to 10 s. */
async function waitForValue<T>(read: () => Promise<T | undefined>): Promise<T | undefined> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const v = await read();
    if (v !== undefined) return v;
  }
  return undefined;
}
