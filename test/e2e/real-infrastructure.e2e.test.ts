import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import mqtt from 'mqtt';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWith, probePostgres, TEST_PG } from '../support/components.ts';
import { startCli, tempDir, type RunningCli } from '../support/cli.ts';
import { probeMosquitto, startMosquitto } from '../support/mosquitto.ts';

const describeReal = await describeWith('Mosquitto and PostgreSQL', async () => {
  await probeMosquitto();
  await probePostgres();
});

describeReal('twinflow up against Mosquitto and PostgreSQL', () => {
  const schema = `tf_e2e_${process.pid}_${Date.now()}`;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let mosquitto: Awaited<ReturnType<typeof startMosquitto>>;
  let cli: RunningCli;
  const store = `${TEST_PG}${TEST_PG.includes('?') ? '&' : '?'}schema=${schema}`;
  const start = (n: number) =>
    startCli(['up', dir.path, '--http-port', '0', '--broker', mosquitto.url, '--store', store], { readyFile: join(dir.path, `ready-${n}.json`) });

  beforeAll(async () => {
    dir = await tempDir();
    await writeFile(join(dir.path, 'twinflow.yaml'), 'ingest:\n  unknown_twins: register\nsimulator:\n  enabled: false\n');
    mosquitto = await startMosquitto();
    cli = await start(1);
  }, 30_000);

  afterAll(async () => {
    await cli?.stop();
    await mosquitto?.stop();
    const client = new pg.Client({ connectionString: TEST_PG });
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade`);
    await client.end();
    await dir?.remove();
  });

  it('ingests through the real broker into PostgreSQL, and after a crash the broker redelivers what was not durable', async () => {
    const device = await mqtt.connectAsync(mosquitto.url, { clientId: `device-${process.pid}` });
    for (let i = 0; i < 2000; i++) await device.publishAsync(`tf/default/pg-${i % 20}/telemetry`, JSON.stringify({ ts: 1e12 + i, n: i }), { qos: 1 });
    // While twinflow is down, the broker keeps its persistent session's messages …
    expect(await cli.stop('SIGKILL')).toBe(null);
    for (let i = 2000; i < 3000; i++) await device.publishAsync(`tf/default/pg-${i % 20}/telemetry`, JSON.stringify({ ts: 1e12 + i, n: i }), { qos: 1 });
    await device.endAsync();
    // … and delivers them when it is back.
    cli = await start(2);
    const deadline = Date.now() + 15_000;
    let found = 0;
    while (Date.now() < deadline) {
      found = 0;
      for (let t = 0; t < 20; t++) {
        const body = (await (await fetch(`${cli.http}/api/twins/pg-${t}/telemetry?fields=n&every=100000d&agg=count`)).json()) as {
          series: { n?: { value: number }[] };
        };
        found += body.series.n?.[0]?.value ?? 0;
      }
      if (found >= 3000) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(found).toBe(3000);
  }, 60_000);
});
