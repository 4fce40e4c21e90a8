// The website widget as a visitor meets it: a shop page on another origin, under a strict
// Content-Security-Policy, embeds the one <script> tag; headless Chromium (Debian's, driven by
// playwright-core) operates it with the keyboard, and the callback runs through the real relay
// against the AMI simulator until the page says the call is connected (or could not reach them).
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { answers, busy } from '../../sim/index.js';
import { DEMO_SETTINGS, headerOf, startSystem, type System } from '../../testkit/system.js';
import { TEST_ADMIN_TOKEN } from '../../testkit/worker-runtime.js';

const OPERATOR = '101';
const VISITOR = '+79990000011';
const UNREACHABLE = '+79990000012';
const RELOADER = '+79990000013';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let system: System;
let shop: Server;
let shopOrigin: string;
let widgetKey = '';
let browser: BrowserContext;
let profileDir: string;

/** The shop's page: nothing but the embed, under a CSP that allows scripts and fetches from the Worker only. */
function startShop(workerUrl: string): Promise<Server> {
  const server = createServer((req, res) => {
    const lang = new URL(req.url ?? '/', 'http://x').searchParams.get('lang') === 'ru' ? 'ru' : 'en';
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': `default-src 'none'; script-src ${workerUrl}; connect-src ${workerUrl}; style-src 'self'`,
    });
    res.end(`<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>Shop</title></head>
<body><h1>Flowers &amp; Co</h1><p>Questions about your order?</p>
<script src="${workerUrl}/widget.js" data-key="${widgetKey}" async></script></body></html>`);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  system = await startSystem({
    sim: {
      phones: {
        [OPERATOR]: answers({ ringMs: 200, holdMs: 20_000 }),
        // The visitor's phone rings long enough for the page to show "calling you now".
        [VISITOR]: answers({ ringMs: 3000, holdMs: 2000 }),
        [UNREACHABLE]: busy(),
        [RELOADER]: answers({ ringMs: 3000, holdMs: 2000 }),
      },
    },
    settings: { ...DEMO_SETTINGS, ringTimeoutSec: 15, retry: { maxAttempts: 1 } },
  });
  // The widget key is bound to the shop's origin, so the shop starts first and embeds the key once issued.
  shop = await startShop(system.worker.url);
  shopOrigin = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
  const res = await fetch(`${system.worker.url}/v1/admin/pbxes/${system.pbx}/widgets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ origins: [shopOrigin], operator: { extension: OPERATOR }, callerId: 'Website' }),
  });
  expect(res.status).toBe(201);
  widgetKey = ((await res.json()) as { key: string }).key;
  profileDir = mkdtempSync(join(tmpdir(), 'perezvon-chromium-'));
  browser = await chromium.launchPersistentContext(profileDir, { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  shop?.close();
  await system?.stop();
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
});

interface Visit {
  page: Page;
  problems: string[];
  requests: string[];
  states: () => Promise<string[]>;
}

/** Opens the shop page, recording console errors, every request and each state the widget shows. */
async function visit(query = ''): Promise<Visit> {
  const page = await browser.newPage();
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(`${shopOrigin}/${query}`);
  await page.getByRole('button', { name: /call me back|перезвоните мне/i }).waitFor();
  // Runs in the page (a string: this project's TypeScript has no DOM library).
  await page.evaluate(`(() => {
    const host = document.querySelector('.perezvon-widget');
    window.pzvStates = [];
    new MutationObserver(() => window.pzvStates.push(host.getAttribute('data-state'))).observe(host, { attributeFilter: ['data-state'] });
  })()`);
  return { page, problems, requests, states: async () => z.array(z.string()).parse(await page.evaluate('window.pzvStates')) };
}

/** Whether the element has keyboard focus inside the widget's shadow root. */
function hasFocus(locator: Locator): Promise<boolean> {
  return locator.evaluate((el) => el === (el.getRootNode() as { activeElement?: unknown }).activeElement);
}

describe('website widget in a browser', () => {
  it('lets a visitor ask for a callback with the keyboard and shows it through to "connected"', async () => {
    const { page, problems, requests, states } = await visit();
    await page.keyboard.press('Tab');
    const open = page.getByRole('button', { name: 'Call me back' });
    expect(await hasFocus(open)).toBe(true);
    await page.keyboard.press('Enter');
    expect(await open.getAttribute('aria-expanded')).toBe('true');
    const phone = page.getByLabel('Your phone number');
    expect(await hasFocus(phone)).toBe(true);
    await page.keyboard.type('+7 (999) 000-00-11');
    await page.keyboard.press('Enter');
    const status = page.getByRole('status');
    await status.filter({ hasText: 'Thank you! We will call you shortly.' }).or(status.filter({ hasText: 'Calling you now' })).waitFor({ timeout: 10_000 });
    await status.filter({ hasText: 'Connected' }).waitFor({ timeout: 20_000 });
    await page.screenshot({ path: join(tmpdir(), 'perezvon-widget.png') });

    const seen = await states();
    expect(seen[0]).toBe('queued');
    expect(seen).toContain('calling');
    expect(seen.at(-1)).toBe('connected');
    expect(problems).toEqual([]);
    // No framework, no CDN, no analytics: the page talked to itself and to the Worker only.
    expect(requests.every((u) => u.startsWith(shopOrigin) || u.startsWith(system.worker.url))).toBe(true);

    // The PBX rang the operator's extension first, with the visitor's number for the operator to see.
    const jobs = (await (await system.api('/jobs')).json()) as { jobs: Array<{ id: string; request: { customer: string } }> };
    const job = await system.job(jobs.jobs.find((j) => j.request.customer === VISITOR)!.id);
    const [originate] = system.originatesFor(job);
    expect(headerOf(originate!, 'Channel')).toBe(`Local/${OPERATOR}@from-internal`);
    expect(headerOf(originate!, 'Exten')).toBe(VISITOR);
    await page.close();
  }, 60_000);

  it('tells a Russian-speaking visitor, in Russian, that they could not be reached', async () => {
    const { page, problems } = await visit('?lang=ru');
    await page.getByRole('button', { name: 'Перезвоните мне' }).click();
    await page.getByLabel('Ваш номер телефона').fill('8 999 000-00-12');
    await page.getByRole('button', { name: 'Жду звонка' }).click();
    await page.getByRole('status').filter({ hasText: 'Не удалось до вас дозвониться' }).waitFor({ timeout: 20_000 });
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);

  it('picks the progress up again after the visitor reloads the page, and forgets it once the call is over', async () => {
    const { page, problems } = await visit();
    await page.getByRole('button', { name: 'Call me back' }).click();
    await page.getByLabel('Your phone number').fill('+7 999 000-00-13');
    await page.getByRole('button', { name: 'Call me', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Thank you! We will call you shortly.' }).or(page.getByRole('status').filter({ hasText: 'Calling you now' })).waitFor({ timeout: 10_000 });
    await page.reload();
    // Open without a click, still on its way: the saved status token is polled again.
    expect(await page.getByRole('button', { name: 'Call me back' }).getAttribute('aria-expanded')).toBe('true');
    await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 20_000 });
    await page.reload();
    await page.getByRole('button', { name: 'Call me back' }).waitFor();
    expect(await page.getByRole('button', { name: 'Call me back' }).getAttribute('aria-expanded')).toBe('false');
    const jobs = (await (await system.api('/jobs')).json()) as { jobs: Array<{ request: { customer: string } }> };
    expect(jobs.jobs.filter((j) => j.request.customer === RELOADER)).toHaveLength(1);
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);

  it('explains a refused number next to the field and closes with Escape', async () => {
    const { page } = await visit();
    const open = page.getByRole('button', { name: 'Call me back' });
    await open.click();
    const phone = page.getByLabel('Your phone number');
    await phone.fill('112');
    await phone.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Sorry, we cannot call this number.' }).waitFor();
    expect(await phone.getAttribute('aria-invalid')).toBe('true');
    await page.keyboard.press('Escape');
    expect(await open.getAttribute('aria-expanded')).toBe('false');
    expect(await hasFocus(open)).toBe(true);
    await page.close();
  }, 30_000);
});
