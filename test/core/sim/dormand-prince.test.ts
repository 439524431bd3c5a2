import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { integrate } from '../../../src/core/sim/dormand-prince.ts';

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

describe('Dormand–Prince 5(4)', () => {
  it('integrates exponential decay to 1e-6 relative at the default tolerances', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 5, noNaN: true }), fc.double({ min: 0.1, max: 20, noNaN: true }), (k, t) => {
        const { y } = integrate((_t, v) => [-k * v[0]!], 0, [1], t);
        // Where exp(−kt) falls under atol/rtol = 1e-3, the absolute tolerance governs.
        expect(Math.abs(y[0]! - Math.exp(-k * t)) / Math.max(Math.exp(-k * t), 1e-3)).toBeLessThan(1e-6);
      }),
    );
  });

  it('integrates the harmonic oscillator over ten periods to 1e-6', () => {
    const t1 = 20 * Math.PI;
    const { y, steps } = integrate((_t, v) => [v[1]!, -v[0]!], 0, [1, 0], t1);
    expect(Math.abs(y[0]! - Math.cos(t1))).toBeLessThan(1e-6);
    expect(Math.abs(y[1]! + Math.sin(t1))).toBeLessThan(1e-6);
    expect(steps).toBeGreaterThan(10);
  });

  it('is exact (to rounding) on polynomials of degree ≤ 4 in one step', () => {
    const { y } = integrate((t) => [4 * t ** 3 - 3 * t ** 2 + 1], 0, [2], 1.5);
    expect(y[0]!).toBeCloseTo(2 + 1.5 ** 4 - 1.5 ** 3 + 1.5, 12);
  });

  it('returns the start for an empty span and rejects a runaway solution', () => {
    expect(integrate((_t, v) => [v[0]!], 3, [7], 3).y).toEqual([7]);
    expect(() => integrate((_t, v) => [v[0]! ** 2], 0, [1], 2, { maxSteps: 2000 })).toThrow(RangeError);
  });

  it('tightens with the tolerance', () => {
    const loose = integrate((_t, v) => [-v[0]!], 0, [1], 10, { rtol: 1e-3, atol: 1e-6 });
    const tight = integrate((_t, v) => [-v[0]!], 0, [1], 10, { rtol: 1e-10, atol: 1e-13 });
    expect(tight.steps).toBeGreaterThan(loose.steps);
    expect(rel(tight.y[0]!, Math.exp(-10))).toBeLessThan(1e-9);
  });
});
