/**
 * Recursive least squares with exponential forgetting (Ljung, "System Identification", 11.2): fits
 * y ≈ θᵀφ one sample at a time in O(n²), weighting a sample k steps old by λᵏ.
 */
import type { Matrix, Vector } from './matrix.ts';

export interface RlsState {
  theta: Vector;
  P: Matrix;
}

/** θ = 0 and P = δ·I: a large δ means little trust in the zero start, so the first samples count fully. */
export function rlsInitial(n: number, delta = 1e4): RlsState {
  return {
    theta: new Array<number>(n).fill(0),
    P: Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? delta : 0))),
  };
}

export function rlsPredict(state: RlsState, phi: Vector): number {
  let y = 0;
  for (let i = 0; i < phi.length; i++) y += state.theta[i]! * phi[i]!;
  return y;
}

/** One sample (φ, y); `lambda` in (0, 1], 1 = no forgetting. */
export function rlsUpdate(state: RlsState, phi: Vector, y: number, lambda = 1): RlsState {
  const n = phi.length;
  const Pphi = state.P.map((row) => row.reduce((acc, v, j) => acc + v * phi[j]!, 0));
  let denom = lambda;
  for (let i = 0; i < n; i++) denom += phi[i]! * Pphi[i]!;
  const k = Pphi.map((v) => v / denom);
  const e = y - rlsPredict(state, phi);
  const theta = state.theta.map((v, i) => v + k[i]! * e);
  // P' = (P − k φᵀP) / λ, with φᵀP = (Pφ)ᵀ because P is symmetric.
  const P = state.P.map((row, i) => row.map((v, j) => (v - k[i]! * Pphi[j]!) / lambda));
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const s = (P[i]![j]! + P[j]![i]!) / 2;
      P[i]![j] = s;
      P[j]![i] = s;
    }
  }
  return { theta, P };
}
