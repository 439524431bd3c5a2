/**
 * The PyEdgeTwin seed's scalar Kalman filter, recurrence for recurrence (random-walk state, direct measurement):
 *
 *     x_pred, P_pred = x, P + Q
 *     K = P_pred / (P_pred + R)
 *     x = x_pred + K (z − x_pred);  P = (1 − K) P_pred
 *     anomaly = |z − x| > 3 sqrt(P_pred + R);  residual = z − x
 *
 * The operations and their order are the seed's so that results agree to the last bits, not only to a tolerance.
 */

export interface ScalarKalmanState {
  x: number;
  P: number;
}

export interface ScalarKalmanStep {
  state: ScalarKalmanState;
  x_pred: number;
  P_pred: number;
  K: number;
  residual: number;
  anomaly: boolean;
}

/** The seed's starting point: x = 0, P = 1. */
export const SCALAR_KALMAN_INITIAL: ScalarKalmanState = { x: 0, P: 1 } as const;

export function scalarKalmanStep(state: ScalarKalmanState, z: number, Q: number, R: number): ScalarKalmanStep {
  const x_pred = state.x;
  const P_pred = state.P + Q;
  const K = P_pred / (P_pred + R);
  const x = x_pred + K * (z - x_pred);
  const P = (1 - K) * P_pred;
  return {
    state: { x, P },
    x_pred,
    P_pred,
    K,
    residual: z - x,
    anomaly: Math.abs(z - x) > 3 * (P_pred + R) ** 0.5,
  };
}
