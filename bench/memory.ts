/**
 * Memory per idle twin (DESIGN §9: ≤ 2 KB per idle twin; 100 000 twins < 300 MB RSS), measured as a user runs it:
 * `twinflow up` as a subprocess with the embedded broker and SQLite, simulator off.
 *   1. baseline: `twinflow up` on an empty store, after one GC;
 *   2. the store is filled with N twins through the project's own adapter (`openStorage` + the core's `createTwin`),
 *      as `twinflow register` would leave it, and `twinflow up` starts on it (the registry loads its index);
 *   3. every twin receives one QoS 1 telemetry message over MQTT, so ingest's per-twin state exists too;
 *   4. after a GC and a few seconds of settling, the RSS again.
 * RSS is VmRSS of /proc/PID/status. The GC is forced by a probe the benchmark writes to its temp dir and loads with
 * NODE_OPTIONS (`--expose-gc --import probe`): on SIGUSR2 it collects and writes `process.memoryUsage()` to a file,
 * which is reported too (heap vs. external vs. the rest, i.e. native allocations such as SQLite's page cache).
 *
 *   npm run bench -- memory [--twins 100000] [--settle 3000]
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { openStorage } from '../src/adapters/open-storage.ts';
import { createTwin } from '../src/core/twin/registry.ts';
import { TwinStatus } from '../src/core/types.ts';
import { startCli, tempDir, type RunningCli } from '../test/support/cli.ts';
import { runLoadInChild } from './broker.ts';
import { printTable, report } from './lib/report.ts';

const { values: args } = parseArgs({
  options: {
    twins: { type: 'string', default: '100000' },
    settle: { type: 'string', default: '3000' },
    /** Writes a heap snapshot of twinflow with every twin fed here (open it in Chrome DevTools → Memory). */
    snapshot: { type: 'string' },
  },
});
const TWINS = Number(args.twins);
const SETTLE_MS = Number(args.settle);
const BUDGET_BYTES_PER_TWIN = 2048;
const BUDGET_RSS_MB_AT_100K = 300;
const MB = 1024 * 1024;

/** Loaded into twinflow with NODE_OPTIONS: a GC and a memory breakdown on demand, without touching twinflow's code. */
const PROBE = `import { readFileSync, writeFileSync } from 'node:fs';
import { writeHeapSnapshot } from 'node:v8';
process.on('SIGUSR2', () => {
  const out = process.env.TWINFLOW_MEMORY_PROBE_OUT;
  const snapshot = readFileSync(out, 'utf8');
  globalThis.gc?.();
  if (snapshot !== '') writeHeapSnapshot(snapshot);
  writeFileSync(out, JSON.stringify({ gc: typeof globalThis.gc === 'function', ...process.memoryUsage() }));
});
`;

interface Usage {
  gc: boolean;
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

async function vmRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kb) * 1024;
}

/** Forces a GC in the child through the probe, then the lowest RSS over the settling time (freed pages go back lazily). */
async function settledUsage(cli: RunningCli, out: string, snapshot?: string): Promise<{ rss: number; usage: Usage }> {
  let rss = Number.POSITIVE_INFINITY;
  let usage: Usage | undefined;
  const deadline = performance.now() + SETTLE_MS;
  do {
    usage = undefined;
    // The probe reads the file before it answers in it: a path there asks for a heap snapshot too.
    await writeFile(out, snapshot ?? '');
    snapshot = undefined;
    process.kill(cli.pid, 'SIGUSR2');
    for (let i = 0; i < 1200 && usage === undefined; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const text = await readFile(out, 'utf8');
      if (text.startsWith('{')) usage = JSON.parse(text) as Usage;
    }
    if (usage === undefined) throw new Error('the memory probe did not answer');
    await new Promise((r) => setTimeout(r, 500));
    rss = Math.min(rss, await vmRss(cli.pid));
  } while (performance.now() < deadline);
  return { rss, usage: usage! };
}

/** What a twin.yaml of a sensor typically holds: a model, a couple of dimensions, a group. */
function twinSpec(i: number) {
  return {
    id: `dev-${i}`,
    name: `Sensor ${i}`,
    model: 'sensor',
    metadata: { vendor: 'acme' },
    interfaces: {},
    dependencies: {},
    relationships: [],
    groups: ['sensors'],
    dimensions: { building: `b${i % 10}`, floor: `f${i % 7}` },
    blocks: [],
    status: TwinStatus.Active,
  };
}

