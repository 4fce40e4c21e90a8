// The dashboard as a PBX admin meets it, in headless Chromium (Debian's, driven by playwright-core)
// against the real Worker, relay and AMI simulator: signed in by keyboard with an API key, the PBX
// shown healthy, a callback's row going queued → ringing → talking → answered on its own, its
// timeline, Russian, and signing out — after which the old cookie opens nothing.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answers } from '../../sim/index.js';
import { DEMO_SETTINGS, startSystem, type System } from '../../testkit/system.js';

const OPERATOR = '101';
const CUSTOMER = '+79990000021';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let system: System;
let browser: Browser;

beforeAll(async () => {
  system = await startSystem({
    sim: {
      timeScale: 1,
      phones: {
        [OPERATOR]: answers({ ringMs: 300, holdMs: 10_000 }),
        // Rings long enough for the row to be seen ringing, talks long enough to be seen talking.
        [CUSTOMER]: answers({ ringMs: 1500, holdMs: 1500 }),
      },
    },
    settings: { ...DEMO_SETTINGS, ringTimeoutSec: 15, retry: { maxAttempts: 1 } },
  });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

/** Presses Tab until the focused element matches the selector: the way a keyboard user gets there. */
async function tabTo(page: Page, selector: string, max = 40): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await page.locator(selector).evaluate((el) => el === (el.ownerDocument as { activeElement?: unknown }).activeElement)) return;
  }
  throw new Error(`Tab never reached ${selector} on ${page.url()}: ${(await page.content()).slice(0, 600)}`);
}

async function signInByKeyboard(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await tabTo(page, '#pbx');
  await page.keyboard.type(system.pbx);
  await tabTo(page, '#token');
  await page.keyboard.type(system.apiKey);
  await page.keyboard.press('Enter');
  await page.waitForURL(`**/app/pbxes/${system.pbx}/`, { timeout: 5000 }).catch(async (e: unknown) => {
    throw new Error(`no PBX page after sign-in (${page.url()}): ${(await page.content()).slice(0, 400)}; ${String(e)}`);
  });
}

describe('dashboard in a browser', () => {
  it('shows a callback going queued → ringing → talking → answered without a reload, then its timeline, all by keyboard', async () => {
    // Each test is a fresh browser profile (its own cookies).
    const page = await (await browser.newContext({ locale: 'en-GB' })).newPage();
    const problems: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    await signInByKeyboard(page, `${system.worker.url}/app/`);
    await page.waitForSelector('#health[data-connected="true"][data-ami="ready"]', { timeout: 5000 });
    // Every state the row shows is recorded in the page, and a marker proves the page never reloads.
    await page.evaluate(`(() => {
      window.seen = [];
      window.marker = true;
      new MutationObserver((records) => {
        for (const r of records) {
          if (r.type === 'attributes' && r.target.hasAttribute('data-job')) window.seen.push(r.target.getAttribute('data-status'));
          for (const n of r.addedNodes) if (n instanceof Element && n.hasAttribute('data-job')) window.seen.push(n.getAttribute('data-status'));
        }
      }).observe(document.querySelector('#jobs tbody'), { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] });
    })()`);

    const job = await system.requestCallback({ customer: CUSTOMER, operator: { extension: OPERATOR } });
    const row = `tr[data-job="${job.id}"]`;
    await page.waitForSelector(`${row}[data-status="succeeded"]`, { timeout: 20_000 });
    const seen = (await page.evaluate('window.seen')) as string[];
    // With the relay idle the job is offered in the same step that queued it: the first state drawn is either.
    expect(['queued', 'offered'], `states seen: ${seen.join(' → ')}`).toContain(seen[0]);
    const order = ['ringing', 'answered', 'succeeded'].map((s) => seen.indexOf(s));
    expect(order.every((i) => i >= 0), `states seen: ${seen.join(' → ')}`).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(await page.evaluate('window.marker')).toBe(true);
    expect(await page.textContent(`${row} td:nth-child(5)`)).toBe('answered');
    await page.screenshot({ path: join(tmpdir(), 'perezvon-dashboard.png'), fullPage: true });

    await tabTo(page, `${row} a`);
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/jobs/${job.id}`);
    for (const event of ['queued', 'offered', 'answered', 'ended']) expect(await page.locator('#timeline td', { hasText: new RegExp(`^${event}$`) }).count()).toBeGreaterThan(0);
    expect(await page.textContent('main')).toContain('answered');
    expect(problems, problems.join("; ")).toEqual([]);
    await page.context().close();
  });

  it('speaks Russian, fits a 360 px screen, and after sign-out the old cookie opens nothing', async () => {
    const page = await (await browser.newContext({ locale: 'en-GB', viewport: { width: 360, height: 740 } })).newPage();
    await signInByKeyboard(page, `${system.worker.url}/app/?lang=ru`);
    await page.waitForSelector('#health[data-connected="true"]');
    expect(await page.getAttribute('html', 'lang')).toBe('ru');
    expect(await page.textContent('#health-h')).toBe('Состояние АТС');
    expect(await page.textContent('#health [data-health="connected"]')).toBe('подключён');
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
    await page.screenshot({ path: join(tmpdir(), 'perezvon-dashboard-ru.png'), fullPage: true });

    const [cookie] = await page.context().cookies(system.worker.url);
    expect(cookie).toMatchObject({ name: 'pz_session', httpOnly: true, secure: true, sameSite: 'Strict' });
    expect(await page.evaluate('document.cookie')).not.toContain('pz_session');

    await tabTo(page, 'header button[type="submit"]');
    await page.keyboard.press('Enter');
    await page.waitForURL('**/app/');
    expect(await page.isVisible('#token')).toBe(true);
    const replay = await fetch(`${system.worker.url}/app/pbxes/${system.pbx}/`, { headers: { cookie: `pz_session=${cookie!.value}` }, redirect: 'manual' });
    expect(replay.status).toBe(303);
    await page.context().close();
  });
});
