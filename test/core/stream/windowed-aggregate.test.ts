import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AggregateFunction, exactQuantile, FieldStats, needsOf } from '../../../src/core/stats/field-stats.ts';
import { windowStarts, type WindowSpec } from '../../../src/core/stream/window.ts';
import { WindowedAggregate, type MetricSpec, type WindowResult } from '../../../src/core/stream/windowed-aggregate.ts';

const ALL: MetricSpec[] = [
  { name: 'n', function: 'count' },
  { name: 'sum', function: 'sum', field: 'v' },
  { name: 'avg', function: 'avg', field: 'v' },
  { name: 'min', function: 'min', field: 'v' },
  { name: 'max', function: 'max', field: 'v' },
  { name: 'median', function: 'median', field: 'v' },
  { name: 'p90', function: 'percentile', field: 'v', q: 0.9 },
  { name: 'var', function: 'variance', field: 'v' },
  { name: 'sd', function: 'stddev', field: 'v' },
  { name: 'first', function: 'first', field: 'v' },
  { name: 'last', function: 'last', field: 'v' },
  { name: 'rate', function: 'rate', field: 'v' },
  { name: 'distinct', function: 'distinct_count', field: 'v' },
];

interface Ev {
  ts: number;
  key: string;
  v: number;
}

function run(window: WindowSpec, events: Ev[], options: { lateness?: number; metrics?: MetricSpec[] } = {}) {
  const out: WindowResult[] = [];
  const agg = new WindowedAggregate({ window, by: ['key'], metrics: options.metrics ?? ALL, allowedLateness: options.lateness ?? 0, emit: (r) => out.push(r) });
  const accepted: Ev[] = [];
  for (const e of events) {
    if (agg.add(e.ts, (f) => (f === 'key' ? e.key : f === 'v' ? e.v : undefined))) accepted.push(e);
  }
  agg.flushAll();
  return { out, agg, accepted };
}

/** The reference: every aggregate computed directly from the values, in arrival order for ties. */
function reference(events: Ev[]): Record<string, unknown> {
  const vs = events.map((e) => e.v);
  const sorted = [...vs].sort((a, b) => a - b);
  const mean = vs.reduce((a, b) => a + b, 0) / vs.length;
  const variance = vs.reduce((a, b) => a + (b - mean) ** 2, 0) / vs.length;
  const byTs = [...events].sort((a, b) => a.ts - b.ts);
  const lastTs = byTs[byTs.length - 1]!.ts;
  const firstEv = byTs[0]!;
  const lastEv = events.filter((e) => e.ts === lastTs).pop()!;
  const seconds = (lastTs - firstEv.ts) / 1000;
  return {
    n: vs.length,
    sum: vs.reduce((a, b) => a + b, 0),
    avg: mean,
    min: sorted[0],
    max: sorted[sorted.length - 1],
    median: exactQuantile(sorted, 0.5),
    p90: exactQuantile(sorted, 0.9),
    var: variance,
    sd: Math.sqrt(variance),
    first: firstEv.v,
    last: lastEv.v,
    rate: seconds > 0 ? (lastEv.v - firstEv.v) / seconds : undefined,
    distinct: new Set(vs).size,
  };
}

function expectClose(actual: Record<string, unknown>, expected: Record<string, unknown>) {
  for (const [k, v] of Object.entries(expected)) {
    if (typeof v === 'number') expect(actual[k], k).toBeCloseTo(v, 6);
    else expect(actual[k], k).toEqual(v);
  }
}

const events = (maxTs: number) =>
  fc.array(
    fc.record({ ts: fc.integer({ min: 0, max: maxTs }), key: fc.constantFrom('a', 'b', 'c'), v: fc.integer({ min: -50, max: 50 }) }),
    { minLength: 1, maxLength: 80 },
  );

