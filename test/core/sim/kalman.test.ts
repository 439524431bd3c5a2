import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SCALAR_KALMAN_INITIAL, scalarKalmanStep } from '../../../src/core/sim/kalman.ts';
import { constantVelocityModel, kalmanStep, type KalmanState } from '../../../src/core/sim/kalman-nd.ts';
import { gaussian, seededRandom } from '../../../src/core/random.ts';

/** The seed's Python class, transcribed line by line (it is the reference, so it is kept apart from src). */
class SeedKalmanFilter {
  Q = 0;
  R = 0;
  x = 0;
  P = 1;
  init(config: { process_noise?: number; measurement_noise?: number }) {
    this.Q = config.process_noise ?? 0.01;
    this.R = config.measurement_noise ?? 0.1;
    this.x = 0.0;
    this.P = 1.0;
  }
  process(msg: { value?: number }) {
    const z = msg.value ?? 0.0;
    const [x_pred, P_pred] = [this.x, this.P + this.Q];
    const K = P_pred / (P_pred + this.R);
    this.x = x_pred + K * (z - x_pred);
    this.P = (1 - K) * P_pred;
    return { raw_value: z, twin_estimate: this.x, anomaly_flag: Math.abs(z - this.x) > 3 * (P_pred + this.R) ** 0.5, residual: z - this.x };
  }
}

describe('scalar Kalman filter (PyEdgeTwin seed)', () => {
  it('equals the seed recurrences to 1e-12 on any stream', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-6, max: 10, noNaN: true }),
        fc.double({ min: 1e-6, max: 10, noNaN: true }),
        fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 200 }),
        (Q, R, zs) => {
          const seed = new SeedKalmanFilter();
          seed.init({ process_noise: Q, measurement_noise: R });
          let state = SCALAR_KALMAN_INITIAL;
          for (const z of zs) {
            const want = seed.process({ value: z });
            const got = scalarKalmanStep(state, z, Q, R);
            state = got.state;
            expect(Math.abs(got.state.x - want.twin_estimate)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want.twin_estimate)));
            expect(Math.abs(got.residual - want.residual)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want.residual)));
            expect(got.anomaly).toBe(want.anomaly_flag);
            expect(got.state.P).toBeGreaterThan(0);
          }
        },
      ),
    );
  });
});

describe('matrix Kalman filter', () => {
  it('reduces to the scalar filter for F = H = 1', () => {
    const model = { F: [[1]], H: [[1]], Q: [[0.01]], R: [[0.1]] };
    let nd: KalmanState = { x: [0], P: [[1]] };
    let scalar = SCALAR_KALMAN_INITIAL;
    const random = seededRandom(3);
    for (let i = 0; i < 500; i++) {
      const z = 25 + gaussian(random);
      const a = kalmanStep(nd, model, [z]);
      const b = scalarKalmanStep(scalar, z, 0.01, 0.1);
      nd = a.state;
      scalar = b.state;
      expect(Math.abs(nd.x[0]! - scalar.x)).toBeLessThan(1e-12);
      expect(Math.abs(nd.P[0]![0]! - scalar.P)).toBeLessThan(1e-12);
    }
  });

  it('keeps the covariance symmetric positive definite (constant velocity, any noise)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-4, max: 10, noNaN: true }),
        fc.double({ min: 1e-4, max: 10, noNaN: true }),
        fc.double({ min: 0.01, max: 5, noNaN: true }),
        fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 1, maxLength: 60 }),
        (q, r, dt, zs) => {
          const model = constantVelocityModel(dt, q, r);
          let state: KalmanState = { x: [0, 0], P: [[1e3, 0], [0, 1e3]] };
          for (const z of zs) {
            state = kalmanStep(state, model, [z]).state;
            const [[a, b], [c, d]] = state.P as [[number, number], [number, number]];
            expect(b).toBe(c);
            expect(a).toBeGreaterThan(0);
            expect(a * d - b * c).toBeGreaterThan(0);
          }
        },
      ),
    );
  });

  it('tracks a ramp with the constant-velocity model: the velocity converges to the slope', () => {
    const model = constantVelocityModel(1, 1e-4, 0.25);
    const random = seededRandom(9);
    let state: KalmanState = { x: [0, 0], P: [[100, 0], [0, 100]] };
    for (let k = 0; k < 400; k++) state = kalmanStep(state, model, [10 + 0.5 * k + 0.5 * gaussian(random)]).state;
    expect(Math.abs(state.x[1]! - 0.5)).toBeLessThan(0.02);
    expect(Math.abs(state.x[0]! - (10 + 0.5 * 399))).toBeLessThan(0.5);
  });
});