async function fillStore(dataDir: string, count: number): Promise<void> {
  const storage = await openStorage(`sqlite:${join(dataDir, 'twinflow.db')}`);
  try {
    const now = Date.now();
    for (let i = 0; i < count; i++) await storage.twins.putTwin(createTwin(twinSpec(i), 'default', now), 0);
  } finally {
    await storage.close();
  }
}

async function up(dir: string, probeOut: string): Promise<RunningCli> {
  const probe = join(dir, 'probe.mjs');
  return startCli(['up', dir, '--http-port', '0', '--mqtt-port', '0', '--data', join(dir, 'data'), '--no-sim', '--log-level', 'warn'], {
    readyFile: join(dir, `ready-${Date.now()}.json`),
    timeoutMs: 120_000,
    env: {
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --expose-gc --import ${pathToFileURL(probe).href}`.trim(),
      TWINFLOW_MEMORY_PROBE_OUT: probeOut,
    },
  });
}

const dir = await tempDir('twinflow-bench-memory-');
try {
  await writeFile(join(dir.path, 'twinflow.yaml'), 'simulator:\n  enabled: false\n');
  await writeFile(join(dir.path, 'probe.mjs'), PROBE);
  const probeOut = join(dir.path, 'probe.json');

  const empty = await up(dir.path, probeOut);
  let baseline: { rss: number; usage: Usage };
  try {
    baseline = await settledUsage(empty, probeOut);
  } finally {
    await empty.stop();
  }
  if (!baseline.usage.gc) process.stderr.write('warning: --expose-gc did not take; figures are without a forced GC\n');

  const filling = performance.now();
  await fillStore(join(dir.path, 'data'), TWINS);
  const fillSeconds = (performance.now() - filling) / 1000;

  const starting = performance.now();
  const cli = await up(dir.path, probeOut);
  const startSeconds = (performance.now() - starting) / 1000;
  try {
    const loaded = await settledUsage(cli, probeOut);
    // One reading per twin: message i goes to dev-(i mod TWINS).
    await runLoadInChild({ url: cli.mqtt, messages: TWINS, keys: TWINS, publishers: 4, window: 250, qos: 1, topic: 'tf/default/dev-{k}/telemetry', payload: '{"temperature":21.5,"seq":{i}}', subscribe: false });
    const fed = await settledUsage(cli, probeOut);
    // After the measurement: writing a snapshot costs memory of its own.
    if (args.snapshot !== undefined) await settledUsage(cli, probeOut, resolve(args.snapshot));
    const perTwin = (rss: number) => Math.round((rss - baseline.rss) / TWINS);
    const scaledMb = (rss: number) => Math.round(((baseline.rss + ((rss - baseline.rss) / TWINS) * 100_000) / MB) * 10) / 10;
    const row = (stage: string, m: { rss: number; usage: Usage }) => ({
      bench: 'memory',
      stage,
      twins: stage === 'baseline' ? 0 : TWINS,
      rss_mb: Math.round((m.rss / MB) * 10) / 10,
      heap_used_mb: Math.round((m.usage.heapUsed / MB) * 10) / 10,
      external_mb: Math.round((m.usage.external / MB) * 10) / 10,
      // RSS not in the JS heap: code, native allocations (SQLite's page cache, aedes' buffers), freed but kept pages.
      native_mb: Math.round(((m.rss - m.usage.heapTotal) / MB) * 10) / 10,
    });
    report({ ...row('baseline', baseline), gc: baseline.usage.gc });
    report({ ...row('loaded', loaded), bytes_per_twin: perTwin(loaded.rss), heap_bytes_per_twin: Math.round((loaded.usage.heapUsed - baseline.usage.heapUsed) / TWINS), start_s: Math.round(startSeconds * 10) / 10, fill_s: Math.round(fillSeconds * 10) / 10 });
    const bytes = perTwin(fed.rss);
    const rssAt100k = scaledMb(fed.rss);
    report({
      ...row('idle', fed),
      bytes_per_twin: bytes,
      heap_bytes_per_twin: Math.round((fed.usage.heapUsed - baseline.usage.heapUsed) / TWINS),
      rss_mb_at_100k: rssAt100k,
      ok: bytes <= BUDGET_BYTES_PER_TWIN && rssAt100k < BUDGET_RSS_MB_AT_100K,
      budget: `<= ${BUDGET_BYTES_PER_TWIN} B/twin and < ${BUDGET_RSS_MB_AT_100K} MB RSS at 100000 twins`,
    });
  } finally {
    await cli.stop();
  }
} finally {
  await dir.remove();
}
printTable();