describe('windows', () => {
  it('windowStarts: an instant falls in size/slide sliding windows, each containing it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 5 }), (ts, slide, k) => {
        const size = slide * k;
        const starts = windowStarts(size, slide, ts);
        expect(starts).toHaveLength(k);
        for (const s of starts) {
          expect(s % slide === 0).toBe(true);
          expect(s <= ts && ts < s + size).toBe(true);
        }
      }),
    );
  });

  it('property: tumbling windows partition in-order events exactly once and match the reference aggregates', () => {
    fc.assert(
      fc.property(events(10_000), fc.integer({ min: 1, max: 3000 }), (evs, size) => {
        const sorted = [...evs].sort((a, b) => a.ts - b.ts);
        const { out, agg } = run({ type: 'tumbling', size }, sorted);
        expect(agg.late).toBe(0);
        expect(out.reduce((a, r) => a + r.count, 0)).toBe(sorted.length);
        for (const r of out) {
          const members = sorted.filter((e) => e.key === r.key && e.ts >= r.start && e.ts < r.end);
          expect(r.end - r.start).toBe(size);
          expect(r.start % size).toBe(0);
          expectClose(r.values, reference(members));
        }
      }),
    );
  });

  it('property: sliding windows give each event to exactly the windows that contain it', () => {
    fc.assert(
      fc.property(events(5000), fc.integer({ min: 1, max: 500 }), fc.integer({ min: 1, max: 4 }), (evs, slide, k) => {
        const sorted = [...evs].sort((a, b) => a.ts - b.ts);
        const { out } = run({ type: 'sliding', size: slide * k, slide }, sorted);
        expect(out.reduce((a, r) => a + r.count, 0)).toBe(sorted.length * k);
        for (const r of out) {
          const members = sorted.filter((e) => e.key === r.key && e.ts >= r.start && e.ts < r.end);
          expect(r.count).toBe(members.length);
          expectClose(r.values, reference(members));
        }
      }),
    );
  });

  it('property: out of order within allowed lateness loses nothing; beyond it events are counted late and never windowed', () => {
    fc.assert(
      fc.property(events(10_000), fc.integer({ min: 100, max: 2000 }), fc.integer({ min: 0, max: 3000 }), (evs, size, lateness) => {
        const { out, agg, accepted } = run({ type: 'tumbling', size }, evs, { lateness });
        expect(accepted.length + agg.late).toBe(evs.length);
        expect(out.reduce((a, r) => a + r.count, 0)).toBe(accepted.length);
        // An event is late exactly when its window had ended by the watermark of the events before it.
        let maxTs = -Infinity;
        for (const e of evs) {
          const late = Math.floor(e.ts / size) * size + size <= maxTs - lateness;
          expect(accepted.includes(e)).toBe(!late);
          maxTs = Math.max(maxTs, e.ts);
        }
        for (const r of out) {
          const members = accepted.filter((e) => e.key === r.key && e.ts >= r.start && e.ts < r.end);
          expectClose(r.values, reference(members));
        }
        // Windows come out in order of end: the watermark only moves forward.
        for (const key of ['a', 'b', 'c']) {
          const ends = out.filter((r) => r.key === key).map((r) => r.end);
          expect(ends).toEqual([...ends].sort((a, b) => a - b));
        }
      }),
    );
  });

  it('property: sessions split exactly where the gap between a key’s events reaches the gap', () => {
    fc.assert(
      fc.property(events(5000), fc.integer({ min: 1, max: 800 }), (evs, gap) => {
        const { out } = run({ type: 'session', gap }, evs, { lateness: 1e9 });
        for (const key of ['a', 'b', 'c']) {
          const ts = evs.filter((e) => e.key === key).map((e) => e.ts).sort((a, b) => a - b);
          const expected: number[] = [];
          for (let i = 0; i < ts.length; i++) if (i === 0 || ts[i]! - ts[i - 1]! >= gap) expected.push(ts[i]!);
          const sessions = out.filter((r) => r.key === key).sort((a, b) => a.start - b.start);
          expect(sessions.map((s) => s.start)).toEqual(expected);
          for (const s of sessions) {
            const members = evs.filter((e) => e.key === key && e.ts >= s.start && e.ts < s.end);
            expect(s.count).toBe(members.length);
            expectClose(s.values, reference(members));
          }
        }
      }),
    );
  });

  it('count windows emit every N events per key', () => {
    const evs: Ev[] = Array.from({ length: 10 }, (_, i) => ({ ts: i * 10, key: i % 2 === 0 ? 'a' : 'b', v: i }));
    const { out } = run({ type: 'count', size: 2 }, evs, { metrics: [{ name: 'sum', function: 'sum', field: 'v' }] });
    expect(out.map((r) => [r.key, r.values.sum, r.start, r.end])).toEqual([
      ['a', 2, 0, 20],
      ['b', 4, 10, 30],
      ['a', 10, 40, 60],
      ['b', 12, 50, 70],
      ['a', 8, 80, 80],
      ['b', 9, 90, 90],
    ]);
  });

  it('closes windows by the clock when the stream is idle, and restores open windows from a snapshot', () => {
    const out: WindowResult[] = [];
    const make = () =>
      new WindowedAggregate({ window: { type: 'tumbling', size: 1000 }, by: ['key'], metrics: ALL, allowedLateness: 500, emit: (r) => out.push(r) });
    const a = make();
    a.add(100, (f) => (f === 'key' ? 'k' : 5));
    a.add(200, (f) => (f === 'key' ? 'k' : 7));
    expect([...a.open()].map((r) => r.values.avg)).toEqual([6]);
    const b = make();
    b.restore(JSON.parse(JSON.stringify(a.snapshot())));
    b.add(300, (f) => (f === 'key' ? 'k' : 9));
    b.advance(1499);
    expect(out).toEqual([]);
    b.advance(1500);
    expect(out.map((r) => [r.values.n, r.values.avg, r.values.median, r.values.first, r.values.last])).toEqual([[3, 7, 7, 5, 9]]);
  });
});

