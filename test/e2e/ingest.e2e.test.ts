import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, tempDir, type RunningCli } from '../support/cli.ts';
import { openSse } from '../support/sse.ts';

const TWINS = 100;
const MESSAGES = 10_000;
const T0 = Date.UTC(2026, 0, 1);

let dir: Awaited<ReturnType<typeof tempDir>>;
let cli: RunningCli;

beforeAll(async () => {
  dir = await tempDir();
  await writeFile(join(dir.path, 'twinflow.yaml'), 'ingest:\n  unknown_twins: register\nsimulator:\n  enabled: false\n');
  cli = await startCli(['up', dir.path, '--http-port', '0', '--mqtt-port', '0', '--data', join(dir.path, 'data')], {
    readyFile: join(dir.path, 'ready.json'),
  });
}, 30_000);

afterAll(async () => {
  expect(await cli?.stop()).toBe(0);
  await dir?.remove();
});

describe('twinflow up, end to end', () => {
  it(`takes ${MESSAGES} QoS 1 messages from mqtt.js and shows all of them through the API and the SSE stream`, async () => {
    const sse = await openSse(`${cli.http}/api/portal/stream?types=telemetry`);
    const client = await mqtt.connectAsync(cli.mqtt, { clientId: `e2e-${process.pid}` });
    const publishes: Promise<unknown>[] = [];
    for (let i = 0; i < MESSAGES; i++) {
      const twin = `dev-${i % TWINS}`;
      publishes.push(client.publishAsync(`tf/default/${twin}/telemetry`, JSON.stringify({ ts: T0 + i, seq: i }), { qos: 1 }));
    }
    await Promise.all(publishes);
    await client.endAsync();

    let readings = 0;
    const seen = new Set<number>();
    while (readings < MESSAGES) {
      const frames = await sse.take(1, 10_000);
      for (const frame of frames) {
        for (const reading of frame.data.data.readings as { values: { seq: number } }[]) {
          readings++;
          seen.add(reading.values.seq);
        }
      }
    }
    sse.close();
    expect(seen.size).toBe(MESSAGES);

    let stored = 0;
    const values = new Set<number>();
    for (let t = 0; t < TWINS; t++) {
      const res = await fetch(`${cli.http}/api/twins/dev-${t}/telemetry?fields=seq`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { series: { seq: { ts: string; value: number }[] } };
      stored += body.series.seq.length;
      for (const p of body.series.seq) {
        values.add(p.value);
        expect(Date.parse(p.ts)).toBe(T0 + p.value);
      }
    }
    expect(stored).toBe(MESSAGES);
    expect(values.size).toBe(MESSAGES);

    const latest = (await (await fetch(`${cli.http}/api/twins/dev-7/telemetry/latest`)).json()) as { values: { seq: { value: number } } };
    expect(latest.values.seq.value).toBe(MESSAGES - TWINS + 7);
    const metrics = await (await fetch(`${cli.http}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`twinflow_ingest_messages_total\\{transport="mqtt"\\} ${MESSAGES}\\b`));
  }, 60_000);

  it('rejects bad messages with a reason, counts them, and keeps going', async () => {
    const sse = await openSse(`${cli.http}/api/portal/stream?types=ingest.rejected`);
    const client = await mqtt.connectAsync(cli.mqtt);
    await client.publishAsync('tf/default/dev-1/telemetry', '{not json', { qos: 1 });
    await client.publishAsync('tf/default/dev-1/telemetry', '{"ts": 1, "good": 1, "bad": {"x": 1}}', { qos: 1 });
    await client.endAsync();
    const [malformed, bad] = await sse.take(2);
    sse.close();
    expect(malformed!.data).toMatchObject({ twinId: 'dev-1', data: { reason: 'malformed_json', topic: 'tf/default/dev-1/telemetry' } });
    expect(bad!.data).toMatchObject({ data: { reason: 'unsupported_type', field: 'bad' } });
    const good = (await (await fetch(`${cli.http}/api/twins/dev-1/telemetry/latest`)).json()) as { values: Record<string, unknown> };
    expect(good.values.good).toEqual({ ts: new Date(1000).toISOString(), value: 1 });
    const metrics = await (await fetch(`${cli.http}/metrics`)).text();
    expect(metrics).toContain('twinflow_ingest_rejected_total{reason="malformed_json"} 1');
  });
});
