import fc from 'fast-check';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { ErrorCode, TwinflowError } from '../../../src/core/errors.ts';
import {
  bucketStart,
  checkDownsampleOptions,
  downsample,
  type DownsampleAggregate,
  type DownsampleOptions,
  type TimedValue,
} from '../../../src/core/telemetry/downsample.ts';
import type { TelemetryValue } from '../../../src/core/types.ts';
import type { Aggregate } from '../../../src/ports.ts';

const AGGREGATES: readonly DownsampleAggregate[] = ['avg', 'min', 'max', 'sum', 'count', 'first', 'last'];

const series = (...pairs: [number, TelemetryValue][]): TimedValue[] => pairs.map(([ts, value]) => ({ ts, value }));

/** The rules of DESIGN.md §5.8 read as literally as possible, to hold the real implementation to. */
function reference(points: readonly TimedValue[], options: DownsampleOptions): TimedValue[] {
  const inRange = points.filter(
    (p) => (options.from === undefined || p.ts >= options.from) && (options.to === undefined || p.ts < options.to),
  );
  let out: TimedValue[] = inRange;
  if (options.every !== undefined) {
    const every = options.every;
    const groups = new Map<number, TimedValue[]>();
    for (const p of inRange) {
      const start = Math.floor(p.ts / every) * every;
      groups.set(start, [...(groups.get(start) ?? []), p]);
    }
    out = [];
    for (const start of [...groups.keys()].sort((a, b) => a - b)) {
      const members = groups.get(start) ?? [];
      const numbers: number[] = [];
      for (const m of members) {
        if (typeof m.value === 'number') numbers.push(m.value);
        if (typeof m.value === 'boolean') numbers.push(m.value ? 1 : 0);
      }
      const agg = options.agg ?? 'avg';
      if (agg === 'count') out.push({ ts: start, value: members.length });
      else if (agg === 'first') out.push({ ts: start, value: (members[0] as TimedValue).value });
      else if (agg === 'last') out.push({ ts: start, value: (members[members.length - 1] as TimedValue).value });
      else if (numbers.length > 0) {
        const sum = numbers.reduce((a, b) => a + b, 0);
        const value = { avg: sum / numbers.length, sum, min: Math.min(...numbers), max: Math.max(...numbers) }[agg];
        out.push({ ts: start, value });
      }
    }
  }
  if (options.limit !== undefined) out = options.limit === 0 ? [] : out.slice(-options.limit);
  return out;
}

const pointsArb = fc
  .uniqueArray(
    fc.record({
      ts: fc.integer({ min: -20_000, max: 20_000 }),
      value: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.string({ maxLength: 3 })),
    }),
    { selector: (p) => p.ts, maxLength: 80 },
  )
  .map((points) => [...points].sort((a, b) => a.ts - b.ts));

const optionsArb: fc.Arbitrary<DownsampleOptions> = fc.record(
  {
    from: fc.integer({ min: -25_000, max: 25_000 }),
    to: fc.integer({ min: -25_000, max: 25_000 }),
    every: fc.integer({ min: 1, max: 6_000 }),
    agg: fc.constantFrom(...AGGREGATES),
    limit: fc.integer({ min: 0, max: 30 }),
  },
  { requiredKeys: [] },
);

