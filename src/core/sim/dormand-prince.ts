/**
 * The Dormand–Prince 5(4) embedded Runge–Kutta method with adaptive step size (Hairer, Nørsett & Wanner,
 * "Solving Ordinary Differential Equations I", II.4 and II.5; the same tableau as SciPy's RK45 and MATLAB's
 * ode45). The fifth-order solution is propagated (local extrapolation) and the fourth-order one only
 * estimates the error. Pure: the right-hand side is a function of (t, y).
 */

/** dy/dt at (t, y). Must not keep `y`: the solver reuses its arrays. */
export type Derivative = (t: number, y: readonly number[]) => number[];

export interface SolverOptions {
  /** Relative tolerance. @default 1e-6 */
  rtol?: number;
  /** Absolute tolerance. @default 1e-9 */
  atol?: number;
  /** Give up after this many attempted steps. @default 100000 */
  maxSteps?: number;
  /** Largest step. @default Infinity */
  maxStep?: number;
}

export interface SolverResult {
  y: number[];
  /** Accepted steps. */
  steps: number;
  /** Rejected steps. */
  rejected: number;
  /** Right-hand-side evaluations. */
  evaluations: number;
}

export const SOLVER_DEFAULTS = { rtol: 1e-6, atol: 1e-9, maxSteps: 100_000 } as const;

const C = [0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1, 1] as const;
const A: readonly (readonly number[])[] = [
  [],
  [1 / 5],
  [3 / 40, 9 / 40],
  [44 / 45, -56 / 15, 32 / 9],
  [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
  [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
  [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
];
/** Fifth-order weights minus fourth-order weights: the local error estimate. */
const E = [71 / 57600, 0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40] as const;

// Step-size control (Hairer II.4 (4.13)): a safety factor and bounds on how fast the step may change.
const SAFETY = 0.9;
const MIN_FACTOR = 0.2;
const MAX_FACTOR = 10;
const ORDER = 5;
/**
 * Each step's local error is held to this fraction of rtol/atol. Per-step control alone lets the errors of many
 * steps add up past the tolerance over a long span (measured: 1.4e-6 relative on exponential decay at rtol 1e-6);
 * with a tenth, the error of a whole `integrate` call stays within rtol/atol, which is what callers read them as.
 */
const LOCAL_SHARE = 0.1;

/** Integrates y' = f(t, y) from t0 to t1 (t1 ≥ t0) starting at y0. */
export function integrate(f: Derivative, t0: number, y0: readonly number[], t1: number, options: SolverOptions = {}): SolverResult {
  const rtol = (options.rtol ?? SOLVER_DEFAULTS.rtol) * LOCAL_SHARE;
  const atol = (options.atol ?? SOLVER_DEFAULTS.atol) * LOCAL_SHARE;
  const maxSteps = options.maxSteps ?? SOLVER_DEFAULTS.maxSteps;
  const maxStep = options.maxStep ?? Number.POSITIVE_INFINITY;
  const n = y0.length;
  let y = [...y0];
  const result: SolverResult = { y, steps: 0, rejected: 0, evaluations: 0 };
  if (!(t1 > t0)) return result;

  const eval_ = (t: number, v: readonly number[]): number[] => {
    result.evaluations++;
    return f(t, v);
  };
  let k1 = eval_(t0, y);
  let h = Math.min(initialStep(eval_, t0, y, k1, t1 - t0, rtol, atol), maxStep);
  let t = t0;
  const k: number[][] = new Array(7);
  const stage = new Array<number>(n);
  let yNew: number[] = y;
  let attempts = 0;

  while (t < t1) {
    if (++attempts > maxSteps) throw new RangeError(`ODE solver: more than ${maxSteps} steps between t=${t0} and t=${t1}`);
    const last = t + h >= t1;
    if (last) h = t1 - t;
    k[0] = k1;
    for (let s = 1; s < 7; s++) {
      const row = A[s]!;
      for (let i = 0; i < n; i++) {
        let acc = y[i]!;
        for (let j = 0; j < s; j++) acc += h * row[j]! * k[j]![i]!;
        stage[i] = acc;
      }
      // Stage 7 is the fifth-order solution itself; its derivative is the next step's first stage (FSAL).
      if (s === 6) yNew = [...stage];
      k[s] = eval_(t + C[s]! * h, stage);
    }
    let errSq = 0;
    for (let i = 0; i < n; i++) {
      let e = 0;
      for (let s = 0; s < 7; s++) e += E[s]! * k[s]![i]!;
      const scale = atol + rtol * Math.max(Math.abs(y[i]!), Math.abs(yNew[i]!));
      errSq += ((h * e) / scale) ** 2;
    }
    const err = Math.sqrt(errSq / n);
    if (err <= 1) {
      t = last ? t1 : t + h;
      y = yNew;
      k1 = k[6]!;
      result.steps++;
      const factor = err === 0 ? MAX_FACTOR : Math.min(MAX_FACTOR, SAFETY * err ** (-1 / ORDER));
      h = Math.min(h * factor, maxStep);
    } else {
      result.rejected++;
      h *= Number.isFinite(err) ? Math.max(MIN_FACTOR, SAFETY * err ** (-1 / ORDER)) : MIN_FACTOR;
      if (h <= 10 * Number.EPSILON * Math.max(1, Math.abs(t))) throw new RangeError(`ODE solver: step size underflow at t=${t}`);
    }
  }
  result.y = y;
  return result;
}

/** Hairer's starting-step heuristic (II.4, "starting step size"), as SciPy's `select_initial_step`. */
function initialStep(
  f: Derivative,
  t0: number,
  y0: readonly number[],
  f0: readonly number[],
  span: number,
  rtol: number,
  atol: number,
): number {
  const n = y0.length;
  const norm = (v: readonly number[]): number => {
    let s = 0;
    for (let i = 0; i < n; i++) s += (v[i]! / (atol + Math.abs(y0[i]!) * rtol)) ** 2;
    return Math.sqrt(s / n);
  };
  const d0 = norm(y0);
  const d1 = norm(f0);
  let h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : (0.01 * d0) / d1;
  h0 = Math.min(h0, span);
  const y1 = y0.map((v, i) => v + h0 * f0[i]!);
  const f1 = f(t0 + h0, y1);
  const d2 = norm(f1.map((v, i) => v - f0[i]!)) / h0;
  const h1 = d1 <= 1e-15 && d2 <= 1e-15 ? Math.max(1e-6, h0 * 1e-3) : (0.01 / Math.max(d1, d2)) ** (1 / ORDER);
  return Math.min(100 * h0, h1, span);
}
