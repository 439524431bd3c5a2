/**
 * The dashboard in headless Chromium against `web/dev/fake-server.ts` (the real server's stand-in until
 * it exists; the same checks should later run against `twinflow up`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { type Browser, chromium, type Page } from 'playwright-core';
import { buildDashboard } from './build-dashboard.ts';
import { describeWith } from '../support/components.ts';

const CHROMIUM = process.env.TWINFLOW_TEST_CHROMIUM ?? '/usr/bin/chromium';
const FAKE = fileURLToPath(new URL('../../web/dev/fake-server.ts', import.meta.url));

interface Server { url: string; proc: ChildProcess }

/** Its own build directory, so this suite and portal.e2e (which needs web/dist, the real server's) never race. */
const DIST = await mkdtemp(join(tmpdir(), 'twinflow-web-'));

async function startFake(...flags: string[]): Promise<Server> {
  const proc = spawn(process.execPath, ['--import', 'tsx', FAKE, '--port', '0', '--dist', DIST, ...flags], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: proc.stdout as NodeJS.ReadableStream });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    proc.once('exit', (code) => reject(new Error(`fake server exited with ${code}`)));
  });
  return { url: (JSON.parse(first) as { http: string }).http, proc };
}

const stop = async (s: Server | undefined): Promise<void> => {
  if (!s || s.proc.exitCode !== null) return;
  const exited = new Promise((r) => s.proc.once('exit', r));
  s.proc.kill('SIGTERM');
  await exited;
};

