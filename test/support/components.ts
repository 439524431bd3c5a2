/**
 * Real components (DESIGN.md §6). In CI (`CI` set) a test that needs one fails when it cannot reach it;
 * on a laptop without it the suite is skipped with a one-line reason.
 */
import { describe } from 'vitest';

export const inCi = (): boolean => process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';

export const TEST_PG = process.env.TWINFLOW_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_REDIS = process.env.TWINFLOW_TEST_REDIS ?? 'redis://127.0.0.1:6379';
export const TEST_NATS = process.env.TWINFLOW_TEST_NATS ?? 'nats://127.0.0.1:4222';

/**
 * Probes a component once, before the suites are collected. Returns `describe` when it answers, and
 * `describe.skip` (after printing why) when it does not and we are not in CI; in CI it throws.
 */
export async function describeWith(component: string, probe: () => Promise<void>): Promise<typeof describe> {
  try {
    await probe();
    return describe;
  } catch (err) {
    const reason = `${component} unreachable: ${err instanceof Error ? err.message : String(err)}`;
    if (inCi()) throw new Error(`${reason} (CI requires it)`, { cause: err });
    console.warn(`skipping ${component} tests: ${reason}`);
    return describe.skip as unknown as typeof describe;
  }
}

/** Resolves when Redis at TEST_REDIS answers a PING; rejects with the reason otherwise. */
export async function probeRedis(): Promise<void> {
  const { Redis } = await import('ioredis');
  const probe = new Redis(TEST_REDIS, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {});
  try {
    await probe.connect();
    await probe.ping();
  } finally {
    probe.disconnect();
  }
}

/** Resolves when PostgreSQL at TEST_PG accepts a connection; rejects with the reason otherwise. */
export async function probePostgres(): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: TEST_PG, connectionTimeoutMillis: 3_000 });
  await client.connect();
  await client.end();
}
