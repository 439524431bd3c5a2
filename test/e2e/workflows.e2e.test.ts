import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, tempDir, type RunningCli } from '../support/cli.ts';
import { openSse } from '../support/sse.ts';

const T0 = Date.UTC(2026, 0, 1);
const EXAMPLES = resolve(import.meta.dirname, '../../examples');

// Readings on a topic outside the twin layout, mapped by the workflow's source; a per-reading pattern raises an alarm.
const WORKFLOW = `
name: boiler_watch
stream_processors:
  boiler:
    sources:
      - topic: sites/+/boiler
        mapping: {device_id: "topic[1]", temperature: payload.value}
    patterns:
      - name: overheat
        condition: temperature > 80 clear when temperature < 60
        severity: critical
        actions: [raise_alarm]
`;

let dir: Awaited<ReturnType<typeof tempDir>>;
let cli: RunningCli;

beforeAll(async () => {
  dir = await tempDir();
  await writeFile(join(dir.path, 'boiler-watch.yaml'), WORKFLOW);
  await writeFile(join(dir.path, 'twinflow.yaml'), 'workflows: [./boiler-watch.yaml]\nsimulator:\n  enabled: false\n');
  cli = await startCli(['up', dir.path, '--http-port', '0', '--mqtt-port', '0', '--data', join(dir.path, 'data')], {
    readyFile: join(dir.path, 'ready.json'),
  });
}, 30_000);

afterAll(async () => {
  expect(await cli?.stop()).toBe(0);
  await dir?.remove();
});

describe('workflows, end to end', () => {
  it('a workflow file in the config is deployed; MQTT telemetry triggers its pattern, seen on SSE, as an alarm and in the metrics', async () => {
    const list = (await (await fetch(`${cli.http}/api/workflows`)).json()) as { items?: { name: string }[] } | { name: string }[];
    expect(JSON.stringify(list)).toContain('boiler_watch');

    const sse = await openSse(`${cli.http}/api/portal/stream?types=pattern.detected,alarm.raised`);
    const client = await mqtt.connectAsync(cli.mqtt, { clientId: `e2e-wf-${process.pid}` });
    await client.publishAsync('sites/b7/boiler', JSON.stringify({ ts: T0, value: 70 }), { qos: 1 });
    await client.publishAsync('sites/b7/boiler', JSON.stringify({ ts: T0 + 1000, value: 85 }), { qos: 1 });
    await client.publishAsync('sites/b7/boiler', JSON.stringify({ ts: T0 + 2000, value: 90 }), { qos: 1 });
    await client.endAsync();

    const frames = await sse.take(2, 10_000);
    sse.close();
    const detected = frames.find((f) => f.event === 'pattern.detected' || f.data?.type === 'pattern.detected');
    const raised = frames.find((f) => f.event === 'alarm.raised' || f.data?.type === 'alarm.raised');
    expect(detected?.data.data).toMatchObject({ workflow: 'boiler_watch', pattern: 'overheat', key: 'b7', values: { temperature: 85 } });
    expect(raised?.data.data).toMatchObject({ severity: 'critical', status: 'active', pattern: 'overheat', key: 'b7' });

    const alarms = (await (await fetch(`${cli.http}/api/alarms?status=active`)).json()) as unknown;
    expect(JSON.stringify(alarms)).toContain('boiler_watch:overheat:b7');

    const metrics = (await (await fetch(`${cli.http}/api/workflows/boiler_watch/metrics`)).json()) as Record<string, unknown>;
    expect(metrics).toMatchObject({ workflow: 'boiler_watch', events_processed: 3, patterns_detected: 1, detected_patterns: { overheat: 1 } });
  });
});

describe('the demo', () => {
  it('`twinflow up examples` deploys every example workflow without a warning', async () => {
    const demo = await tempDir();
    const run = await startCli(['up', EXAMPLES, '--http-port', '0', '--mqtt-port', '0', '--data', join(demo.path, 'data')], {
      readyFile: join(demo.path, 'ready.json'),
    });
    try {
      const body = JSON.stringify(await (await fetch(`${run.http}/api/workflows`)).json());
      const files = (await readdir(join(EXAMPLES, 'workflows'))).filter((f) => f.endsWith('.yaml'));
      for (const f of files) {
        const name = /^name:\s*(\S+)/m.exec(await readFile(join(EXAMPLES, 'workflows', f), 'utf8'))![1]!;
        expect(body).toContain(name);
      }
      expect(run.output()).not.toMatch(/was not deployed/);
    } finally {
      expect(await run.stop()).toBe(0);
      await demo.remove();
    }
  }, 30_000);
});
