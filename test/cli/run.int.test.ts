import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRuntime } from '../../src/cli/run.ts';
import { loadConfig } from '../../src/config/load.ts';
import { SCALAR_KALMAN_INITIAL, scalarKalmanStep } from '../../src/core/sim/kalman.ts';
import { describeWith } from '../support/components.ts';
import { probeInfluxdb, startInfluxdb, type RunningInflux } from '../support/influxdb.ts';
import { silentLogger } from '../support/logger.ts';
import { probeMosquitto, startMosquitto, type RunningMosquitto } from '../support/mosquitto.ts';

const describeReal = await describeWith('Mosquitto + InfluxDB 1.x', async () => {
  await probeMosquitto();
  await probeInfluxdb();
});

describeReal('twinflow run (PyEdgeTwin runtime) against Mosquitto, InfluxDB 1.x and CSV', () => {
  let broker: RunningMosquitto;
  let influx: RunningInflux;
  let dir: string;
  beforeAll(async () => {
    [broker, influx] = await Promise.all([startMosquitto(), startInfluxdb()]);
    await influx.query('CREATE DATABASE twins');
    dir = await mkdtemp(join(tmpdir(), 'twinflow-run-'));
  }, 30_000);
  afterAll(async () => {
    await broker?.stop();
    await influx?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs the seed’s KalmanFilter (examples/blocks/kalman.ts) and writes the same points to InfluxDB and CSV', async () => {
    const config = await loadConfig({
      env: {},
      overrides: {
        runtime: { twin_id: 'motor-twin-001', asset_id: 'motor-001', workers: 1 },
        mqtt: { host: '127.0.0.1', port: broker.port, topics: ['sensors/motor-001/temperature'], qos: 1 },
        model: { module_path: resolve('examples/blocks/kalman.ts') + ':KalmanFilter', version: '1.0.0', params: { process_noise: 0.01, measurement_noise: 0.1 } },
        sinks: { influxdb: { url: influx.url, database: 'twins' }, csv: { path: join(dir, 'out.csv') } },
        http: { host: '127.0.0.1', port: 0 },
      },
    });
    const running = await startRuntime({ config, baseDir: dir, logger: silentLogger, flushMs: 50 });
    const health = await fetch(`${running.httpUrl}/readyz`);
    expect(health.status).toBe(200);
    const device = await mqtt.connectAsync(broker.url);
    const values = [40.1, 40.3, 39.8, 55.0, 40.2, 40.0];
    const t0 = 1_700_000_000_000;
    for (const [i, v] of values.entries()) {
      await device.publishAsync('sensors/motor-001/temperature', JSON.stringify({ ts: t0 + i * 1000, value: v }), { qos: 1 });
    }
    await device.endAsync();
    await expect.poll(() => running.runtime.processed, { timeout: 5000 }).toBe(values.length);
    await running.close();

    let s = SCALAR_KALMAN_INITIAL;
    const expected = values.map((z) => {
      const step = scalarKalmanStep(s, z, 0.01, 0.1);
      s = step.state;
      return { z, x: s.x, anomaly: step.anomaly };
    });
    const result = await influx.query('SELECT raw_value, twin_estimate, anomaly_flag FROM twin ORDER BY time', 'twins');
    const rows = result.results[0]!.series![0]!.values;
    expect(rows.map((r) => [r[0], r[1], r[2], r[3]])).toEqual(expected.map((e, i) => [t0 + i * 1000, e.z, e.x, e.anomaly]));

    const csv = (await readFile(join(dir, 'out.csv'), 'utf8')).trim().split('\n');
    expect(csv[0]).toBe('ts,time,twin_id,asset_id,topic,model_version,raw_value,twin_estimate,residual,anomaly_flag');
    const csvRows = csv.slice(1).map((line) => line.split(','));
    expect(csvRows.map((c) => [Number(c[0]), Number(c[6]), Number(c[7]), c[9] === 'true'])).toEqual(rows.map((r) => [r[0], r[1], r[2], r[3]]));
  }, 30_000);
});
