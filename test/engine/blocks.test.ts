import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BlockDefinition } from '../../src/core/blocks/model-block.ts';
import { scalarKalmanStep, SCALAR_KALMAN_INITIAL } from '../../src/core/sim/kalman.ts';
import { BlockSource, compareVersions } from '../../src/engine/block-registry.ts';
import { ManualClock } from '../../src/engine/clock.ts';
import { blocksApp } from '../support/blocks-app.ts';

type App = Awaited<ReturnType<typeof blocksApp>>;

/** Lets queued promise callbacks run (no wall-clock wait). */
const settle = async (rounds = 20) => {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
};

const throwing: BlockDefinition = {
  name: 'throws', version: '1.0.0', description: 'fails on every reading', params: {},
  create: () => ({ init() {}, process() { throw new Error('boom'); }, shutdown() {} }),
};
const hanging: BlockDefinition = {
  name: 'hangs', version: '1.0.0', description: 'never answers', params: {},
  create: () => ({ init() {}, process: () => new Promise(() => {}), shutdown() {} }),
};

describe('model blocks bound to twins', () => {
  let t: App;
  let clock: ManualClock;
  beforeEach(async () => {
    clock = new ManualClock(1_700_000_000_000);
    t = await blocksApp({ clock, timeoutMs: 500 });
    t.registry.register(throwing, BlockSource.Module, undefined, 0);
    t.registry.register(hanging, BlockSource.Module, undefined, 0);
  });
  afterEach(async () => {
    clock.advance(10_000);
    await t.close();
  });

  const send = async (twin: string, values: Record<string, number>) => {
    const { durable } = t.engine.ingest.accept('default', twin, { ts: clock.now(), ...values });
    clock.advance(1_000);
    await settle();
    clock.advance(10);
    await durable;
  };

  it('turns kalman outputs into telemetry <input>.estimate/.residual/.anomaly equal to the seed recurrences', async () => {
    await t.engine.registry.upsert('default', { id: 'm1', name: 'M', blocks: [{ use: 'kalman', input: 'temperature', params: { process_noise: 0.01, measurement_noise: 0.1 } }] }, 'test');
    let s = SCALAR_KALMAN_INITIAL;
    for (const z of [40, 40.4, 39.9]) {
      await send('m1', { temperature: z });
      s = scalarKalmanStep(s, z, 0.01, 0.1).state;
    }
    await settle();
    clock.advance(10);
    await t.engine.flush();
    const latest = await t.engine.latest('default', 'm1');
    expect(latest['temperature.estimate']?.value).toBe(s.x);
    expect(latest['temperature.residual']?.value).toBe(39.9 - s.x);
    expect(latest['temperature.anomaly']?.value).toBe(false);
    expect(t.runner.status('default', 'm1')[0]).toMatchObject({ block: 'kalman', version: '1.0.0', processed: 3, errors: 0 });
  });

  it('isolates a block that throws and one that hangs: counted, and the twin’s other block goes on', async () => {
    await t.engine.registry.upsert('default', {
      id: 'm2', name: 'M2',
      blocks: [{ use: 'throws', input: 'x' }, { use: 'hangs', input: 'x' }, { use: 'zscore', input: 'x' }],
    }, 'test');
    for (let i = 0; i < 3; i++) await send('m2', { x: 10 + i });
    clock.advance(1_000);
    await settle();
    const [thrown, hung, healthy] = t.runner.status('default', 'm2');
    expect(thrown).toMatchObject({ errors: 3, processed: 0, lastError: 'boom' });
    expect(hung!.timeouts).toBe(3);
    expect(healthy!.processed).toBe(3);
    const metrics = await t.engine.metrics.registry.getSingleMetricAsString('twinflow_block_failures_total');
    expect(metrics).toContain('block="hangs",kind="timeout"} 3');
    expect(metrics).toContain('block="throws",kind="error"} 3');
  });

  it('switches a twin to another version through the registry, without a restart', async () => {
    await t.engine.registry.upsert('default', { id: 'm3', name: 'M3', blocks: [{ use: 'zscore', version: '1.0.0', input: 'x' }] }, 'test');
    await send('m3', { x: 1 });
    expect(t.runner.status('default', 'm3')[0]?.version).toBe('1.0.0');
    const patched = await t.app.inject({ method: 'PATCH', url: '/api/registry/twins/m3', payload: { blocks: [{ use: 'zscore', version: '2.0.0', input: 'x' }] } });
    expect(patched.statusCode).toBe(200);
    await send('m3', { x: 2 });
    expect(t.runner.status('default', 'm3')[0]).toMatchObject({ version: '2.0.0', processed: 1 });
    const bound = (await t.app.inject({ method: 'GET', url: '/api/twins/m3/blocks' })).json();
    expect(bound.items[0].stats.version).toBe('2.0.0');
  });

  it('lists the registry: every block with its versions, newest first', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/blocks' });
    const items = res.json().items as { name: string; latest: string; versions: { version: string; simulatable: boolean }[] }[];
    expect(items.map((b) => b.name)).toEqual(expect.arrayContaining(['kalman', 'kalman-nd', 'water-tank', 'room-thermal', 'hybrid', 'zscore']));
    const zscore = items.find((b) => b.name === 'zscore')!;
    expect(zscore.latest).toBe('2.0.0');
    expect(zscore.versions.map((v) => v.version)).toEqual(['2.0.0', '1.0.0']);
    expect(items.find((b) => b.name === 'water-tank')!.versions[0]!.simulatable).toBe(true);
    expect((await t.app.inject({ method: 'GET', url: '/api/blocks/nope' })).statusCode).toBe(404);
    expect(compareVersions('1.10.0', '1.9.2')).toBeGreaterThan(0);
  });
});
