/**
 * Takes the README screenshots: the dashboard in headless Chromium, against a running twinflow (`--url`, e.g. the
 * demo from `twinflow up examples`) or else against the fake server.
 *
 *   npx vite build web && npx tsx web/dev/screenshots.ts [--url http://127.0.0.1:8080 --twin motor-001] [--out docs/screenshots] [--chromium /usr/bin/chromium] [--phone]
 *
 * `--phone` also takes 390 px wide versions of the overview and the twin page (`*-phone.png`).
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium, type Page } from 'playwright-core';

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: 'docs/screenshots' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    phone: { type: 'boolean', default: false },
    url: { type: 'string' },
    twin: { type: 'string' },
    /** Only these pages (comma list of overview,twin,workflows,simulations,events). */
    only: { type: 'string' },
  },
});

const out = resolve(args.out);
mkdirSync(out, { recursive: true });

const fake = args.url
  ? undefined
  : spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./fake-server.ts', import.meta.url)), '--port', '0'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
const base = fake
  ? (JSON.parse(
      await new Promise<string>((res, rej) => {
        createInterface({ input: fake.stdout as NodeJS.ReadableStream }).once('line', res);
        fake.once('exit', (code) => rej(new Error(`fake server exited with ${code}`)));
      }),
    ) as { http: string }).http
  : (args.url as string).replace(/\/$/, '');
const twin = args.twin ?? (fake ? 'ahu-1' : 'motor-001');
const only = new Set((args.only ?? 'overview,twin,workflows,simulations,events').split(','));

const browser = await chromium.launch({
  executablePath: args.chromium,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

/** Waits until the page is live and every sparkline or chart has data, then lets one more flush happen. */
async function settle(page: Page, selector: string): Promise<void> {
  await page.locator('.stream[data-status="open"]').waitFor();
  await page.locator(selector).first().waitFor();
  await page.waitForFunction(
    (sel) => [...document.querySelectorAll(`${sel} .chart`)].every((c) => Number(c.getAttribute('data-points')) > 0),
    selector,
  );
  await page.waitForTimeout(6000);
}

/** When the simulation API is served: a water tank session stepped a few dozen times, so its charts have a shape. */
async function startSimulation(page: Page): Promise<void> {
  const start = page.locator('button', { hasText: 'Start session' });
  await Promise.race([start.waitFor(), page.locator('.not-landed').waitFor()]);
  if (!(await start.isVisible())) return;
  await start.click();
  await page.locator('#sim-u').waitFor();
  for (let i = 0; i < 40; i++) {
    await page.locator('button', { hasText: /^Step$/ }).click();
    await page.waitForTimeout(60);
  }
  await page.waitForTimeout(1000);
}

try {
  const shots: [string, { width: number; height: number }, number][] = [['', { width: 1280, height: 800 }, 1]];
  if (args.phone) shots.push(['-phone', { width: 390, height: 844 }, 2]);
  for (const [suffix, viewport, deviceScaleFactor] of shots) {
    const page = await browser.newPage({ viewport, deviceScaleFactor });
    if (only.has('overview')) {
      await page.goto(`${base}/`);
      await settle(page, '.twin-card');
      await page.screenshot({ path: join(out, `overview${suffix}.png`) });
    }
    if (only.has('twin')) {
      await page.goto(`${base}/#/twins/${encodeURIComponent(twin)}`);
      await settle(page, '.chart-card');
      await page.screenshot({ path: join(out, `twin${suffix}.png`), fullPage: suffix === '' });
    }
    // Events first: the simulation below fills the stream with sim.step events.
    for (const name of ['events', 'workflows', 'simulations'] as const) {
      if (!only.has(name) || suffix !== '') continue;
      await page.goto(`${base}/#/${name}`);
      await page.locator('.stream[data-status="open"]').waitFor();
      if (name === 'simulations') await startSimulation(page);
      await page.waitForTimeout(name === 'events' ? 6000 : 2500);
      await page.screenshot({ path: join(out, `${name}${suffix}.png`), fullPage: name !== 'events' });
    }
    await page.close();
  }
  process.stdout.write(`screenshots in ${out}\n`);
} finally {
  await browser.close();
  fake?.kill('SIGTERM');
}
