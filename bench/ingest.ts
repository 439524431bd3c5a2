/**
 * MQTT QoS 1 ingest → latest value + stored point + SSE event, 1 000 twins (DESIGN §9).
 * For each broker (the embedded aedes inside twinflow, then a Mosquitto started here), in the same run:
 *   - the broker's own QoS 1 publish→subscribe rate with the same publishers (the ceiling), then
 *   - twinflow's ingest rate: the same publishers on twinflow's topics, timed by their PUBACKs, which twinflow holds
 *     until the points are durable (embedded broker) — with Mosquitto, PUBACKs come from the broker, so the run
 *     ends when the last point has reached the SSE stream, which happens only after twinflow took it,
 * then it checks that every point reached the SSE stream and the store (through the API), and prints the ratio.
 * The publishers run in a child process, twinflow in another: the two cores are shared as on a real edge box.
 *
 *   npm run bench -- ingest [--messages 200000] [--twins 1000] [--publishers 4] [--window 250] [--broker embedded|mosquitto]
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startCli, tempDir } from '../test/support/cli.ts';
import { startMosquitto } from '../test/support/mosquitto.ts';
import { openSse } from '../test/support/sse.ts';
import { runLoadInChild } from './broker.ts';
import { printTable, report } from './lib/report.ts';

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '200000' },
    twins: { type: 'string', default: '1000' },
    publishers: { type: 'string', default: '4' },
    window: { type: 'string', default: '250' },
    broker: { type: 'string', multiple: true },
  },
});
const MESSAGES = Number(args.messages);
const TWINS = Number(args.twins);
const load = { publishers: Number(args.publishers), window: Number(args.window), keys: TWINS, qos: 1 as const };
/** `ts` = i seconds since the epoch: a distinct time per message, so the store's (twin, field, ts) key keeps all. */
const PAYLOAD = '{"ts":{i},"v":{i}}';

async function run(kind: 'embedded' | 'mosquitto'): Promise<void> {
  const dir = await tempDir('twinflow-bench-');
  const mosquitto = kind === 'mosquitto' ? await startMosquitto() : undefined;
  await writeFile(join(dir.path, 'twinflow.yaml'), 'ingest:\n  unknown_twins: register\nsimulator:\n  enabled: false\n');
  const cli = await startCli(
    ['up', dir.path, '--http-port', '0', '--mqtt-port', '0', '--data', join(dir.path, 'data'), '--log-level', 'warn', ...(mosquitto === undefined ? [] : ['--broker', mosquitto.url])],
    { readyFile: join(dir.path, 'ready.json') },
  );
  const url = mosquitto?.url ?? cli.mqtt;
  try {
    // Warm-up: registers every twin and warms the JIT, so what is measured is steady-state ingest.
    await runLoadInChild({ ...load, url, messages: TWINS * 5, topic: 'tf/default/dev-{k}/telemetry', payload: '{"warm":{i}}', subscribe: false });
    const reference = await runLoadInChild({ ...load, url, messages: MESSAGES, topic: 'bench/ref/dev-{k}', payload: PAYLOAD, subscribe: true });

    const sse = await openSse(`${cli.http}/api/portal/stream?types=telemetry`);
    let readings = 0;
    let lastReadingAt = 0;
    let stopCounting = false;
    const counting = (async () => {
      while (readings < MESSAGES && !stopCounting) {
        const frames = await sse.take(1, 1000).catch(() => []);
        for (const f of frames) {
          for (const r of f.data.data.readings as { values: Record<string, unknown> }[]) if ('v' in r.values) readings++;
        }
        if (frames.length > 0) lastReadingAt = performance.now();
      }
    })();
    const started = performance.now();
    const ingest = await runLoadInChild({ ...load, url, messages: MESSAGES, topic: 'tf/default/dev-{k}/telemetry', payload: PAYLOAD, subscribe: false });
    const publishedAt = performance.now();
    const deadline = publishedAt + 30_000;
    while (readings < MESSAGES && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    stopCounting = true;
    await counting;
    sse.close();

    let stored = 0;
    for (let t = 0; t < TWINS; t++) {
      const res = await fetch(`${cli.http}/api/twins/dev-${t}/telemetry?fields=v&every=100000d&agg=count`);
      const body = (await res.json()) as { series: { v?: { value: number }[] } };
      stored += (body.series.v ?? []).reduce((s, p) => s + p.value, 0);
    }
    // Embedded: PUBACK = durable, so the publishers' own clock is the ingest time. Mosquitto: the broker acks at
    // once, so the ingest ends when the last reading is on the stream.
    const seconds = kind === 'embedded' ? ingest.seconds : ingest.seconds + Math.max(0, lastReadingAt - publishedAt) / 1000;
    const rate = MESSAGES / seconds;
    report({
      bench: 'ingest',
      broker: kind,
      messages: MESSAGES,
      twins: TWINS,
      msg_per_s: Math.round(rate),
      broker_msg_per_s: Math.round(reference.rate),
      ratio: Math.round((rate / reference.rate) * 1000) / 1000,
      sse_readings: readings,
      sse_tail_ms: Math.round(Math.max(0, lastReadingAt - publishedAt)),
      stored,
      lost: MESSAGES - Math.min(stored, readings),
      elapsed_s: Math.round((performance.now() - started) / 100) / 10,
      budget: '>= 25000 msg/s and >= 0.7 x broker',
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
