/**
 * The linear Kalman filter in matrix form: x' = F x (+ B u) + w, z = H x + v, w ~ N(0, Q), v ~ N(0, R).
 * The covariance update is Joseph's form, (I − KH) P (I − KH)ᵀ + K R Kᵀ, which stays symmetric and positive
 * definite under rounding where the short form (I − KH) P does not.
 */
import { add, identity, invert, multiply, multiplyVector, subtract, symmetrize, transpose, type Matrix, type Vector } from './matrix.ts';

export interface KalmanModel {
  F: Matrix;
  H: Matrix;
  Q: Matrix;
  R: Matrix;
  B?: Matrix;
}

export interface KalmanState {
  x: Vector;
  P: Matrix;
}

export interface KalmanUpdate {
  state: KalmanState;
  /** Prior (predicted) state. */
  prior: KalmanState;
  /** z − H x_prior. */
  innovation: Vector;
  /** Innovation covariance H P_prior Hᵀ + R. */
  S: Matrix;
  /** z − H x_posterior. */
  residual: Vector;
}

export function kalmanPredict(state: KalmanState, model: KalmanModel, u?: Vector): KalmanState {
  let x = multiplyVector(model.F, state.x);
  if (model.B !== undefined && u !== undefined) {
    const bu = multiplyVector(model.B, u);
    x = x.map((v, i) => v + bu[i]!);
  }
  const P = symmetrize(add(multiply(multiply(model.F, state.P), transpose(model.F)), model.Q));
  return { x, P };
}

export function kalmanUpdate(prior: KalmanState, model: KalmanModel, z: Vector): KalmanUpdate {
  const { H, R } = model;
  const Ht = transpose(H);
  const hx = multiplyVector(H, prior.x);
  const innovation = z.map((v, i) => v - hx[i]!);
  const PHt = multiply(prior.P, Ht);
  const S = add(multiply(H, PHt), R);
  const K = multiply(PHt, invert(S));
  const ky = multiplyVector(K, innovation);
  const x = prior.x.map((v, i) => v + ky[i]!);
  const IKH = subtract(identity(prior.x.length), multiply(K, H));
  const P = symmetrize(add(multiply(multiply(IKH, prior.P), transpose(IKH)), multiply(multiply(K, R), transpose(K))));
  const hxPost = multiplyVector(H, x);
  return { state: { x, P }, prior, innovation, S, residual: z.map((v, i) => v - hxPost[i]!) };
}

export function kalmanStep(state: KalmanState, model: KalmanModel, z: Vector, u?: Vector): KalmanUpdate {
  return kalmanUpdate(kalmanPredict(state, model, u), model, z);
}

/**
 * The constant-velocity model of one measured coordinate: state [position, velocity], white-noise acceleration
 * of spectral density q (Bar-Shalom, "Estimation with Applications to Tracking", 6.2.2), measurement noise r.
 */
export function constantVelocityModel(dt: number, q: number, r: number): KalmanModel {
  return {
    F: [
      [1, dt],
      [0, 1],
    ],
    H: [[1, 0]],
    Q: [
      [(q * dt ** 3) / 3, (q * dt ** 2) / 2],
      [(q * dt ** 2) / 2, q * dt],
    ],
    R: [[r]],
  };
}