/** Polls until `check` holds; e2e only, where the browser and the server run on their own clocks. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const post = (url: string, body?: unknown): Promise<Response> =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

const requests = async (s: Server): Promise<{ method: string; url: string; authorization?: string }[]> =>
  (await (await fetch(`${s.url}/__fake/requests`)).json()) as { method: string; url: string; authorization?: string }[];

const d = await describeWith('chromium', () => access(CHROMIUM));

d('dashboard (headless Chromium, fake server)', () => {
  let server: Server | undefined;
  let browser: Browser | undefined;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    await buildDashboard(DIST);
    server = await startFake();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);

  afterEach(() => {
    expect(pageErrors.splice(0)).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await stop(server);
    await rm(DIST, { recursive: true, force: true });
  });

  async function open(path = '/'): Promise<Page> {
    const page = await (browser as Browser).newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${(server as Server).url}${path}`);
    return page;
  }

  it('shows a card per twin with health, ingest figures and live values', async () => {
    const page = await open();
    await until('8 cards', async () => (await page.locator('.twin-card').count()) === 8);
    await expect(page.locator('.page-head p').textContent()).resolves.toContain('8 twins · 7 active · 1 deprecated');
    await until('health badges', async () => (await page.locator('.badges .badge').allTextContents()).join(' ').includes('registry'));
    await until('ingest rate', async () => /msg\/s/.test((await page.locator('.stats').textContent()) ?? ''));
    await until('live stream', async () => (await page.locator('.stream').getAttribute('data-status')) === 'open');

    const ahu = page.locator('.twin-card', { hasText: 'Air handling unit 1' });
    await until('latest values', async () => (await ahu.locator('.values dd').count()) === 4);
    const before = await ahu.locator('.values').textContent();
    await until('values to change', async () => (await ahu.locator('.values').textContent()) !== before);
    await until('sparkline data', async () => Number(await ahu.locator('.chart').getAttribute('data-points')) > 10);
    await expect(ahu.locator('canvas').count()).resolves.toBe(1);
    await expect(page.locator('.twin-card', { hasText: 'Legacy sensor 3' }).textContent()).resolves.toContain('No telemetry yet');
    await page.close();
  });

  it('filters by id or name and keeps the filter in the URL', async () => {
    const page = await open();
    await until('cards', async () => (await page.locator('.twin-card').count()) === 8);
    await page.fill('#twin-filter', 'pump');
    await until('one card', async () => (await page.locator('.twin-card').count()) === 1);
    expect(new URL(page.url()).hash).toBe('#/?q=pump');
    await page.fill('#twin-filter', 'ROOM-2');
    await until('two rooms', async () => (await page.locator('.twin-card').count()) === 2);
    await page.reload();
    await until('filter restored', async () => (await page.locator('#twin-filter').inputValue()) === 'ROOM-2' && (await page.locator('.twin-card').count()) === 2);
    await page.close();
  });

  it('opens a twin by keyboard; its charts load 10 minutes of history and then grow live', async () => {
    const page = await open();
    await until('cards', async () => (await page.locator('.twin-card').count()) === 8);
    await page.fill('#twin-filter', 'pump-7');
    await until('one card', async () => (await page.locator('.twin-card').count()) === 1);
    // Tab past the model, group, dimension and status pickers to the card's link.
    for (let i = 0; i < 10 && !(await page.evaluate("document.activeElement?.closest('.twin-card') !== null")); i++) await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await until('twin page', async () => new URL(page.url()).hash === '#/twins/pump-7');
    await until('h1 focused', async () => (await page.locator('h1:focus').textContent()) === 'Chilled-water pump 7');

    await until('three charts', async () => (await page.locator('.chart-card').count()) === 3);
    const chart = page.locator('.chart-card[data-field="flow"] .chart');
    await until('history', async () => Number(await chart.getAttribute('data-points')) > 500);
    const last = Number(await chart.getAttribute('data-last-ts'));
    await until('live growth', async () => Number(await chart.getAttribute('data-last-ts')) > last);
    await expect(page.locator('.values-wide').textContent()).resolves.toContain('running');
    await expect(page.locator('#relationships-h + .relations').textContent()).resolves.toContain('Buffer tank');

    // The overview's sparkline asked for `flow` in 10 s buckets; the twin page asks for every numeric field at 1 s.
    const history = (await requests(server as Server)).find((r) => r.url.startsWith('/api/twins/pump-7/telemetry?') && r.url.includes('every=1s'));
    const q = new URL(history?.url ?? '/', 'http://x').searchParams;
    expect(q.get('fields')).toBe('flow,pressure,vibration');
    expect(q.get('agg')).toBe('avg');
    expect(Date.parse(q.get('to') ?? '') - Date.parse(q.get('from') ?? '')).toBe(600_000);
    await page.close();
  });

  it('deep-links twins with reserved characters and says when one does not exist', async () => {
    const page = await open('/some/unknown/path#/twins/boiler%3Ab1');
    await until('boiler page', async () => (await page.locator('h1').textContent()) === 'Boiler B1');
    await page.goto(`${(server as Server).url}/#/twins/nope`);
    await until('not found', async () => (await page.locator('h1').textContent()) === 'Twin not found');
    await page.close();
  });

  it('adds and removes cards from registry events', async () => {
    const page = await open();
    await until('cards', async () => (await page.locator('.twin-card').count()) === 8);
    const res = await post(`${(server as Server).url}/api/registry/twins`, { id: 'fan-9', name: 'Exhaust fan 9', fields: { speed: { kind: 'number', base: 40, amp: 5, periodS: 60 } } });
    expect(res.status).toBe(201);
    await until('new card', async () => (await page.locator('.twin-card').count()) === 9);
    await until('its values', async () => ((await page.locator('.twin-card', { hasText: 'Exhaust fan 9' }).textContent()) ?? '').includes('speed'));
    await fetch(`${(server as Server).url}/api/registry/twins/fan-9`, { method: 'DELETE' });
    await until('card removed', async () => (await page.locator('.twin-card').count()) === 8);
    await page.close();
  });

  it('shows reconnecting when the stream drops, and resyncs after the browser gave up', async () => {
    const page = await open();
    const status = page.locator('.stream');
    await until('live', async () => (await status.getAttribute('data-status')) === 'open');

    await post(`${(server as Server).url}/__fake/stream/drop`);
    await until('reconnecting', async () => (await status.getAttribute('data-status')) === 'reconnecting');
    await until('live again', async () => (await status.getAttribute('data-status')) === 'open');

    const listCalls = async () => (await requests(server as Server)).filter((r) => r.url.startsWith('/api/registry/twins?')).length;
    const before = await listCalls();
    await post(`${(server as Server).url}/__fake/stream/refuse?ms=5000`);
    await until('retry countdown', async () => /Reconnecting/.test((await status.textContent()) ?? ''));
    await until('live after refusal', async () => (await status.getAttribute('data-status')) === 'open', 20_000);
    await until('resync', async () => (await listCalls()) > before);
    await page.close();
  }, 40_000);

  it('says plainly that workflows, simulation, twin state and commands have not landed', async () => {
    const page = await open('/#/workflows');
    await until('workflows', async () => (await page.locator('.not-landed[data-feature="Workflows"]').count()) === 1);
    await page.goto(`${(server as Server).url}/#/simulations`);
    await until('simulation', async () => (await page.locator('.not-landed[data-feature="Simulation"]').count()) === 1);
    await page.goto(`${(server as Server).url}/#/twins/pump-7`);
    await until('state and commands', async () => (await page.locator('.not-landed').count()) === 2);
    expect(await page.locator('.not-landed').evaluateAll((els) => els.map((e) => e.getAttribute('data-feature')))).toEqual(['Twin state', 'Commands']);
    await page.close();
  });

  it('takes ?token= into session storage, sends it, and asks for one after a 401', async () => {
    const secured = await startFake('--token', 's3cret');
    try {
      const ctx = await (browser as Browser).newContext();
      const page = await ctx.newPage();
      await page.goto(`${secured.url}/?token=s3cret#/`);
      await until('cards', async () => (await page.locator('.twin-card').count()) === 8);
      expect(page.url()).not.toContain('s3cret');
      const log = await requests(secured);
      expect(log.find((r) => r.url.startsWith('/api/registry/twins?'))?.authorization).toBe('Bearer s3cret');
      expect(log.find((r) => r.url.startsWith('/api/portal/stream?'))?.url).toContain('access_token=s3cret');
      await page.reload();
      await until('cards after reload', async () => (await page.locator('.twin-card').count()) === 8);
      await ctx.close();

      const anon = await (browser as Browser).newPage();
      await anon.goto(`${secured.url}/`);
      await until('token prompt', async () => (await anon.locator('#auth-token').count()) === 1);
      await anon.fill('#auth-token', 's3cret');
      await anon.keyboard.press('Enter');
      await until('cards with the typed token', async () => (await anon.locator('.twin-card').count()) === 8);
      await anon.close();
    } finally {
      await stop(secured);
    }
  }, 40_000);
});
