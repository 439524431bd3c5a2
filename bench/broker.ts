/**
 * The broker's own QoS 1 publish → subscribe rate: the ceiling ingest is measured against
 * (DESIGN §9: ingest ≥ 0.7 × this rate, in the same run).
 *
 *     npx tsx bench/broker.ts [--messages 100000] [--publishers 4] [--window 100] [--runs 3] [--qos 1]
 *
 * Prints one JSON line per broker on stdout and a table on stderr. The clients (mqtt.js, TCP_NODELAY)
 * always run in a child process: for the embedded broker that keeps them off the broker's thread, as
 * devices would be, and for Mosquitto it is the same arrangement, so both numbers are the broker with
 * one core's worth of clients in front of it.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createEmbeddedBroker } from '../src/adapters/mqtt/embedded-broker.ts';
import type { Logger } from '../src/ports.ts';
import { startMosquitto } from '../test/support/mosquitto.ts';
import { LOAD_DEFAULTS, type BrokerLoad, type LoadResult } from './broker-load.ts';

export interface BrokerRate extends LoadResult {
  bench: 'broker';
  broker: string;
  qos: 0 | 1;
  publishers: number;
  window: number;
  /** Every run's rate; `rate` is their median. */
  rates: number[];
}

const loadScript = fileURLToPath(new URL('./broker-load.ts', import.meta.url));

/** Runs `load` once in a child process (tsx) and returns what it measured. */
export function runLoadInChild(load: BrokerLoad): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', loadScript, JSON.stringify(load)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (out += chunk));
    child.once('error', reject);
    child.once('exit', (code) => {
      const line = out.trim().split('\n').at(-1);
      if (code !== 0 || line === undefined || line === '') {
        reject(new Error(`broker load exited with ${code}: ${out}`));
        return;
      }
      resolve(JSON.parse(line) as LoadResult);
    });
  });
}

/**
 * The harness: `runs` loads against the broker at `load.url` after a short warm-up, reported with the
 * median rate. The ingest benchmark calls it with `subscribe: false` and twinflow's topics, so that
 * the publishers' PUBACKs (held until the group commit) time the ingest.
 */
export async function measureBrokerRate(broker: string, load: BrokerLoad, runs = 3): Promise<BrokerRate> {
  // Warm-up: the JIT of an in-process broker, Mosquitto's allocations, the loopback path.
  await runLoadInChild({ ...load, messages: Math.min(10_000, load.messages ?? 10_000) });
  const results: LoadResult[] = [];
  for (let i = 0; i < runs; i++) results.push(await runLoadInChild(load));
  const sorted = [...results].sort((a, b) => a.rate - b.rate);
  const median = sorted[Math.floor(sorted.length / 2)] as LoadResult;
  return {
    bench: 'broker',
    broker,
    qos: load.qos ?? LOAD_DEFAULTS.qos,
    publishers: load.publishers ?? LOAD_DEFAULTS.publishers,
    window: load.window ?? LOAD_DEFAULTS.window,
    ...median,
    rates: results.map((r) => r.rate),
  };
}

const quiet: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: (obj, msg) => console.error(msg ?? '', obj),
  child: () => quiet,
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      messages: { type: 'string', default: '100000' },
      publishers: { type: 'string', default: '4' },
      window: { type: 'string', default: '100' },
      runs: { type: 'string', default: '3' },
      qos: { type: 'string', default: '1' },
    },
  });
  const base: Omit<BrokerLoad, 'url'> = {
    messages: Number(values.messages),
    publishers: Number(values.publishers),
    window: Number(values.window),
    qos: values.qos === '0' ? 0 : 1,
  };
  const runs = Number(values.runs);
  const results: BrokerRate[] = [];

  // The embedded broker as twinflow runs it, with an engine that acknowledges at once.
  const embedded = createEmbeddedBroker({ host: '127.0.0.1', port: 0, logger: quiet });
  await embedded.start((message) => message.ack());
  try {
    results.push(await measureBrokerRate('embedded (aedes, in this process)', { ...base, url: embedded.url }, runs));
  } finally {
    await embedded.close();
  }
  console.log(JSON.stringify(results.at(-1)));

  const mosquitto = await startMosquitto().catch((err: unknown) => {
    console.error(`skipping Mosquitto: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  });
  if (mosquitto !== undefined) {
    try {
      results.push(await measureBrokerRate('mosquitto (docs/mosquitto.md settings)', { ...base, url: mosquitto.url }, runs));
    } finally {
      await mosquitto.stop();
    }
    console.log(JSON.stringify(results.at(-1)));
  }

  console.error('');
  console.error('broker                                      QoS  msg/s (median)  runs');
  for (const r of results) {
    console.error(`${r.broker.padEnd(44)}${String(r.qos).padEnd(5)}${String(r.rate).padStart(14)}  ${r.rates.join(' / ')}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main();
}