describe('aggregates beyond the exact limit', () => {
  it('switch to a t-digest past 10 000 values per window and key, within 0.5 % rank error', () => {
    const stats = new FieldStats(needsOf(['median', 'percentile']));
    const values: number[] = [];
    let x = 12345;
    for (let i = 0; i < 50_000; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      const v = (x / 2 ** 31) * 100;
      values.push(v);
      stats.add(v, i);
    }
    expect(stats.digest).toBeDefined();
    values.sort((a, b) => a - b);
    for (const q of [0.01, 0.1, 0.5, 0.9, 0.95, 0.99]) {
      const estimate = stats.result(AggregateFunction.Percentile, q) as number;
      const rank = values.filter((v) => v <= estimate).length / values.length;
      expect(Math.abs(rank - q)).toBeLessThan(0.005);
    }
  });

  it('merges exact and digested statistics', () => {
    const needs = needsOf(['median', 'variance', 'distinct_count']);
    const a = new FieldStats(needs);
    const b = new FieldStats(needs);
    for (let i = 0; i < 8000; i++) a.add(i, i);
    for (let i = 8000; i < 16000; i++) b.add(i, i);
    a.merge(b);
    expect(a.count).toBe(16000);
    expect(Math.abs((a.result('median') as number) - 8000)).toBeLessThan(80);
    expect(a.result('variance') as number).toBeCloseTo((16000 ** 2 - 1) / 12, 0);
    expect(a.result('distinct_count')).toBe(16000);
    const restored = FieldStats.fromJSON(needs, JSON.parse(JSON.stringify(a.toJSON())));
    expect(restored.result('median')).toBeCloseTo(a.result('median') as number, 6);
  });

  it('count, first, last and distinct_count take strings; numeric aggregates skip them', () => {
    const s = new FieldStats(needsOf(['distinct_count', 'avg']));
    s.add('on', 1);
    s.add('off', 2);
    s.add('on', 3);
    expect([s.result('count'), s.result('first'), s.result('last'), s.result('distinct_count'), s.result('avg'), s.result('rate')]).toEqual([
      3, 'on', 'on', 2, undefined, undefined,
    ]);
  });
});
