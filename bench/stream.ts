// In-process stream workflow and group statistics (DESIGN §9): `npm run bench -- stream`.
import { compileExpression } from '../src/core/expr/compile.ts';
import { GroupAggregation } from '../src/core/stream/group-aggregation.ts';
import { parsePattern } from '../src/core/stream/pattern-parse.ts';
import { StreamProcessor } from '../src/core/stream/processor.ts';
import { findOutliers } from '../src/core/stats/outliers.ts';
import { FieldStats, needsOf } from '../src/core/stats/field-stats.ts';
import { printTable, report } from './lib/report.ts';

const must = <T extends { ok: boolean }>(r: T) => {
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r as Extract<T, { ok: true }>;
};

function workflowRun(events: number, keys: number): void {
  let detected = 0;
  const p = new StreamProcessor(
    {
      name: 'bench',
      window: { type: 'tumbling', size: 60_000 },
      allowedLateness: 0,
      steps: [{ type: 'filter', when: must(compileExpression('temperature > 0 and temperature < 150')).expression }],
      aggregate: {
        by: ['device_id'],
        metrics: [
          { name: 'avg_temp', function: 'avg', field: 'temperature' },
          { name: 'max_temp', function: 'max', field: 'temperature' },
          { name: 'min_temp', function: 'min', field: 'temperature' },
        ],
      },
      patterns: [
        { name: 'temperature_anomaly', condition: must(parsePattern('max_temp - min_temp > 5 within 1m')).condition },
        { name: 'high_temperature', condition: must(parsePattern('avg_temp > 30 for 3 consecutive windows')).condition },
      ],
    },
    { onTransition: (t) => void (t.phase === 'detected' && detected++) },
  );
  const ids = Array.from({ length: keys }, (_, i) => `dev-${i}`);
  const fields = ids.map((id) => ({ device_id: id, temperature: 0 }));
  let x = 1;
  const t0 = performance.now();
  for (let i = 0; i < events; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const f = fields[i % keys]!;
    f.temperature = 20 + (x % 1500) / 100;
    p.push(i, f); // 1 event per ms of event time: a 1-minute window holds 60 events per key
  }
  const seconds = (performance.now() - t0) / 1000;
  report({ bench: 'workflow', events, keys, events_per_s: Math.round(events / seconds), windows: p.counters.results, detected, budget_events_per_s: 1_000_000, ok: events / seconds >= 1_000_000 });
}

function groupStats(devices: number): void {
  const values = new Map<string, number>();
  for (let i = 0; i < devices; i++) values.set(`d${i}`, 20 + Math.sin(i) * 2 + (i === 7 ? 40 : 0));
  const runs: number[] = [];
  for (let r = 0; r < 20; r++) {
    const t0 = performance.now();
    const s = new FieldStats(needsOf(['avg', 'median', 'percentile']));
    for (const v of values.values()) s.add(v, 0);
    s.result('avg');
    s.result('median');
    s.result('percentile', 0.95);
    findOutliers(values, ['zscore']);
    runs.push(performance.now() - t0);
  }
  runs.sort((a, b) => a - b);
  report({ bench: 'group_stats', devices, median_ms: runs[10]!, budget_ms: 5, ok: runs[10]! <= 5 });
}

function groupReadings(readings: number, devices: number): void {
  const agg = new GroupAggregation(
    {
      dimensions: ['zone'],
      metrics: [
        { name: 'avg', function: 'avg', field: 'power' },
        { name: 'median', function: 'median', field: 'power' },
        { name: 'p95', function: 'percentile', field: 'power', q: 0.95 },
      ],
      windows: [{ name: '1m', duration: 60_000 }],
      kpis: [],
      outliers: { field: 'power', rules: ['zscore'] },
    },
    { onResult: () => undefined, onOutlier: () => undefined },
  );
  const zones = ['a', 'b', 'c', 'd'];
  const ids = Array.from({ length: devices }, (_, d) => `d${d}`);
  // One record per device, updated in place, as a mapped reading arrives: the bench measures the aggregation.
  const records = ids.map((_, d) => ({ zone: zones[d % 4], power: 0 }));
  let x = 7;
  const t0 = performance.now();
  for (let i = 0; i < readings; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const d = i % devices;
    const r = records[d]!;
    r.power = 100 + (x % 1000) / 10;
    agg.add(ids[d]!, Math.floor(i / 100), r);
  }
  agg.advance(1e12);
  const seconds = (performance.now() - t0) / 1000;
  report({ bench: 'group_readings', readings, devices, seconds, budget_s: 2, ok: seconds <= 2 });
}

workflowRun(200_000, 1000); // warm-up
workflowRun(3_000_000, 1000);
groupStats(1000);
groupReadings(1_000_000, 10_000);
printTable();
