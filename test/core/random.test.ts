import { describe, expect, it } from 'vitest';
import { gaussian, seededRandom } from '../../src/core/random.ts';

describe('seeded randomness', () => {
  it('repeats for a seed and differs between seeds', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(xs);
  });

  it('is uniform on [0, 1): mean 1/2 and variance 1/12 within sampling error', () => {
    const r = seededRandom(7);
    const n = 100_000;
    const xs = Array.from({ length: n }, () => r());
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((s, x) => s + x, 0) / n;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / n;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.002);
  });

  it('gives standard normal deviates: mean 0, variance 1, 95 % within ±1.96', () => {
    const r = seededRandom(11);
    const n = 100_000;
    const xs = Array.from({ length: n }, () => gaussian(r));
    const mean = xs.reduce((s, x) => s + x, 0) / n;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / n;
    const inside = xs.filter((x) => Math.abs(x) < 1.96).length / n;
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(variance - 1)).toBeLessThan(0.02);
    expect(Math.abs(inside - 0.95)).toBeLessThan(0.005);
  });
});
