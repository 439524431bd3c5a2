/**
 * Takes the README screenshots: the dashboard in headless Chromium against the fake server.
 *
 *   npx vite build web && npx tsx web/dev/screenshots.ts [--out docs/screenshots] [--chromium /usr/bin/chromium] [--phone]
 *
 * `--phone` also takes 390 px wide versions (`*-phone.png`) to check the small-screen layout.
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
  },
});

const out = resolve(args.out);
mkdirSync(out, { recursive: true });

const fake = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./fake-server.ts', import.meta.url)), '--port', '0'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const firstLine = await new Promise<string>((res, rej) => {
  createInterface({ input: fake.stdout }).once('line', res);
  fake.once('exit', (code) => rej(new Error(`fake server exited with ${code}`)));
});
const base = (JSON.parse(firstLine) as { http: string }).http;

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

try {
  const shots: [string, { width: number; height: number }, number][] = [['', { width: 1280, height: 800 }, 1]];
  if (args.phone) shots.push(['-phone', { width: 390, height: 844 }, 2]);
  for (const [suffix, viewport, deviceScaleFactor] of shots) {
    const page = await browser.newPage({ viewport, deviceScaleFactor });
    await page.goto(`${base}/`);
    await settle(page, '.twin-card');
    await page.screenshot({ path: join(out, `overview${suffix}.png`) });
    await page.goto(`${base}/#/twins/ahu-1`);
    await settle(page, '.chart-card');
    await page.screenshot({ path: join(out, `twin${suffix}.png`), fullPage: true });
    await page.close();
  }
  process.stdout.write(`screenshots in ${out}\n`);
} finally {
  await browser.close();
  fake.kill('SIGTERM');
}
