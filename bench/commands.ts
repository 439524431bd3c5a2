/**
 * Command round trip (DESIGN §9: p99 ≤ 10 ms): `POST /api/twins/{id}/commands/ping?wait=5s` → twinflow publishes on
 * `tf/default/{id}/commands/ping` → the device (mqtt.js, TCP_NODELAY) answers `succeeded` on `…/commands/response` →
 * the HTTP request returns 200 with the final status. 100 commands/s spread over 10 devices, while a child process
 * publishes 5 000 telemetry msg/s (QoS 1) to 100 other twins. twinflow runs as `twinflow up` in its own process, with
 * the embedded broker and, in a second run, a Mosquitto started here (`set_tcp_nodelay true`).
 *
 *   npm run bench -- commands [--commands 1000] [--rate 100] [--telemetry 5000] [--broker embedded|mosquitto]
 *
 * Prints one JSON line per broker and a table; `api_p99_ms` is the figure the budget is about, `device_p99_ms` the
 * part from the API request to the device receiving the command.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MqttClient } from 'mqtt';
import { startCli, tempDir } from '../test/support/cli.ts';
import { startMosquitto } from '../test/support/mosquitto.ts';
import { printTable, report } from './lib/report.ts';

const { values: args } = parseArgs({
  options: {
    commands: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '100' },
    telemetry: { type: 'string', default: '5000' },
    broker: { type: 'string', multiple: true },
    'telemetry-child': { type: 'string' },
  },
});

function client(url: string, clientId: string): Promise<MqttClient> {
  const { hostname, port } = new URL(url);
  const c = new MqttClient(() => netConnect({ host: hostname, port: Number(port) }).setNoDelay(true), { protocolVersion: 4, clientId, clean: true, reconnectPeriod: 0 });
  return new Promise((resolve, reject) => {
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
}

/** The background load: `rate` telemetry messages per second, paced every 10 ms, until killed. */
async function telemetryChild(url: string, rate: number): Promise<void> {
  const c = await client(url, `bench-telemetry-${process.pid}`);
  const perTick = Math.max(1, Math.round(rate / 100));
  let i = 0;
  const start = performance.now();
  for (;;) {
    const due = Math.floor(((performance.now() - start) / 1000) * rate);
    while (i < due) {
      c.publish(`tf/default/load-${i % 100}/telemetry`, `{"v":${i}}`, { qos: 1 });
      i++;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
    if (perTick < 0) break;
  }
}

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

async function run(kind: 'embedded' | 'mosquitto'): Promise<void> {
  const COMMANDS = Number(args.commands);
  const RATE = Number(args.rate);
  const TELEMETRY = Number(args.telemetry);
  const dir = await tempDir('twinflow-bench-commands-');
  const mosquitto = kind === 'mosquitto' ? await startMosquitto() : undefined;
  await writeFile(join(dir.path, 'twinflow.yaml'), 'ingest:\n  unknown_twins: register\nsimulator:\n  enabled: false\nlog:\n  level: warn\n');
  const cli = await startCli(
    ['up', dir.path, '--config', join(dir.path, 'twinflow.yaml'), '--http-port', '0', '--mqtt-port', '0', '--data', join(dir.path, 'data'), ...(mosquitto === undefined ? [] : ['--broker', mosquitto.url])],
    { readyFile: join(dir.path, 'ready.json') },
  );
  const url = mosquitto?.url ?? cli.mqtt;
  const devices = Array.from({ length: 10 }, (_, i) => `bench-dev-${i}`);
  const received = new Map<string, number>();
  let loadChild: ReturnType<typeof spawn> | undefined;
  const device = await client(url, `bench-devices-${process.pid}`);
  try {
    for (const id of devices) {
      const res = await fetch(`${cli.http}/api/registry/twins`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id, name: id }) });
      if (!res.ok) throw new Error(`registering ${id}: ${res.status} ${await res.text()}`);
    }
    device.on('message', (topic, payload) => {
      // `commands/+` matches the answers too: a device must not answer its own answers.
      if (topic.endsWith('/commands/response')) return;
      const [, tenant, twin] = topic.split('/');
      const { id } = JSON.parse(payload.toString()) as { id: string };
      received.set(id, performance.now());
      device.publish(`tf/${tenant}/${twin}/commands/response`, JSON.stringify({ id, status: 'succeeded' }), { qos: 1 });
    });
    await device.subscribeAsync('tf/default/+/commands/+', { qos: 1 });

    loadChild = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--telemetry-child', url, '--telemetry', String(TELEMETRY)], { stdio: ['ignore', 'ignore', 'inherit'] });
    await new Promise((resolve) => setTimeout(resolve, 1500));

    const send = async (i: number): Promise<{ api: number; device: number; ok: boolean }> => {
      const t0 = performance.now();
      const res = await fetch(`${cli.http}/api/twins/${devices[i % devices.length]}/commands/ping?wait=5s`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ params: { i } }),
      });
      const body = (await res.json()) as { id: string; status: string };
      const t1 = performance.now();
      return { api: t1 - t0, device: (received.get(body.id) ?? t1) - t0, ok: body.status === 'succeeded' };
    };
    // Warm-up: JIT, connections, the store's statements.
    for (let i = 0; i < 50; i++) await send(i);

    const results: Promise<{ api: number; device: number; ok: boolean }>[] = [];
    const start = performance.now();
    for (let i = 0; i < COMMANDS; i++) {
      const due = start + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      results.push(send(i));
    }
    const done = await Promise.all(results);
    const seconds = (performance.now() - start) / 1000;
    const api = done.map((d) => d.api).sort((a, b) => a - b);
    const dev = done.map((d) => d.device).sort((a, b) => a - b);
    report({
      bench: 'commands',
      broker: kind,
      commands: COMMANDS,
      succeeded: done.filter((d) => d.ok).length,
      cmd_per_s: Math.round(COMMANDS / seconds),
      telemetry_per_s: TELEMETRY,
      api_p50_ms: quantile(api, 0.5),
      api_p99_ms: quantile(api, 0.99),
      api_max_ms: api.at(-1)!,
      device_p50_ms: quantile(dev, 0.5),
      device_p99_ms: quantile(dev, 0.99),
      budget_p99_ms: 10,
      within_budget: quantile(api, 0.99) <= 10,
    });
  } finally {
    loadChild?.kill('SIGTERM');
    device.removeAllListeners('message');
    await device.endAsync();
    await cli.stop('SIGTERM');
    await mosquitto?.stop();
    await dir.remove();
  }
}

if (args['telemetry-child'] !== undefined) {
  await telemetryChild(args['telemetry-child'], Number(args.telemetry));
} else {
  const kinds = (args.broker ?? ['embedded', 'mosquitto']) as ('embedded' | 'mosquitto')[];
  for (const kind of kinds) await run(kind);
  printTable();
}
