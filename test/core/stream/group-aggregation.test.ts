import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileExpression } from '../../../src/core/expr/compile.ts';
import { FieldStats } from '../../../src/core/stats/field-stats.ts';
import { findOutliers, type OutlierRuleName } from '../../../src/core/stats/outliers.ts';
import { ALL_GROUP, GroupAggregation, type GroupAggregationDef, type GroupResult } from '../../../src/core/stream/group-aggregation.ts';
import { metricValues, planMetrics, type MetricSpec } from '../../../src/core/stream/windowed-aggregate.ts';

interface Reading {
  device: string;
  ts: number;
  zone: string;
  line: number;
  power: number | string | null;
}

const METRICS: MetricSpec[] = [
  { name: 'n', function: 'count' },
  { name: 'total', function: 'sum', field: 'power' },
  { name: 'avg', function: 'avg', field: 'power' },
  { name: 'peak', function: 'max', field: 'power' },
  { name: 'median', function: 'median', field: 'power' },
  { name: 'p95', function: 'percentile', field: 'power', q: 0.95 },
  { name: 'sd', function: 'stddev', field: 'power' },
  { name: 'last', function: 'last', field: 'power' },
  { name: 'devices', function: 'distinct_count', field: 'device_id' },
];

const must = (text: string) => {
  const r = compileExpression(text);
  if (!r.ok) throw new Error(text);
  return r.expression;
};

function definition(dimensions: string[], lateness: number, rules: OutlierRuleName[]): GroupAggregationDef {
  return {
    dimensions,
    metrics: METRICS,
    windows: [
      { name: 'short', duration: 1000 },
      { name: 'long', duration: 5000 },
    ],
    kpis: [['spread', must('peak - avg')]],
    outliers: { field: 'power', rules },
    allowedLateness: lateness,
  };
}

type OutlierRow = [string, number, string, number, string];

function run(def: GroupAggregationDef, readings: readonly Reading[]) {
  const results: GroupResult[] = [];
  const outliers: OutlierRow[] = [];
  const agg = new GroupAggregation(def, {
    onResult: (r) => results.push(r),
    onOutlier: (w, start, _end, o) => outliers.push([w, start, o.device, o.value, o.rule]),
  });
  for (const r of readings) agg.add(r.device, r.ts, { zone: r.zone, line: r.line, power: r.power });
  agg.advance(Number.MAX_SAFE_INTEGER);
  return { results, outliers, agg };
}

/**
 * The straightforward reference: decide lateness reading by reading against the watermark so far, then bucket the
 * accepted readings by window, start and group, and compute each bucket's metrics from scratch in arrival order.
 */
function reference(def: GroupAggregationDef, readings: readonly Reading[]) {
  const plan = planMetrics(def.metrics);
  const results: GroupResult[] = [];
  const outliers: OutlierRow[] = [];
  let late = 0;
  for (const w of def.windows) {
    let maxTs = -Infinity;
    const buckets = new Map<number, Map<string, { dimensions: Record<string, unknown>; members: Reading[] }>>();
    const devices = new Map<number, Reading[]>();
    for (const r of readings) {
      const start = Math.floor(r.ts / w.duration) * w.duration;
      if (start + w.duration <= maxTs - (def.allowedLateness ?? 0)) late++;
      else {
        const groups = buckets.get(start) ?? new Map();
        buckets.set(start, groups);
        const names: [string, Record<string, unknown>][] = [[ALL_GROUP, {}]];
        if (def.dimensions.length > 0) {
          const dims = Object.fromEntries(def.dimensions.map((d) => [d, r[d as keyof Reading]]));
          names.push([def.dimensions.map((d) => `${d}=${String(dims[d])}`).join(','), dims]);
        }
        for (const [name, dimensions] of names) {
          if (!groups.has(name)) groups.set(name, { dimensions, members: [] });
          groups.get(name)!.members.push(r);
        }
        devices.set(start, [...(devices.get(start) ?? []), r]);
      }
      maxTs = Math.max(maxTs, r.ts);
    }
    for (const start of [...buckets.keys()].sort((a, b) => a - b)) {
      for (const [group, { dimensions, members }] of buckets.get(start)!) {
        const stats = plan.needs.map((n) => new FieldStats(n));
        for (const m of members) {
          plan.fields.forEach((f, i) => {
            const v = f === 'device_id' ? m.device : m[f as keyof Reading];
            if (v !== undefined && v !== null) stats[i]!.add(v, m.ts);
          });
        }
        const values = metricValues(def.metrics, plan.metricField, members.length, stats);
        for (const [name, e] of def.kpis) values[name] = e.evaluate((p) => values[p]);
        results.push({ window: w.name, group, dimensions, start, end: start + w.duration, count: members.length, values });
      }
      const sums = new Map<string, { sum: number; n: number }>();
      for (const r of devices.get(start)!) {
        const s = sums.get(r.device) ?? { sum: 0, n: 0 };
        sums.set(r.device, s);
        if (typeof r.power === 'number') {
          s.sum += r.power;
          s.n++;
        }
      }
      const means = new Map([...sums].filter(([, s]) => s.n > 0).map(([d, s]) => [d, s.sum / s.n]));
      for (const o of findOutliers(means, def.outliers!.rules, def.outliers!.threshold)) outliers.push([w.name, start, o.device, o.value, o.rule]);
    }
  }
  return { results, outliers, late };
}

