import { resolve } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRuntime, type RunningRuntime } from '../../src/cli/run.ts';
import { loadConfig } from '../../src/config/load.ts';
import { describeWith } from '../support/components.ts';
import { silentLogger } from '../support/logger.ts';
import { probeMosquitto, startMosquitto, type RunningMosquitto } from '../support/mosquitto.ts';

const describeReal = await describeWith('Mosquitto', probeMosquitto);

interface MetricJson {
  name: string;
  values: { value: number; labels: Record<string, string> }[];
}

/** A labelled value of /metrics, read over HTTP: answering at all shows the runtime's event loop is free. */
async function metric(running: RunningRuntime, name: string, labels: Record<string, string>): Promise<number> {
  const res = await fetch(`${running.httpUrl}/metrics`, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(1000) });
  const all = (await res.json()) as MetricJson[];
  const values = all.find((m) => m.name === name)?.values ?? [];
  return values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value ?? 0;
}

describeReal('twinflow run isolates a module_path block in a worker thread', () => {
  let broker: RunningMosquitto;
  beforeAll(async () => {
    broker = await startMosquitto();
  }, 30_000);
  afterAll(() => broker?.stop());

  it('times out a block stuck in a synchronous loop, keeps serving /healthz and processes later readings', async () => {
    const topic = 'sensors/spin-001/value';
    const config = await loadConfig({
      env: {},
      overrides: {
        runtime: { twin_id: 'spin-twin', asset_id: 'spin-001' },
        mqtt: { host: '127.0.0.1', port: broker.port, topics: [topic], qos: 1 },
        model: { module_path: `${resolve('test/fixtures/blocks/misbehaving.ts')}:SpinsOn13`, version: '1.0.0' },
        sinks: { stdout: {} },
        http: { host: '127.0.0.1', port: 0 },
      },
    });
    const lines: string[] = [];
    const blockTimeoutMs = 1500;
    const running = await startRuntime({ config, baseDir: resolve('.'), logger: silentLogger, out: { write: (s: string) => lines.push(s) }, flushMs: 50, blockTimeoutMs, restartBackoffMs: [0] });
    const device = await mqtt.connectAsync(broker.url);
    try {
      await device.publishAsync(topic, '1', { qos: 1 });
      await expect.poll(() => running.runtime.processed, { timeout: 5000 }).toBe(1);

      await device.publishAsync(topic, '13', { qos: 1 });
      // While the worker spins, the main thread still answers, well within the block's timeout.
      const health = await fetch(`${running.httpUrl}/healthz`, { signal: AbortSignal.timeout(blockTimeoutMs / 2) });
      expect(health.status).toBe(200);
      await expect.poll(() => metric(running, 'twinflow_runtime_messages_total', { outcome: 'timeout' }), { timeout: 10_000 }).toBe(1);
      expect(running.runtime.timeouts).toBe(1);
      await expect.poll(() => metric(running, 'twinflow_runtime_block_worker_events_total', { event: 'restart' }), { timeout: 15_000 }).toBe(1);

      for (const value of [2, 3]) await device.publishAsync(topic, String(value), { qos: 1 });
      await expect.poll(() => running.runtime.processed, { timeout: 5000 }).toBe(3);
      expect((await fetch(`${running.httpUrl}/healthz`)).status).toBe(200);
    } finally {
      await device.endAsync();
      await running.close();
    }
    const raw = lines.join('').trim().split('\n').map((l) => (JSON.parse(l) as { raw_value: number }).raw_value);
    expect(raw).toEqual([1, 2, 3]);
  }, 45_000);
});
