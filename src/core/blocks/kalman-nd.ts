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
      snapshot: (): JsonObject => (state === undefined ? {} : { x: state.x, P: state.P }),
    };
  },
};

function scaledIdentity(n: number, s: number): Matrix {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? s : 0)));
}