const byWindowStartGroup = (a: GroupResult, b: GroupResult) => a.window.localeCompare(b.window) || a.start - b.start;

const reading = fc.record({
  device: fc.constantFrom('d1', 'd2', 'd3', 'd4', 'd5', 'd6'),
  ts: fc.integer({ min: 0, max: 20_000 }),
  zone: fc.constantFrom('a', 'b'),
  line: fc.constantFrom(1, 2),
  power: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: -100, max: 100 }) }, { weight: 1, arbitrary: fc.constantFrom('off', null) }),
});

describe('group aggregation', () => {
  it('property: the flat accumulator gives exactly the reference results, outliers and late count, in any arrival order', () => {
    fc.assert(
      fc.property(
        fc.array(reading, { maxLength: 120 }),
        fc.constantFrom<string[][]>([], ['zone'], ['zone', 'line']),
        fc.constantFrom(0, 700, 3000),
        fc.constantFrom<OutlierRuleName[]>(['zscore'], ['mad', 'iqr']),
        (readings, dimensions, lateness, rules) => {
          const def = definition(dimensions, lateness, rules);
          const fast = run(def, readings);
          const ref = reference(def, readings);
          // Within one window and start, groups come out in first-seen order with the whole group first.
          expect([...fast.results].sort(byWindowStartGroup)).toEqual([...ref.results].sort(byWindowStartGroup));
          expect([...fast.outliers].sort()).toEqual([...ref.outliers].sort());
          expect(fast.agg.late()).toBe(ref.late);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('given zones, when a window closes, then whole group, each zone, KPIs, latest and the MAD outlier', () => {
    const def: GroupAggregationDef = {
      dimensions: ['zone'],
      metrics: [{ name: 'avg_t', function: 'avg', field: 't' }],
      windows: [{ name: '1m', duration: 60_000 }],
      kpis: [['double', must('avg_t * 2')]],
      outliers: { field: 't', rules: ['mad'] },
    };
    const results: GroupResult[] = [];
    const outliers: string[] = [];
    const agg = new GroupAggregation(def, { onResult: (r) => results.push(r), onOutlier: (_w, _s, _e, o) => outliers.push(`${o.device}:${o.metric}`) });
    ['m1', 'm2', 'm3', 'm4'].forEach((d, i) => agg.add(d, 1000, { zone: 'a', t: 20 + i }));
    agg.add('m5', 2000, { zone: 'b', t: 95 });
    expect(agg.open('1m').map((r) => [r.group, r.count])).toEqual([['*', 5], ['zone=a', 4], ['zone=b', 1]]);
    expect(agg.open('nope')).toEqual([]);
    agg.add('m1', 61_000, { zone: 'a', t: 20 });
    expect(results.map((r) => [r.group, r.dimensions, r.values])).toEqual([
      ['*', {}, { avg_t: 36.2, double: 72.4 }],
      ['zone=a', { zone: 'a' }, { avg_t: 21.5, double: 43 }],
      ['zone=b', { zone: 'b' }, { avg_t: 95, double: 190 }],
    ]);
    expect(agg.latest.get('1m')!.get('zone=b')!.values.avg_t).toBe(95);
    expect(outliers).toEqual(['m5:t']);
    agg.add('m2', 0, { zone: 'a', t: 1 });
    expect(agg.late()).toBe(1);
  });

  it('allowed lateness keeps a window open past its end by event time and by the clock', () => {
    const results: GroupResult[] = [];
    const agg = new GroupAggregation(
      { dimensions: [], metrics: [{ name: 'n', function: 'count' }], windows: [{ name: 'w', duration: 1000 }], kpis: [], allowedLateness: 500 },
      { onResult: (r) => results.push(r), onOutlier: () => undefined },
    );
    agg.add('d', 900, {});
    agg.add('d', 1400, {});
    agg.add('d', 950, {}); // 450 ms late: still windowed
    expect(results).toEqual([]);
    agg.advance(1499);
    expect(results).toEqual([]);
    agg.advance(1500);
    expect(results.map((r) => [r.start, r.count])).toEqual([[0, 2]]);
    agg.add('d', 999, {});
    expect(agg.late()).toBe(1);
  });

  it('a KPI that cannot be computed is undefined, and many devices grow the per-device accumulators', () => {
    const results: GroupResult[] = [];
    const outliers: string[] = [];
    const agg = new GroupAggregation(
      { dimensions: [], metrics: [{ name: 'm', function: 'avg', field: 'v' }], windows: [{ name: 'w', duration: 1000 }], kpis: [['bad', must('m + unknown_fn_free')]], outliers: { field: 'v', rules: ['zscore'] } },
      { onResult: (r) => results.push(r), onOutlier: (_w, _s, _e, o) => outliers.push(o.device) },
    );
    for (let i = 0; i < 500; i++) agg.add(`d${i}`, 10, { v: i === 77 ? 1000 : 10 + (i % 3) });
    agg.advance(1000);
    expect(results[0]!.count).toBe(500);
    expect(results[0]!.values.bad).toBeUndefined();
    expect(outliers).toEqual(['d77']);
  });
});
