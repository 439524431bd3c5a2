/**
 * `npm run bench -- blocks`: model-block throughput on one twin (each built-in, called directly), the block runner
 * on 1 000 twins through the engine's ingest (derived telemetry included), the cost of running a `module_path` block
 * in a worker thread (isolation) against the same module inline, and simulation steps per second.
 */
import { createMemoryStorage } from '../src/adapters/memory/storage.ts';
import { BUILTIN_BLOCKS } from '../src/core/blocks/builtins.ts';
import type { ModelBlockContext } from '../src/core/blocks/model-block.ts';
import { seededRandom } from '../src/core/random.ts';
import { roomTemperature } from '../src/core/sim/room-temperature.ts';
import { defaultParams } from '../src/core/sim/sim-model.ts';
import { waterTank } from '../src/core/sim/water-tank.ts';
import { startBlocks } from '../src/engine/blocks-setup.ts';
import { loadBlockModule } from '../src/engine/blocks-loader.ts';
import { systemClock } from '../src/engine/clock.ts';
import { WorkerBlock } from '../src/engine/worker-block.ts';
import { Engine } from '../src/engine/engine.ts';
import { printTable, report } from './lib/report.ts';

const drop = () => {};
const logger = { debug: drop, info: drop, warn: drop, error: drop, child: () => logger };

function perTwin(): void {
  for (const def of BUILTIN_BLOCKS) {
    const block = def.create();
    const params = { physics: 'room_temperature' };
    const ctx: ModelBlockContext = { tenant: 'd', twinId: 't', input: 'x', params, config: params, logger, now: () => 0, random: seededRandom(1), state: { load: () => undefined, save: drop } };
    void block.init(ctx);
    const n = def.name === 'hybrid' || def.name === 'water-tank' || def.name === 'room-thermal' ? 50_000 : 500_000;
    const random = seededRandom(2);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) void block.process({ ts: i * 1000, value: 20 + random(), field: 'x', twinId: 't', values: { x: 20, heater_power: 10, inflow: 0.01 } });
    const s = (performance.now() - t0) / 1000;
    report({ bench: 'block', block: `${def.name}@${def.version}`, readings: n, readings_per_s: Math.round(n / s), us_per_reading: (s * 1e6) / n });
  }
}

async function fleet(twins: number, readingsPerTwin: number): Promise<void> {
  const storage = createMemoryStorage();
  const engine = new Engine({ storage, logger, processMetrics: false, ingest: { unknownTwins: 'reject' } });
  await engine.start();
  const blocks = startBlocks(engine, { baseDir: process.cwd(), ttlMs: 3_600_000, logger });
  for (let i = 0; i < twins; i++) {
    await engine.registry.upsert('default', { id: `m${i}`, name: `m${i}`, blocks: [{ use: 'kalman', input: 'temperature', params: { process_noise: 0.01, measurement_noise: 0.1 } }] }, 'bench');
  }
  const random = seededRandom(3);
  const t0 = performance.now();
  const base = Date.now();
  for (let k = 0; k < readingsPerTwin; k++) {
    for (let i = 0; i < twins; i++) engine.ingest.accept('default', `m${i}`, { ts: base + k, temperature: 40 + random() });
    if (k % 10 === 9) await blocks.runner.idle();
  }
  await blocks.runner.idle();
  await engine.flush();
  const s = (performance.now() - t0) / 1000;
  const n = twins * readingsPerTwin;
  const processed = blocks.runner.status('default', 'm0')[0]?.processed ?? 0;
  report({ bench: 'block-runner', twins, readings: n, readings_per_s: Math.round(n / s), processed_per_twin: processed, note: 'HTTP-style ingest → kalman → derived telemetry → memory store' });
  await blocks.close();
  await engine.close();
  await storage.close();
}

/** The seed's KalmanFilter from examples/blocks, inline and in a worker thread, one reading at a time (as the runner calls it). */
async function isolation(n: number): Promise<void> {
  const modulePath = './examples/blocks/kalman.ts:KalmanFilter';
  const params = { process_noise: 0.01, measurement_noise: 0.1 };
  const ctx: ModelBlockContext = { tenant: 'd', twinId: 't', input: 'x', params, config: params, logger, now: () => 0, random: seededRandom(1), state: { load: () => undefined, save: drop } };
  const inline = (await loadBlockModule(modulePath, process.cwd())).create();
  const worker = new WorkerBlock({ modulePath, baseDir: process.cwd(), version: '0.0.0', clock: systemClock, logger, timeoutMs: 5_000 });
  const rates: Record<string, number> = {};
  for (const [mode, block] of [['inline', inline], ['worker', worker]] as const) {
    await block.init(ctx);
    const random = seededRandom(2);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await block.process({ ts: i * 1000, value: 20 + random(), field: 'x', twinId: 't', values: { x: 20 } });
    const s = (performance.now() - t0) / 1000;
    rates[mode] = n / s;
    report({ bench: 'block-isolation', block: 'examples/blocks/kalman.ts', mode, readings: n, readings_per_s: Math.round(n / s), us_per_reading: (s * 1e6) / n });
    await block.shutdown();
  }
  report({ bench: 'block-isolation', block: 'examples/blocks/kalman.ts', mode: 'worker/inline', ratio: Number((rates.worker! / rates.inline!).toFixed(4)) });
}

function simulation(): void {
  for (const [model, control, dt] of [[waterTank, 0.02, 1], [roomTemperature, 50, 1], [roomTemperature, 50, 600]] as const) {
    const params = defaultParams(model);
    let state = model.initial(params);
    const n = 100_000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) state = model.step(state, params, control, dt);
    const s = (performance.now() - t0) / 1000;
    report({ bench: 'sim-step', model: model.name, delta_time_s: dt, steps: n, steps_per_s: Math.round(n / s) });
  }
}

perTwin();
await fleet(1000, 100);
await isolation(20_000);
simulation();
printTable();
