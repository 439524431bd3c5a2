import { expect, it } from 'vitest';
import { kalmanNdBlock } from '../../../src/core/blocks/kalman-nd.ts';
import type { ModelBlockContext } from '../../../src/core/blocks/model-block.ts';
import { constantVelocityModel, kalmanStep, type KalmanState } from '../../../src/core/sim/kalman-nd.ts';

const drop = () => {};
const logger = { debug: drop, info: drop, warn: drop, error: drop };

it('given the constant-velocity block, when fed irregular readings, then its scalar fast path equals the matrix Kalman step', async () => {
  const params = { process_noise: 0.05, measurement_noise: 0.2 };
  const ctx: ModelBlockContext = { tenant: 'd', twinId: 't', input: 'x', params, config: params, logger, now: () => 0, random: () => 0.5, state: { load: () => undefined, save: drop } };
  const block = kalmanNdBlock.create();
  await block.init(ctx);
  let ref: KalmanState | undefined;
  let lastTs = 0;
  for (let i = 0; i < 200; i++) {
    const ts = 1_000 + i * 1_000 + (i % 3) * 250;
    const z = 20 + 0.1 * i + Math.sin(i);
    const out = await block.process({ ts, value: z, field: 'x', twinId: 't', values: { x: z } });
    const dt = lastTs === 0 ? 1 : (ts - lastTs) / 1000;
    lastTs = ts;
    if (ref === undefined) {
      ref = { x: [z, 0], P: [[0.2, 0], [0, 1000]] };
      continue;
    }
    const step = kalmanStep(ref, constantVelocityModel(dt, 0.05, 0.2), [z]);
    ref = step.state;
    expect(out.twin_estimate).toBeCloseTo(ref.x[0]!, 9);
    expect(out.rate as number).toBeCloseTo(ref.x[1]!, 9);
    expect(out.anomaly_flag).toBe(Math.abs(step.innovation[0]!) > 3 * Math.sqrt(step.S[0]![0]!));
  }
  const snap = block.snapshot!() as { P: number[][] };
  expect(snap.P[0]![0]).toBeCloseTo(ref!.P[0]![0]!, 9);
  expect(snap.P[1]![1]).toBeCloseTo(ref!.P[1]![1]!, 6);
});
