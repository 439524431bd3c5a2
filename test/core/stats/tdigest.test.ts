import { describe, expect, it } from 'vitest';
import { TDigest } from '../../../src/core/stats/tdigest.ts';

function stream(n: number, shape: (u: number, v: number) => number): number[] {
  let x = 987654321;
  const next = () => ((x = (x * 1103515245 + 12345) % 2 ** 31), (x + 0.5) / 2 ** 31);
  return Array.from({ length: n }, () => shape(next(), next()));
}

const SHAPES = {
  uniform: (u: number) => u * 100,
  normal: (u: number, v: number) => 50 + 10 * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v),
  skewed: (u: number) => -Math.log(u) * 20,
} as const;

function rankError(sorted: number[], digest: TDigest, q: number): number {
  const estimate = digest.quantile(q);
  return Math.abs(sorted.filter((v) => v <= estimate).length / sorted.length - q);
}

describe('t-digest', () => {
  for (const [name, shape] of Object.entries(SHAPES)) {
    it(`${name}: rank error below 0.5 % at the median and the tails, added one by one or merged from parts`, () => {
      const values = stream(60_000, shape);
      const whole = new TDigest();
      for (const v of values) whole.add(v);
      const merged = new TDigest();
      for (let part = 0; part < 6; part++) {
        const d = new TDigest();
        for (const v of values.slice(part * 10_000, (part + 1) * 10_000)) d.add(v);
        merged.addDigest(d);
      }
      const sorted = [...values].sort((a, b) => a - b);
      for (const d of [whole, merged]) {
        expect(d.count).toBe(values.length);
        for (const q of [0.01, 0.1, 0.5, 0.9, 0.95, 0.99]) expect(rankError(sorted, d, q)).toBeLessThan(0.005);
      }
      expect(whole.quantile(0)).toBe(Math.min(...values));
      expect(whole.quantile(1)).toBe(Math.max(...values));
    });
  }

  it('stays small and survives a round trip through its state', () => {
    const d = new TDigest();
    for (const v of stream(100_000, SHAPES.uniform)) d.add(v);
    const state = d.state();
    expect(state.means.length).toBeLessThanOrEqual(2 * d.compression);
    const back = TDigest.from(JSON.parse(JSON.stringify(state)));
    for (const q of [0.05, 0.5, 0.95]) expect(back.quantile(q)).toBe(d.quantile(q));
  });

  it('equal values keep their order whichever way they come in: a mixed stream of duplicates gives exact ranks', () => {
    const d = new TDigest();
    for (let i = 0; i < 5000; i++) d.add(i % 3);
    expect(d.quantile(0.5)).toBe(1);
    expect(new TDigest().quantile(0.5)).toBeNaN();
  });
});
