import type { JsonObject } from '../types.ts';
import { isShape, type Matrix } from '../sim/matrix.ts';
import { constantVelocityModel, kalmanStep, type KalmanModel, type KalmanState } from '../sim/kalman-nd.ts';
import { numberParam, stringParam, type BlockDefinition, type ModelBlock } from './model-block.ts';

const ANOMALY_SIGMAS = 3;

/**
 * A matrix Kalman filter on one measured field. `model: constant_velocity` (the default) tracks value and rate
 * with the time between readings as dt; `model: custom` takes F, H, Q, R (and x0, P0) as given, H with one row.
 * Anomaly when the innovation exceeds 3·sqrt(S), as the scalar block does.
 */
export const kalmanNdBlock: BlockDefinition = {
  name: 'kalman-nd',
  version: '1.0.0',
  description: 'Matrix Kalman filter: constant-velocity (value + rate) or a user-given linear model',
  params: {
    model: { default: 'constant_velocity', description: 'constant_velocity or custom' },
    process_noise: { default: 0.01, description: 'q, the white-noise acceleration density (constant_velocity)' },
    measurement_noise: { default: 0.1, description: 'r (constant_velocity)' },
    F: { description: 'state transition (custom)' },
    H: { description: 'measurement matrix, one row (custom)' },
    Q: { description: 'process noise covariance (custom)' },
    R: { description: 'measurement noise covariance, 1×1 (custom)' },
    x0: { description: 'initial state (custom; else the first reading)' },
    P0: { description: 'initial covariance (default 1000·I)' },
  },
  create(): ModelBlock {
    let custom: KalmanModel | undefined;
    let q = 0.01;
    let r = 0.1;
    let state: KalmanState | undefined;
    let lastTs = 0;
    let n = 2;
    let P0: Matrix | undefined;
    // The constant-velocity filter's state as scalars: the 2×2 algebra written out, so a reading allocates nothing
    // but its output (the general path builds a dozen small matrices per step).
    let cv = false;
    let x0 = 0, x1 = 0, p00 = 0, p01 = 0, p11 = 0;
    return {
      init(ctx) {
        const p = ctx.params;
        q = numberParam(p, 'process_noise', 0.01);
        r = numberParam(p, 'measurement_noise', 0.1);
        if (stringParam(p, 'model', 'constant_velocity') === 'custom') {
          n = Array.isArray(p.F) ? p.F.length : 0;
          if (!isShape(p.F, n, n) || !isShape(p.H, 1, n) || !isShape(p.Q, n, n) || !isShape(p.R, 1, 1) || n === 0) {
            throw new Error('kalman-nd custom model needs F (n×n), H (1×n), Q (n×n) and R (1×1) as arrays of rows');
          }
          custom = { F: p.F, H: p.H, Q: p.Q, R: p.R };
          if (Array.isArray(p.x0) && p.x0.length === n && p.x0.every((v) => typeof v === 'number')) {
            state = { x: p.x0 as number[], P: isShape(p.P0, n, n) ? p.P0 : scaledIdentity(n, 1000) };
          }
        }
        if (isShape(p.P0, n, n)) P0 = p.P0;
      },
      process(msg) {
        const z = msg.value;
        const dt = lastTs === 0 ? 1 : Math.max((msg.ts - lastTs) / 1000, 1e-3);
        lastTs = msg.ts;
        if (custom === undefined) return constantVelocity(z, dt);
        const model = custom ?? constantVelocityModel(dt, q, r);
        if (state === undefined) {
          // Start at the first measurement (position known to r, rate unknown).
          const x = custom === undefined ? [z, 0] : model.H[0]!.map((h) => (h === 0 ? 0 : z / h));
          state = { x, P: P0 ?? scaledIdentity(n, 1000) };
          if (custom === undefined) state.P[0]![0] = r;
          return { raw_value: z, twin_estimate: z, anomaly_flag: false, residual: 0, rate: 0 };
        }
        const step = kalmanStep(state, model, [z]);
        state = step.state;
        const estimate = model.H[0]!.reduce((acc, h, i) => acc + h * state!.x[i]!, 0);
        const innovation = step.innovation[0]!;
        return {
          raw_value: z,
          twin_estimate: estimate,
          anomaly_flag: Math.abs(innovation) > ANOMALY_SIGMAS * Math.sqrt(step.S[0]![0]!),
          residual: z - estimate,
          ...(custom === undefined ? { rate: state.x[1]! * 1 } : {}),
        };
      },
      shutdown() {},
      snapshot: (): JsonObject => (cv ? { x: [x0, x1], P: [[p00, p01], [p01, p11]] } : state === undefined ? {} : { x: state.x, P: state.P }),
    };

    /** Predict with F = [[1, dt], [0, 1]] and the white-noise-acceleration Q, update with H = [1, 0], Joseph form. */
    function constantVelocity(z: number, dt: number) {
      if (!cv) {
        cv = true;
        x0 = z;
        x1 = 0;
        const p = P0 ?? scaledIdentity(2, 1000);
        // Start at the first measurement (position known to r, rate unknown).
        p00 = r;
        p01 = p[0]![1]!;
        p11 = p[1]![1]!;
        return { raw_value: z, twin_estimate: z, anomaly_flag: false, residual: 0, rate: 0 };
      }
      const dt2 = dt * dt;
      const px0 = x0 + dt * x1;
      const px1 = x1;
      const pp00 = p00 + 2 * dt * p01 + dt2 * p11 + (q * dt2 * dt) / 3;
      const pp01 = p01 + dt * p11 + (q * dt2) / 2;
      const pp11 = p11 + q * dt;
      const S = pp00 + r;
      const k0 = pp00 / S;
      const k1 = pp01 / S;
      const innovation = z - px0;
      x0 = px0 + k0 * innovation;
      x1 = px1 + k1 * innovation;
      // (I − KH) P (I − KH)ᵀ + K r Kᵀ, with I − KH = [[1 − k0, 0], [−k1, 1]].
      const a00 = (1 - k0) * pp00;
      const a01 = (1 - k0) * pp01;
      const a10 = pp01 - k1 * pp00;
      const a11 = pp11 - k1 * pp01;
      const n01 = a01 - a00 * k1;
      const n10 = a10 * (1 - k0);
      p00 = a00 * (1 - k0) + r * k0 * k0;
      p01 = (n01 + n10) / 2 + r * k0 * k1;
      p11 = a11 - a10 * k1 + r * k1 * k1;
      return {
        raw_value: z,
        twin_estimate: x0,
        anomaly_flag: Math.abs(innovation) > ANOMALY_SIGMAS * Math.sqrt(S),
        residual: z - x0,
        rate: x1,
      };
    }
  },
};

function scaledIdentity(n: number, s: number): Matrix {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? s : 0)));
}
