/**
 * Telemetry append throughput of the SQL stores (DESIGN.md §9): 1 000 twins reporting one field each, interleaved
 * as a busy site delivers them, written in batches as the engine's group commit would.
 *
 *   npx tsx bench/store.ts [sqlite|postgres|all]
 *
 * Prints one JSON line per result on stdout and a table on stderr.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { openPostgresStorage } from '../src/adapters/postgres/storage.ts';
import { openSqliteStorage } from '../src/adapters/sqlite/storage.ts';
import type { TelemetryPoint } from '../src/core/types.ts';
import type { Storage } from '../src/ports.ts';

const TWINS = 1_000;
const BATCHES = [100, 500, 2_000] as const;
const DURATION_MS = 3_000;
const T0 = 1_700_000_000_000;
const PG_URL = process.env.TWINFLOW_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

const Backend = { Sqlite: 'sqlite', Postgres: 'postgres' } as const;
type Backend = (typeof Backend)[keyof typeof Backend];

interface Result {
  bench: 'store';
  backend: Backend;
  batch: number;
  rows_per_s: number;
  p50_ms: number;
  p99_ms: number;
}

interface Opened {
  storage: Storage;
  dispose(): Promise<void>;
}

async function openSqlite(): Promise<Opened> {
  const dir = mkdtempSync(join(tmpdir(), 'twinflow-bench-'));
  const storage = openSqliteStorage(join(dir, 'bench.db'));
  return {
    storage,
    async dispose() {
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function openPostgres(): Promise<Opened> {
  const schema = `bench_${process.pid}_${Date.now().toString(36)}`;
  const storage = await openPostgresStorage(PG_URL, { schema });
  return {
    storage,
    async dispose() {
      await storage.close();
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

async function run(backend: Backend, batch: number): Promise<Result> {
  const opened = backend === Backend.Sqlite ? await openSqlite() : await openPostgres();
  try {
    const latencies: number[] = [];
    let rows = 0;
    const started = performance.now();
    while (performance.now() - started < DURATION_MS) {
      const points: TelemetryPoint[] = new Array(batch);
      for (let k = 0; k < batch; k++, rows++) {
        points[k] = {
          tenant: 'bench',
          twinId: `twin-${String(rows % TWINS).padStart(4, '0')}`,
          field: 'value',
          ts: T0 + Math.floor(rows / TWINS) * 100,
          value: (rows % 977) * 0.25,
        };
      }
      const t = performance.now();
      await opened.storage.telemetry.append(points);
      latencies.push(performance.now() - t);
    }
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    return {
      bench: 'store',
      backend,
      batch,
      rows_per_s: Math.round(rows / seconds),
      p50_ms: round(quantile(latencies, 0.5)),
      p99_ms: round(quantile(latencies, 0.99)),
    };
  } finally {
    await opened.dispose();
  }
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

function backendsFrom(arg: string | undefined): Backend[] {
  if (arg === undefined || arg === 'all') return [Backend.Sqlite, Backend.Postgres];
  if (arg === Backend.Sqlite || arg === Backend.Postgres) return [arg];
  throw new Error(`unknown backend ${JSON.stringify(arg)}; use sqlite, postgres or all`);
}

async function main(): Promise<void> {
  const results: Result[] = [];
  for (const backend of backendsFrom(process.argv[2])) {
    for (const batch of BATCHES) {
      const result = await run(backend, batch);
      results.push(result);
      process.stdout.write(`${JSON.stringify(result)}\n`);
    }
  }
  const header = `${'backend'.padEnd(10)}${'batch'.padStart(7)}${'rows/s'.padStart(11)}`;
  process.stderr.write(`\n${header}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}\n`);
  for (const r of results) {
    process.stderr.write(
      `${r.backend.padEnd(10)}${String(r.batch).padStart(7)}${r.rows_per_s.toLocaleString('en').padStart(11)}` +
        `${r.p50_ms.toFixed(2).padStart(9)}${r.p99_ms.toFixed(2).padStart(9)}\n`,
    );
  }
}

await main();
