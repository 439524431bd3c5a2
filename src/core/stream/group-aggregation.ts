/**
 * Telemetry aggregation across device groups: for each named window (tumbling, e.g. 1m / 1h / 1d) and each
 * combination of dimension values (plus the whole group, `*`), the metrics over every reading of every device;
 * derived KPIs over the metrics; and per window the devices that stand out from their group (z-score, MAD, IQR)
 * on the mean of one field. Pure: event time in, results out through a callback.
 */
import type { CompiledExpression } from '../expr/compile.ts';
import { findOutliers, type Outlier, type OutlierRuleName } from '../stats/outliers.ts';
import { WindowedAggregate, type MetricSpec, type WindowResult } from './windowed-aggregate.ts';

export interface GroupAggregationDef {
  dimensions: readonly string[];
  metrics: readonly MetricSpec[];
  windows: readonly { name: string; duration: number }[];
  kpis: readonly (readonly [string, CompiledExpression])[];
  outliers?: { field: string; rules: readonly OutlierRuleName[]; threshold?: number };
  allowedLateness?: number;
}

export interface GroupResult {
  window: string;
  /** `*` for the whole group, else `dim=value,…`. */
  group: string;
  dimensions: Record<string, unknown>;
  start: number;
  end: number;
  count: number;
  values: Record<string, unknown>;
}

export interface GroupSinks {
  onResult: (result: GroupResult) => void;
  onOutlier: (window: string, start: number, end: number, outlier: Outlier & { metric: string }) => void;
}

interface WindowEntry {
  name: string;
  byGroup: WindowedAggregate;
  byDevice: WindowedAggregate | undefined;
  /** Per window start: each device's mean, waiting to be judged against its group. */
  pending: Map<number, Map<string, number>>;
}

export const ALL_GROUP = '*';
const GROUP_KEY = '__group';

export class GroupAggregation {
  readonly def: GroupAggregationDef;
  readonly #windows: WindowEntry[] = [];
  /** The latest closed result per window and group. */
  readonly latest = new Map<string, Map<string, GroupResult>>();
  #event: { device: string; group: string; dims: Record<string, unknown>; get: (f: string) => unknown } | undefined;
  readonly #get = (f: string): unknown => (f === GROUP_KEY ? this.#event!.group : this.#event!.get(f));

  readonly #sinks: GroupSinks;

  constructor(def: GroupAggregationDef, sinks: GroupSinks) {
    this.def = def;
    this.#sinks = sinks;
    for (const w of def.windows) {
      const latest = new Map<string, GroupResult>();
      this.latest.set(w.name, latest);
      const entry = { name: w.name, pending: new Map<number, Map<string, number>>() } as WindowEntry;
      const toResult = (r: WindowResult): GroupResult => {
        const group = String(r.group[GROUP_KEY]);
        const dimensions: Record<string, unknown> = {};
        for (const d of def.dimensions) if (Object.hasOwn(r.group, d)) dimensions[d] = r.group[d];
        const values = { ...r.values };
        for (const [name, e] of def.kpis) {
          try {
            values[name] = e.evaluate((p) => (Object.hasOwn(values, p) ? values[p] : undefined));
          } catch {
            values[name] = undefined;
          }
        }
        return { window: w.name, group, dimensions: group === ALL_GROUP ? {} : dimensions, start: r.start, end: r.end, count: r.count, values };
      };
      entry.byGroup = new WindowedAggregate({
        window: { type: 'tumbling', size: w.duration },
        by: [GROUP_KEY, ...def.dimensions],
        metrics: def.metrics,
        allowedLateness: def.allowedLateness ?? 0,
        emit: (r) => {
          const result = toResult(r);
          latest.set(result.group, result);
          sinks.onResult(result);
        },
      });
      const o = def.outliers;
      if (o !== undefined) {
        entry.byDevice = new WindowedAggregate({
          window: { type: 'tumbling', size: w.duration },
          by: ['device_id'],
          metrics: [{ name: 'mean', function: 'avg', field: o.field }],
          allowedLateness: def.allowedLateness ?? 0,
          emit: (r) => {
            const v = r.values.mean;
            if (typeof v !== 'number') return;
            let m = entry.pending.get(r.start);
            if (m === undefined) entry.pending.set(r.start, (m = new Map()));
            m.set(String(r.group.device_id), v);
          },
        });
      }
      this.#windows.push(entry);
    }
  }

  /** One reading of `device`; `get` reads its fields (metric fields and dimensions). */
  add(device: string, ts: number, get: (f: string) => unknown): void {
    const dims: Record<string, unknown> = {};
    let group = '';
    for (const d of this.def.dimensions) {
      const v = get(d);
      dims[d] = v;
      group += `${group === '' ? '' : ','}${d}=${String(v)}`;
    }
    const reading = (g: string) => ({ device, group: g, dims, get: (f: string) => (f === 'device_id' ? device : get(f)) });
    for (const w of this.#windows) {
      this.#event = reading(ALL_GROUP);
      // The whole-group row ignores dimensions: its key has them undefined.
      const whole = (f: string): unknown => (f === GROUP_KEY ? ALL_GROUP : this.def.dimensions.includes(f) ? undefined : this.#event!.get(f));
      w.byGroup.add(ts, whole);
      if (this.def.dimensions.length > 0) {
        this.#event = reading(group);
        w.byGroup.add(ts, this.#get);
      }
      w.byDevice?.add(ts, this.#event.get);
    }
    this.#flushOutliers();
  }

  advance(now: number): void {
    for (const w of this.#windows) {
      w.byGroup.advance(now);
      w.byDevice?.advance(now);
    }
    this.#flushOutliers();
  }

  /** Current values of the open windows (not yet closed), per window name and group. */
  open(window: string): GroupResult[] {
    const w = this.#windows.find((x) => x.name === window);
    if (w === undefined) return [];
    const out: GroupResult[] = [];
    for (const r of w.byGroup.open()) {
      out.push({ window, group: String(r.group[GROUP_KEY]), dimensions: {}, start: r.start, end: r.end, count: r.count, values: r.values });
    }
    return out;
  }

  late(): number {
    return this.#windows.reduce((a, w) => a + w.byGroup.late, 0);
  }

  #flushOutliers(): void {
    const o = this.def.outliers;
    if (o === undefined) return;
    for (const w of this.#windows) {
      if (w.pending.size === 0) continue;
      for (const [start, devices] of w.pending) {
        const duration = this.def.windows.find((x) => x.name === w.name)!.duration;
        for (const outlier of findOutliers(devices, o.rules, o.threshold)) this.#sinks.onOutlier(w.name, start, start + duration, { ...outlier, metric: o.field });
      }
      w.pending.clear();
    }
  }
}
