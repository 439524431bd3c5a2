import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SeriesBuffer } from '../../web/src/state/series-buffer.ts';

describe('SeriesBuffer', () => {
  it('averages values that fall into one bucket', () => {
    const b = new SeriesBuffer({ windowMs: 60_000, resolutionMs: 1000 });
    b.add(10_100, 1);
    b.add(10_900, 3);
    b.add(11_000, 10);
    expect(b.xs).toEqual([10_000, 11_000]);
    expect(b.ys).toEqual([2, 10]);
  });

  it('inserts late points in time order', () => {
    const b = new SeriesBuffer({ windowMs: 60_000, resolutionMs: 1000 });
    b.add(5000, 5);
    b.add(3000, 3);
    b.add(4000, 4);
    expect(b.xs).toEqual([3000, 4000, 5000]);
    expect(b.ys).toEqual([3, 4, 5]);
  });

  it('ignores non-finite values', () => {
    const b = new SeriesBuffer({ windowMs: 60_000, resolutionMs: 1000 });
    b.add(1000, Number.NaN);
    b.add(Number.NaN, 1);
    expect(b.length).toBe(0);
  });

  it('trims what left the window, measured from now or the newest point', () => {
    const b = new SeriesBuffer({ windowMs: 10_000, resolutionMs: 1000 });
    for (let t = 0; t <= 20_000; t += 1000) b.add(t, t);
    b.trim(15_000);
    expect(b.xs[0]).toBe(10_000);
    b.trim(25_000);
    expect(b.xs[0]).toBe(15_000);
  });

  it('stays sorted, bucket-aligned and bounded whatever the input order', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 100_000 }), fc.double({ noNaN: true, min: -1e6, max: 1e6 }))), (points) => {
        const b = new SeriesBuffer({ windowMs: 30_000, resolutionMs: 1000 });
        for (const [ts, v] of points) b.add(ts, v);
        b.trim(0);
        for (let i = 1; i < b.xs.length; i++) expect(b.xs[i]).toBeGreaterThan(b.xs[i - 1] as number);
        for (const x of b.xs) expect(x % 1000).toBe(0);
        expect(b.length).toBeLessThanOrEqual(31);
      }),
    );
  });
});