describe('downsample', () => {
  it('keeps Aggregate of ports.ts and the core union the same', () => {
    expectTypeOf<DownsampleAggregate>().toEqualTypeOf<Aggregate>();
  });

  it('given raw points, selects from (inclusive) to (exclusive) and keeps the latest `limit`, ascending', () => {
    const points = series([0, 1], [10, 2], [20, 3], [30, 4], [40, 5]);
    expect(downsample(points, { from: 10, to: 40 })).toEqual(series([10, 2], [20, 3], [30, 4]));
    expect(downsample(points, { limit: 2 })).toEqual(series([30, 4], [40, 5]));
    expect(downsample(points, { to: 30, limit: 2 })).toEqual(series([10, 2], [20, 3]));
    expect(downsample(points, { limit: 0 })).toEqual([]);
    expect(downsample(points, { from: 40, to: 10 })).toEqual([]);
    expect(downsample(points)).toEqual(points);
  });

  it('given every without agg, averages each bucket, counting booleans as 0/1 and skipping strings', () => {
    const points = series([0, 1], [5, true], [9, 'text'], [10, 'only text'], [20, false], [25, 4]);
    expect(downsample(points, { every: 10 })).toEqual(series([0, 1], [20, 2]));
  });

  it('given a bucket of strings only, leaves it out of avg/min/max/sum but keeps it for count/first/last', () => {
    const points = series([0, 3], [1, -2], [10, 'a'], [11, 'b']);
    expect(downsample(points, { every: 10, agg: 'min' })).toEqual(series([0, -2]));
    expect(downsample(points, { every: 10, agg: 'max' })).toEqual(series([0, 3]));
    expect(downsample(points, { every: 10, agg: 'sum' })).toEqual(series([0, 1]));
    expect(downsample(points, { every: 10, agg: 'count' })).toEqual(series([0, 2], [10, 2]));
    expect(downsample(points, { every: 10, agg: 'first' })).toEqual(series([0, 3], [10, 'a']));
    expect(downsample(points, { every: 10, agg: 'last' })).toEqual(series([0, -2], [10, 'b']));
  });

  it('puts negative timestamps into the bucket below them, not the one toward zero', () => {
    expect(bucketStart(-1, 10)).toBe(-10);
    expect(bucketStart(-10, 10)).toBe(-10);
    expect(bucketStart(-11, 10)).toBe(-20);
    expect(bucketStart(9, 10)).toBe(0);
    expect(bucketStart(1_700_000_123_456, 60_000)).toBe(1_700_000_100_000);
    expect(downsample(series([-15, 1], [-5, 2], [5, 3]), { every: 10, agg: 'count' })).toEqual(
      series([-20, 1], [-10, 1], [0, 1]),
    );
  });

  it('applies limit to buckets, after empty ones are left out', () => {
    const points = series([0, 1], [10, 2], [20, 'x'], [30, 4]);
    expect(downsample(points, { every: 10, agg: 'max', limit: 2 })).toEqual(series([10, 2], [30, 4]));
  });

  it('rejects bucket widths and limits that are not whole numbers, and a NaN bound', () => {
    const bad: DownsampleOptions[] = [
      { every: 0 },
      { every: -10 },
      { every: 1.5 },
      { every: Number.POSITIVE_INFINITY },
      { limit: -1 },
      { limit: 2.5 },
      { from: Number.NaN },
      { to: Number.NaN },
    ];
    for (const options of bad) {
      for (const attempt of [() => checkDownsampleOptions(options), () => downsample([], options)]) {
        let error: unknown;
        try {
          attempt();
        } catch (err) {
          error = err;
        }
        expect(error, JSON.stringify(options)).toBeInstanceOf(TwinflowError);
        expect((error as TwinflowError).code).toBe(ErrorCode.InvalidRequest);
      }
    }
  });

  it('agrees with a literal reading of the rules on any points and options', () => {
    fc.assert(
      fc.property(pointsArb, optionsArb, (points, options) => {
        expect(downsample(points, options)).toEqual(reference(points, options));
      }),
      { numRuns: 500 },
    );
  });

  it('partitions the points in range: bucket counts add up, bucket starts ascend by multiples of every', () => {
    fc.assert(
      fc.property(pointsArb, optionsArb, fc.integer({ min: 1, max: 6_000 }), (points, options, every) => {
        const { limit: _limit, ...unlimited } = options;
        const buckets = downsample(points, { ...unlimited, every, agg: 'count' });
        const inRange = downsample(points, { ...unlimited, every: undefined });
        expect(buckets.reduce((n, b) => n + (b.value as number), 0)).toBe(inRange.length);
        for (let i = 0; i < buckets.length; i++) {
          const b = buckets[i] as TimedValue;
          expect(Math.abs(b.ts % every)).toBe(0);
          if (i > 0) expect(b.ts).toBeGreaterThan((buckets[i - 1] as TimedValue).ts);
        }
      }),
      { numRuns: 300 },
    );
  });
});
