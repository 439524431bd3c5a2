import { SCALAR_KALMAN_INITIAL, scalarKalmanStep, type ScalarKalmanState } from '../sim/kalman.ts';
import { numberParam, type BlockDefinition, type ModelBlock } from './model-block.ts';

/** The PyEdgeTwin seed's KalmanFilter block: the seed's scalar recurrences, nothing added. */
export const kalmanBlock: BlockDefinition = {
  name: 'kalman',
  version: '1.0.0',
  description: 'Scalar Kalman filter (random-walk state), the PyEdgeTwin seed: anomaly when |z − x| > 3·sqrt(P_pred + R)',
  params: {
    process_noise: { default: 0.01, description: 'Q' },
    measurement_noise: { default: 0.1, description: 'R' },
  },
  create(): ModelBlock {
    let Q = 0.01;
    let R = 0.1;
    let state: ScalarKalmanState = SCALAR_KALMAN_INITIAL;
    return {
      init(ctx) {
        Q = numberParam(ctx.params, 'process_noise', 0.01);
        R = numberParam(ctx.params, 'measurement_noise', 0.1);
        state = SCALAR_KALMAN_INITIAL;
      },
      process(msg) {
        const z = msg.value;
        const step = scalarKalmanStep(state, z, Q, R);
        state = step.state;
        return { raw_value: z, twin_estimate: state.x, anomaly_flag: step.anomaly, residual: step.residual };
      },
      shutdown() {},
      snapshot: () => ({ x: state.x, P: state.P }),
    };
  },
};
