/**
 * Twin sync latency (DESIGN §9): a device publishes a reported change on `tf/{tenant}/{twin}/state/update` over MQTT
 * → an SSE client receives the `state.update`, while other devices publish telemetry at 5 000 msg/s (QoS 1).
 * twinflow runs as `twinflow up` in its own process with the embedded broker and a SQLite store; the background
 * publishers run in a child process; the probe device and the SSE client run here.
 *
 *   npm run bench -- twin-sync [--samples 1000] [--rate 5000] [--interval 10] [--twins 1000]
 *
 * Budget: p99 ≤ 20 ms.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startCli, tempDir } from '../test/support/cli.ts';
import { connectDevice } from '../test/support/mqtt-device.ts';
import { openSse } from '../test/support/sse.ts';
import { printTable, report } from './lib/report.ts';

const { values: args } = parseArgs({
  options: {
    samples: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '5000' },
    interval: { type: 'string', default: '10' },
    twins: { type: 'string', default: '1000' },
    role: { type: 'string' },
    url: { type: 'string' },
    seconds: { type: 'string' },
  },
});

/** The background: `rate` telemetry messages a second, QoS 1, paced in 10 ms ticks, until `seconds` have passed. */
async function backgroundLoad(url: string, rate: number, twins: number, seconds: number): Promise<void> {
  const client = await connectDevice(url, { clientId: `bench-load-${process.pid}` });
  const perTick = Math.max(1, Math.round(rate / 100));
  const started = performance.now();
  let sent = 0;
  let i = 0;
  while (performance.now() - started < seconds * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    while (sent < due) {
      for (let k = 0; k < perTick && sent < due; k++, sent++, i++) {
        client.publish(`tf/default/load-${i % twins}/telemetry`, `{"v":${i}}`, { qos: 1 });
      }
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  process.stdout.write(`${JSON.stringify({ sent, seconds: (performance.now() - started) / 1000 })}\n`);
  await client.endAsync();
}

function quantile(sorted: number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

async function main(): Promise<void> {
  const SAMPLES = Number(args.samples);
  const RATE = Number(args.rate);
  const INTERVAL = Number(args.interval);
  const TWINS = Number(args.twins);
  const dir = await tempDir('twinflow-bench-sync-');
  await writeFile(join(dir.path, 'twinflow.yaml'), 'ingest:\n  unknown_twins: register\nsimulator:\n  enabled: false\n');
  const cli = await startCli(['up', dir.path, '--http-port', '0', '--mqtt-port', '0', '--data', join(dir.path, 'data'), '--log-level', 'warn'], {
    readyFile: join(dir.path, 'ready.json'),
  });
  try {
    const created = await fetch(`${cli.http}/api/registry/twins`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'sync-0' }) });
    if (created.status >= 300) throw new Error(`registering the probe twin failed: ${created.status}`);
    const seconds = (SAMPLES * INTERVAL) / 1000 + 8;
    const script = fileURLToPath(import.meta.url);
    const load = spawn(process.execPath, ['--import', 'tsx', script, '--role', 'load', '--url', cli.mqtt, '--rate', String(RATE), '--twins', String(TWINS), '--seconds', String(seconds)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let loadOut = '';
    load.stdout.setEncoding('utf8');
    load.stdout.on('data', (c: string) => (loadOut += c));
    const loadDone = new Promise<void>((resolve) => load.once('exit', () => resolve()));

    const sse = await openSse(`${cli.http}/api/portal/stream?types=state.update&twin=sync-0`);
    const device = await connectDevice(cli.mqtt, { clientId: 'bench-probe' });
    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    let done = false;
    const receiving = (async () => {
      while (!done || latencies.length < sentAt.size) {
        const frames = await sse.take(1, 2000).catch(() => []);
        if (frames.length === 0 && done) break;
        for (const f of frames) {
          const token = f.data?.data?.clientToken as string | undefined;
          const t0 = token === undefined ? undefined : sentAt.get(token);
          if (t0 !== undefined) latencies.push(performance.now() - t0);
        }
      }
    })();
    // Let the background reach its rate (and twinflow register its twins) before measuring.
    await new Promise((r) => setTimeout(r, 3000));
    for (let i = 0; i < SAMPLES; i++) {
      const token = `p-${i}`;
      sentAt.set(token, performance.now());
      device.publish('tf/default/sync-0/state/update', JSON.stringify({ state: { reported: { seq: i, temperature: 20 + (i % 10) } }, clientToken: token }), { qos: 1 });
      await new Promise((r) => setTimeout(r, INTERVAL));
    }
    done = true;
    await receiving;
    sse.close();
    await device.endAsync();
    await loadDone;
    const background = JSON.parse(loadOut.trim().split('\n').at(-1) ?? '{}') as { sent?: number; seconds?: number };
    const sorted = [...latencies].sort((a, b) => a - b);
    const round = (n: number) => Math.round(n * 100) / 100;
    report({
      bench: 'twin-sync',
      samples: SAMPLES,
      received: latencies.length,
      background_msg_per_s: Math.round((background.sent ?? 0) / (background.seconds ?? 1)),
      p50_ms: round(quantile(sorted, 0.5)),
      p90_ms: round(quantile(sorted, 0.9)),
      p99_ms: round(quantile(sorted, 0.99)),
      max_ms: round(sorted.at(-1) ?? Number.NaN),
      budget: 'p99 <= 20 ms',
    });
  } finally {
    await cli.stop();
    await dir.remove();
  }
  printTable();
}

if (args.role === 'load') await backgroundLoad(args.url!, Number(args.rate), Number(args.twins), Number(args.seconds));
else await main();
