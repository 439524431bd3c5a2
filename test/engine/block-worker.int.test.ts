/**
 * `module_path` blocks run in worker threads (real threads, so the engine's real clock and short timeouts here):
 * a block that spins forever is terminated, counted and restarted; the twin's other block and ingest go on.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { blocksApp } from '../support/blocks-app.ts';

type App = Awaited<ReturnType<typeof blocksApp>>;
const FIXTURES = fileURLToPath(new URL('../fixtures/blocks/', import.meta.url));
const wait = { timeout: 15_000, interval: 20 };

describe('model blocks in worker threads', () => {
  let t: App;
  beforeEach(async () => {
    t = await blocksApp({ timeoutMs: 300, baseDir: FIXTURES, restartBackoffMs: [0] });
  });
  afterEach(async () => {
    await t.close();
  });

  const send = (twin: string, values: Record<string, number>) => t.engine.ingest.accept('default', twin, { ts: Date.now(), ...values }).durable;

  it('terminates a block that loops forever, counts it, restarts it; the other block and ingest go on', async () => {
    await t.engine.registry.upsert('default', { id: 'w1', name: 'W1', blocks: [{ module_path: './misbehaving.ts:SpinsOn13', input: 'x' }, { use: 'zscore', input: 'x' }] }, 'test');
    await send('w1', { x: 1 });
    await vi.waitFor(() => expect(t.runner.status('default', 'w1')[0]).toMatchObject({ processed: 1 }), wait);

    await send('w1', { x: 13 });
    await vi.waitFor(() => expect(t.runner.status('default', 'w1')[0]?.timeouts).toBe(1), wait);
    // Ingest and the in-process block carried on while the worker spun.
    await send('w1', { x: 2 });
    await vi.waitFor(() => expect(t.runner.status('default', 'w1')[1]?.processed).toBe(3), wait);

    // A fresh worker takes readings again.
    await vi.waitFor(() => expect(t.runner.status('default', 'w1')[0]?.restarts).toBe(1), wait);
    await send('w1', { x: 3 });
    await vi.waitFor(() => expect(t.runner.status('default', 'w1')[0]?.processed).toBeGreaterThanOrEqual(2), wait);
    await t.runner.idle();
    await t.engine.flush();
    expect((await t.engine.latest('default', 'w1'))['x.estimate']?.value).toBe(3);
    const metrics = await t.engine.metrics.registry.getSingleMetricAsString('twinflow_block_failures_total');
    expect(metrics).toContain('block="./misbehaving.ts:SpinsOn13",kind="timeout"} 1');
  });

  it('counts a worker block that throws, and runs a well-behaved one with the same outputs as in-process', async () => {
    await t.engine.registry.upsert('default', {
      id: 'w2', name: 'W2',
      blocks: [{ module_path: './misbehaving.ts:Throws', input: 'x' }, { module_path: '../../../examples/blocks/kalman.ts:KalmanFilter', input: 'x' }],
    }, 'test');
    for (const x of [40, 40.5]) await send('w2', { x });
    await vi.waitFor(() => {
      const [thrown, kalman] = t.runner.status('default', 'w2');
      expect(thrown).toMatchObject({ errors: 2, processed: 0, lastError: 'boom' });
      expect(kalman?.processed).toBe(2);
    }, wait);
    const metrics = await t.engine.metrics.registry.getSingleMetricAsString('twinflow_block_failures_total');
    expect(metrics).toContain('block="./misbehaving.ts:Throws",kind="error"} 2');
  });
});
