/** Small dense matrices as arrays of rows: enough linear algebra for Kalman filters and least squares. */

export type Matrix = number[][];
export type Vector = number[];

export function zeros(rows: number, cols: number): Matrix {
  return Array.from({ length: rows }, () => new Array<number>(cols).fill(0));
}

export function identity(n: number): Matrix {
  const m = zeros(n, n);
  for (let i = 0; i < n; i++) m[i]![i] = 1;
  return m;
}

export function transpose(a: Matrix): Matrix {
  const rows = a.length;
  const cols = a[0]?.length ?? 0;
  const t = zeros(cols, rows);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j]![i] = a[i]![j]!;
  return t;
}

export function multiply(a: Matrix, b: Matrix): Matrix {
  const n = a.length;
  const m = b[0]?.length ?? 0;
  const inner = b.length;
  const c = zeros(n, m);
  for (let i = 0; i < n; i++) {
    const ai = a[i]!;
    const ci = c[i]!;
    for (let k = 0; k < inner; k++) {
      const aik = ai[k]!;
      if (aik === 0) continue;
      const bk = b[k]!;
      for (let j = 0; j < m; j++) ci[j]! += aik * bk[j]!;
    }
  }
  return c;
}

export function add(a: Matrix, b: Matrix): Matrix {
  return a.map((row, i) => row.map((v, j) => v + b[i]![j]!));
}

export function subtract(a: Matrix, b: Matrix): Matrix {
  return a.map((row, i) => row.map((v, j) => v - b[i]![j]!));
}

export function scale(a: Matrix, s: number): Matrix {
  return a.map((row) => row.map((v) => v * s));
}

export function multiplyVector(a: Matrix, x: Vector): Vector {
  return a.map((row) => row.reduce((acc, v, j) => acc + v * x[j]!, 0));
}

export function column(x: Vector): Matrix {
  return x.map((v) => [v]);
}

/** The inverse by Gauss–Jordan elimination with partial pivoting; throws on a singular matrix. */
export function invert(a: Matrix): Matrix {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...identity(n)[i]!]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    const p = m[pivot]![col]!;
    if (p === 0 || !Number.isFinite(p)) throw new RangeError('matrix is singular');
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    const row = m[col]!;
    for (let j = 0; j < 2 * n; j++) row[j] = row[j]! / p;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r]![col]!;
      if (f === 0) continue;
      const target = m[r]!;
      for (let j = 0; j < 2 * n; j++) target[j] = target[j]! - f * row[j]!;
    }
  }
  return m.map((row) => row.slice(n));
}

/** (A + Aᵀ)/2: keeps covariances symmetric against rounding. */
export function symmetrize(a: Matrix): Matrix {
  return a.map((row, i) => row.map((v, j) => (v + a[j]![i]!) / 2));
}

/** True when every row has `cols` finite entries. */
export function isShape(a: unknown, rows: number, cols: number): a is Matrix {
  return (
    Array.isArray(a) &&
    a.length === rows &&
    a.every((row) => Array.isArray(row) && row.length === cols && row.every((v) => typeof v === 'number' && Number.isFinite(v)))
  );
}
