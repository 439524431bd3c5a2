/**
 * MQTT QoS 1 ingest → latest value + stored point + SSE event, 1 000 twins (DESIGN §9, issue "foundation").
 * For each broker (the embedded aedes, then a Mosquitto started here) it measures, in the same run:
 *   - the broker's own QoS 1 publish→subscribe rate with the same publishers (the ceiling), and
 *   - twinflow's rate: from the first publish until every PUBACK (= durable) and every SSE reading has arrived,
 * then checks through the API that every point was stored, and prints the ratio.
 *
 *   npm run bench -- ingest [--messages 200000] [--twins 1000] [--clients 4] [--window 1000] [--broker embedded|mosquitto]
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startCli, tempDir } from '../test/support/cli.ts';
import { startMosquitto } from '../test/support/mosquitto.ts';
import { openSse } from '../test/support/sse.ts';
import { brokerRate, publishLoad } from './lib/load.ts';
import { printTable, report } from './lib/report.ts';

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '200000' },
    twins: { type: 'string', default: '1000' },
    clients: { type: 'string', default: '4' },
    window: { type: 'string', default: '1000' },
    broker: { type: 'string', multiple: true },
  },
});
const MESSAGES = Number(args.messages);
const TWINS = Number(args.twins);
const CLIENTS = Number(args.clients);
const WINDOW = Number(args.window);
const T0 = Date.UTC(2026, 0, 1);

async function run(kind: 'embedded' | 'mosquitto'): Promise<void> {
  const dir = await tempDir('twinflow-bench-');
  const mosquitto = kind === 'mosquitto' ? await startMosquitto() : undefined;
  await writeFile(join(dir.path, 'twinflow.yaml'), 'ingest:\n  unknown_twins: register\nsimulator:\n  enabled: false\nlog:\n  level: warn\n');
  const cli = await startCli(
    ['up', dir.path, '--http-port', '0', '--mqtt-port', '0', '--data', join(dir.path, 'data'), '--log-level', 'warn', ...(mosquitto === undefined ? [] : ['--broker', mosquitto.url])],
    { readyFile: join(dir.path, 'ready.json') },
  );
  const url = mosquitto?.url ?? cli.mqtt;
  try {
    // Warm-up: every twin once (registers it), so the measured part is steady-state ingest.
    await publishLoad({ url, clients: CLIENTS, total: TWINS, window: WINDOW, topic: (i) => `tf/default/dev-${i}/telemetry`, payload: (i) => JSON.stringify({ ts: T0 - 1000 - i, v: -1 }) });

    const reference = await brokerRate({
      url,
      clients: CLIENTS,
      total: MESSAGES,
      window: WINDOW,
      filter: 'bench/ref/#',
      topic: (i) => `bench/ref/dev-${i % TWINS}`,
      payload: (i) => JSON.stringify({ ts: T0 + i, v: i }),
    });

    const sse = await openSse(`${cli.http}/api/portal/stream?types=telemetry`);
    let readings = 0;
    let sseDone: () => void = () => {};
    const sseAll = new Promise<void>((resolve) => (sseDone = resolve));
    const counting = (async () => {
      for (;;) {
        const frames = await sse.take(1, 60_000).catch(() => []);
        if (frames.length === 0) return;
        for (const f of frames) readings += (f.data.data.readings as unknown[]).length;
        if (readings >= MESSAGES) return sseDone();
      }
    })();
    const started = performance.now();
    const load = await publishLoad({
      url,
      clients: CLIENTS,
      total: MESSAGES,
      window: WINDOW,
      topic: (i) => `tf/default/dev-${i % TWINS}/telemetry`,
      payload: (i) => JSON.stringify({ ts: T0 + i, v: i }),
    });
    await Promise.race([sseAll, new Promise((r) => setTimeout(r, 30_000))]);
    const seconds = (performance.now() - started) / 1000;
    sse.close();
    await counting;

    let stored = 0;
    for (let t = 0; t < TWINS; t++) {
      const res = await fetch(`${cli.http}/api/twins/dev-${t}/telemetry?fields=v&from=${T0}&every=1000d&agg=count`);
      const body = (await res.json()) as { series: { v?: { value: number }[] } };
      stored += (body.series.v ?? []).reduce((s, p) => s + p.value, 0);
    }
    const rate = MESSAGES / seconds;
    report({
      bench: 'ingest',
      broker: kind,
      messages: MESSAGES,
      twins: TWINS,
      msg_per_s: Math.round(rate),
      acked_per_s: Math.round(load.acked / load.seconds),
      broker_msg_per_s: Math.round(reference.rate),
      ratio: Math.round((rate / reference.rate) * 1000) / 1000,
      stored,
      sse_readings: readings,
      lost: MESSAGES - Math.min(stored, readings),
      budget_msg_per_s: 25_000,
      budget_ratio: 0.7,
    });
  } finally {
    await cli.stop();
    await mosquitto?.stop();
    await dir.remove();
  }
}

const kinds = (args.broker ?? ['embedded', 'mosquitto']) as ('embedded' | 'mosquitto')[];
for (const kind of kinds) await run(kind);
printTable();
