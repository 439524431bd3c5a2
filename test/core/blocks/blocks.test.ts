import { describe, expect, it } from 'vitest';
import { hybridBlock } from '../../../src/core/blocks/hybrid.ts';
import { kalmanNdBlock } from '../../../src/core/blocks/kalman-nd.ts';
import { kalmanBlock } from '../../../src/core/blocks/kalman.ts';
import type { BlockDefinition, BlockOutput, ModelBlock, ModelBlockContext } from '../../../src/core/blocks/model-block.ts';
import { roomThermalBlock } from '../../../src/core/blocks/room-thermal.ts';
import { waterTankBlock } from '../../../src/core/blocks/water-tank.ts';
import { zscoreBlockV1, zscoreBlockV2 } from '../../../src/core/blocks/zscore.ts';
import { gaussian, seededRandom } from '../../../src/core/random.ts';
import { roomTemperature } from '../../../src/core/sim/room-temperature.ts';
import { waterTank } from '../../../src/core/sim/water-tank.ts';
import type { JsonObject } from '../../../src/core/types.ts';

const drop = () => {};
function start(def: BlockDefinition, params: JsonObject, input = 'x'): ModelBlock {
  const block = def.create();
  const ctx: ModelBlockContext = {
    tenant: 'default', twinId: 't1', input, params, config: params,
    logger: { debug: drop, info: drop, warn: drop, error: drop },
    now: () => 0, random: seededRandom(1), state: { load: () => undefined, save: drop },
  };
  void block.init(ctx);
  return block;
}
const feed = (block: ModelBlock, ts: number, value: number, values: Record<string, number> = {}) =>
  block.process({ ts, value, field: 'x', twinId: 't1', values: { x: value, ...values } }) as BlockOutput;

describe('kalman block', () => {
  it('runs the seed recurrences exactly (x = 0, P = 1 start)', () => {
    const block = start(kalmanBlock, { process_noise: 0.01, measurement_noise: 0.1 });
    let x = 0;
    let P = 1;
    for (const z of [40.1, 39.8, 40.3, 55, 40.0]) {
      const Pp = P + 0.01;
      const K = Pp / (Pp + 0.1);
      x = x + K * (z - x);
      P = (1 - K) * Pp;
      const out = feed(block, 0, z);
      expect(out.twin_estimate).toBe(x);
      expect(out.residual).toBe(z - x);
      expect(out.anomaly_flag).toBe(Math.abs(z - x) > 3 * (Pp + 0.1) ** 0.5);
    }
  });
});

describe('kalman-nd block', () => {
  it('flags a spike on a ramp and reports the rate', () => {
    const block = start(kalmanNdBlock, { process_noise: 1e-4, measurement_noise: 0.04 });
    const random = seededRandom(4);
    let out: BlockOutput | undefined;
    for (let k = 0; k < 200; k++) out = feed(block, 1000 * (k + 1), 20 + 0.1 * k + 0.2 * gaussian(random));
    expect(out!.anomaly_flag).toBe(false);
    expect(out!.rate as number).toBeCloseTo(0.1, 1);
    expect(feed(block, 201_000, 20 + 0.1 * 200 + 5).anomaly_flag).toBe(true);
  });

  it('takes a user-given model', () => {
    const block = start(kalmanNdBlock, { model: 'custom', F: [[1]], H: [[1]], Q: [[0.01]], R: [[0.1]], x0: [0], P0: [[1]] });
    expect(feed(block, 1, 10).twin_estimate).toBeCloseTo((1.01 / 1.11) * 10, 12);
    expect(() => start(kalmanNdBlock, { model: 'custom', F: [[1, 0]] })).toThrow(/F \(n×n\)/);
  });
});

describe('physics blocks', () => {
  it('water-tank predicts the drain and flags a leak', () => {
    const p = { tank_area: 1, outlet_area: 0.01, g: 9.81, initial_level: 1, max_level: 2 };
    const block = start(waterTankBlock, { anomaly_threshold: 0.01 });
    let state = waterTank.initial(p);
    for (let i = 0; i < 20; i++) {
      const out = feed(block, i * 1000, state.level!, { inflow: 0.01 });
      expect(Math.abs(out.residual!)).toBeLessThan(1e-6);
      state = waterTank.step(state, p, 0.01, 1);
    }
    expect(feed(block, 20_000, state.level! - 0.05, { inflow: 0.01 }).anomaly_flag).toBe(true);
  });

  it('room-thermal follows a heated room and flags an open window', () => {
    const p = { ambient_temperature: 10, time_constant: 600, heater_gain: 0.01, initial_temperature: 18 };
    const block = start(roomThermalBlock, p);
    let state = roomTemperature.initial(p);
    for (let i = 0; i < 30; i++) {
      expect(feed(block, i * 60_000, state.temperature!, { heater_power: 50 }).anomaly_flag).toBe(false);
      state = roomTemperature.step(state, p, 50, 60);
    }
    expect(feed(block, 30 * 60_000, state.temperature! - 3, { heater_power: 50 }).anomaly_flag).toBe(true);
  });
});

describe('hybrid block', () => {
  it("learns a heat loss the physics does not know: its error falls as data comes in", () => {
    // The plant: dT/dt = (Ta − T)/tau + g·u − 0.004 (an unmodelled constant loss) = a room at Ta − 0.004·tau.
    const known = { ambient_temperature: 15, time_constant: 900, heater_gain: 0.002, initial_temperature: 18 };
    const plant = { ...known, ambient_temperature: 15 - 0.004 * 900 };
    const block = start(hybridBlock, { physics: 'room_temperature', ...known, anomaly_threshold: 5, forgetting: 1 });
    const random = seededRandom(11);
    let state = roomTemperature.initial(plant);
    const errors: number[] = [];
    const physicsErrors: number[] = [];
    for (let i = 0; i < 300; i++) {
      const u = 500 + 400 * Math.sin(i / 15);
      const out = feed(block, i * 30_000, state.temperature! + 0.001 * gaussian(random), { heater_power: u });
      if (i > 0) {
        errors.push(Math.abs(out.residual!));
        physicsErrors.push(Math.abs(out.physics_residual as number));
      }
      state = roomTemperature.step(state, plant, u, 30);
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const early = mean(errors.slice(0, 10));
    const late = mean(errors.slice(-100));
    expect(late).toBeLessThan(early / 10);
    expect(late).toBeLessThan(mean(physicsErrors.slice(-100)) / 10);
  });
});

describe('zscore block', () => {
  for (const def of [zscoreBlockV1, zscoreBlockV2]) {
    it(`v${def.version} flags a spike after warm-up and keeps its baseline`, () => {
      const block = start(def, { threshold: 5, warmup: 30 });
      const random = seededRandom(5);
      for (let i = 0; i < 200; i++) expect(feed(block, i, 50 + gaussian(random)).anomaly_flag).toBe(false);
      expect(feed(block, 200, 70).anomaly_flag).toBe(true);
      expect(Math.abs(feed(block, 201, 50).twin_estimate - 50)).toBeLessThan(1);
    });
  }
});
