import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCli, tempDir } from '../support/cli.ts';

const T0 = Date.UTC(2026, 0, 1);

let dir: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => {
  dir = await tempDir();
  await writeFile(join(dir.path, 'twinflow.yaml'), 'ingest:\n  unknown_twins: register\nsimulator:\n  enabled: false\n');
});
afterEach(() => dir.remove());

const start = (n: number) =>
  startCli(['up', dir.path, '--http-port', '0', '--mqtt-port', '0', '--data', join(dir.path, 'data')], {
    readyFile: join(dir.path, `ready-${n}.json`),
  });

/**
 * Publishes QoS 1 as fast as the broker takes it, until `interrupt` fires mid-stream; returns the sequence numbers
 * whose PUBACK arrived — the messages twinflow promised to keep.
 */
async function streamUntil(url: string, interrupt: () => Promise<unknown>): Promise<Set<number>> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, clientId: `shutdown-${process.pid}-${Date.now()}` });
  client.on('error', () => {});
  const acked = new Set<number>();
  let stopped = false;
  let sent = 0;
  const pump = (async () => {
    while (!stopped && client.connected) {
      const batch: Promise<void>[] = [];
      for (let i = 0; i < 200; i++) {
        const n = sent++;
        batch.push(
          client.publishAsync(`tf/default/dev-${n % 50}/telemetry`, JSON.stringify({ ts: T0 + n, n }), { qos: 1 }).then(
            () => void acked.add(n),
            () => undefined,
          ),
        );
      }
      await Promise.race([Promise.all(batch), new Promise((r) => setTimeout(r, 500))]);
    }
  })();
  while (acked.size < 3000) await new Promise((r) => setTimeout(r, 20));
  await interrupt();
  stopped = true;
  await pump;
  client.end(true);
  return acked;
}

async function storedNumbers(http: string): Promise<Set<number>> {
  const found = new Set<number>();
  for (let t = 0; t < 50; t++) {
    const res = await fetch(`${http}/api/twins/dev-${t}/telemetry?fields=n`);
    if (res.status === 404) continue;
    const body = (await res.json()) as { series: { n?: { value: number }[] } };
    for (const p of body.series.n ?? []) found.add(p.value);
  }
  return found;
}

describe('stopping in the middle of a QoS 1 stream', () => {
  it.each([
    ['SIGTERM', 0],
    ['SIGKILL', null],
  ] as const)('after %s and a restart, every acknowledged point is there', async (signal, exitCode) => {
    const first = await start(1);
    let code: number | null | undefined;
    const acked = await streamUntil(first.mqtt, async () => (code = await first.stop(signal)));
    expect(code).toBe(exitCode);
    expect(acked.size).toBeGreaterThanOrEqual(3000);

    const second = await start(2);
    const stored = await storedNumbers(second.http);
    const lost = [...acked].filter((n) => !stored.has(n));
    expect(lost).toEqual([]);
    expect(await second.stop()).toBe(0);
  }, 60_000);
});
