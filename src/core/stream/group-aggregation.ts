/**
 * Telemetry aggregation across device groups: for each named window (tumbling, e.g. 1m / 1h / 1d) and each
 * combination of dimension values (plus the whole group, `*`), the metrics over every reading of every device;
 * derived KPIs over the metrics; and per window the devices that stand out from their group (z-score, MAD, IQR)
 * on the mean of one field. Pure: event time in, results out through a callback.
 *
 * This path carries every reading of a fleet (DESIGN §9: 1 000 000 readings over 10 000 devices in ≤ 2 s), so it
 * is flat: one accumulator per open window holding the groups by an interned index and each device's sum and count
 * in typed arrays. A reading resolves its dimension combination and device once, costs no closure and no object,
 * and the outliers are judged once per window close from the per-device sums.
 */
import type { CompiledExpression } from '../expr/compile.ts';
import { FieldStats, type Needs } from '../stats/field-stats.ts';
import { findOutliers, type Outlier, type OutlierRuleName } from '../stats/outliers.ts';
import { metricValues, planMetrics, type MetricSpec } from './windowed-aggregate.ts';

export interface GroupAggregationDef {
  dimensions: readonly string[];
  metrics: readonly MetricSpec[];
  windows: readonly { name: string; duration: number }[];
  kpis: readonly (readonly [string, CompiledExpression])[];
  outliers?: { field: string; rules: readonly OutlierRuleName[]; threshold?: number };
  /** How far behind the greatest event time a reading may arrive and still be windowed. @default 0 */
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

/** One reading's fields (metric fields and dimensions); `device_id` is the device passed alongside. */
export type GroupReading = Readonly<Record<string, unknown>>;

export const ALL_GROUP = '*';

interface Combo {
  group: string;
  dimensions: Record<string, unknown>;
}

interface GroupAcc {
  combo: number;
  count: number;
  stats: FieldStats[];
}

/** One open window of one named window: its groups and, for outliers, each device's sum and count. */
interface Slot {
  start: number;
  end: number;
  /** By combo index; `order` keeps first-seen order (the whole group first) for emission. */
  groups: (GroupAcc | undefined)[];
  order: GroupAcc[];
  devSum: Float64Array;
  devCount: Float64Array;
  devSeen: Uint8Array;
  devOrder: number[];
}

interface WindowEntry {
  name: string;
  duration: number;
  /** Open windows, ascending by start (one or two in practice). */
  slots: Slot[];
  late: number;
}

const INITIAL_DEVICES = 64;

export class GroupAggregation {
  readonly def: GroupAggregationDef;
  /** The latest closed result per window and group. */
  readonly latest = new Map<string, Map<string, GroupResult>>();
  readonly #sinks: GroupSinks;
  readonly #windows: WindowEntry[];
  readonly #fields: readonly string[];
  readonly #needs: readonly Needs[];
  readonly #metricField: readonly number[];
  /** The current reading's metric field values, read once and shared by every window and group. */
  readonly #values: unknown[];
  readonly #lateness: number;
  /** Combination index 0 is the whole group; the tree maps raw dimension values, level by level, to an index. */
  readonly #combos: Combo[] = [{ group: ALL_GROUP, dimensions: {} }];
  readonly #comboByName = new Map<string, number>([[ALL_GROUP, 0]]);
  readonly #comboTree = new Map<unknown, unknown>();
  readonly #deviceIndex = new Map<string, number>();
  readonly #deviceNames: string[] = [];
  #maxTs = -Infinity;
  #watermark = -Infinity;

  constructor(def: GroupAggregationDef, sinks: GroupSinks) {
    this.def = def;
    this.#sinks = sinks;
    this.#lateness = def.allowedLateness ?? 0;
    const plan = planMetrics(def.metrics);
    this.#fields = plan.fields;
    this.#needs = plan.needs;
    this.#metricField = plan.metricField;
    this.#values = new Array<unknown>(plan.fields.length);
    this.#windows = def.windows.map((w) => ({ name: w.name, duration: w.duration, slots: [], late: 0 }));
    for (const w of def.windows) this.latest.set(w.name, new Map());
  }

  /** One reading of `device` at event time `ts`. */
  add(device: string, ts: number, reading: GroupReading): void {
    const fields = this.#fields;
    const values = this.#values;
    for (let i = 0; i < fields.length; i++) values[i] = read(reading, device, fields[i]!);
    const combo = this.def.dimensions.length === 0 ? -1 : this.#comboOf(reading, device);
    const outliers = this.def.outliers;
    let dev = -1;
    let sample: unknown;
    if (outliers !== undefined) {
      dev = this.#deviceOf(device);
      sample = read(reading, device, outliers.field);
    }
    const windows = this.#windows;
    for (let w = 0; w < windows.length; w++) {
      const entry = windows[w]!;
      const d = entry.duration;
      const start = ts - (((ts % d) + d) % d);
      if (start + d <= this.#watermark) {
        entry.late++;
        continue;
      }
      const slot = this.#slot(entry, start);
      this.#addTo(slot, 0, ts);
      if (combo >= 0) this.#addTo(slot, combo, ts);
      if (dev >= 0) {
        if (dev >= slot.devSeen.length) grow(slot, this.#deviceNames.length);
        if (slot.devSeen[dev] === 0) {
          slot.devSeen[dev] = 1;
          slot.devOrder.push(dev);
        }
        if (typeof sample === 'number') {
          slot.devSum[dev] = slot.devSum[dev]! + sample;
          slot.devCount[dev] = slot.devCount[dev]! + 1;
        }
      }
    }
    if (ts > this.#maxTs) {
      this.#maxTs = ts;
      this.#advanceTo(ts - this.#lateness);
    }
  }

  /** The clock moved: windows whose end is at least `allowedLateness` in the past are closed. */
  advance(now: number): void {
    this.#advanceTo(now - this.#lateness);
  }

  /** Current values of the open windows (not yet closed), per window name and group. */
  open(window: string): GroupResult[] {
    const entry = this.#windows.find((x) => x.name === window);
    if (entry === undefined) return [];
    const out: GroupResult[] = [];
    for (const slot of entry.slots) for (const acc of slot.order) out.push(this.#result(entry, slot, acc));
    return out;
  }

  /** Readings that arrived after their window had closed, summed over the named windows. */
  late(): number {
    let n = 0;
    for (const w of this.#windows) n += w.late;
    return n;
  }

  #comboOf(reading: GroupReading, device: string): number {
    const dims = this.def.dimensions;
    let node = this.#comboTree;
    const last = dims.length - 1;
    for (let i = 0; i < last; i++) {
      const v = read(reading, device, dims[i]!);
      let next = node.get(v) as Map<unknown, unknown> | undefined;
      if (next === undefined) node.set(v, (next = new Map()));
      node = next;
    }
    const v = read(reading, device, dims[last]!);
    const index = node.get(v) as number | undefined;
    if (index !== undefined) return index;
    // A new combination of raw values; values that print alike (1 and "1") share one group, as their names do.
    const dimensions: Record<string, unknown> = {};
    let group = '';
    for (const d of dims) {
      const x = read(reading, device, d);
      dimensions[d] = x;
      group += `${group === '' ? '' : ','}${d}=${String(x)}`;
    }
    let canonical = this.#comboByName.get(group);
    if (canonical === undefined) {
      canonical = this.#combos.push({ group, dimensions }) - 1;
      this.#comboByName.set(group, canonical);
    }
    node.set(v, canonical);
    return canonical;
  }

  #deviceOf(device: string): number {
    let i = this.#deviceIndex.get(device);
    if (i === undefined) {
      i = this.#deviceNames.push(device) - 1;
      this.#deviceIndex.set(device, i);
    }
    return i;
  }

  #slot(entry: WindowEntry, start: number): Slot {
    const slots = entry.slots;
    for (let i = slots.length - 1; i >= 0; i--) if (slots[i]!.start === start) return slots[i]!;
    const size = this.def.outliers === undefined ? 0 : Math.max(INITIAL_DEVICES, this.#deviceNames.length);
    const slot: Slot = {
      start,
      end: start + entry.duration,
      groups: [],
      order: [],
      devSum: new Float64Array(size),
      devCount: new Float64Array(size),
      devSeen: new Uint8Array(size),
      devOrder: [],
    };
    let i = slots.length;
    while (i > 0 && slots[i - 1]!.start > start) i--;
    slots.splice(i, 0, slot);
    return slot;
  }

  #addTo(slot: Slot, combo: number, ts: number): void {
    let acc = slot.groups[combo];
    if (acc === undefined) {
      acc = { combo, count: 0, stats: this.#needs.map((n) => new FieldStats(n)) };
      slot.groups[combo] = acc;
      slot.order.push(acc);
    }
    acc.count++;
    const values = this.#values;
    const stats = acc.stats;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v !== undefined && v !== null) stats[i]!.add(v, ts);
    }
  }

  #advanceTo(watermark: number): void {
    if (watermark <= this.#watermark) return;
    this.#watermark = watermark;
    for (const entry of this.#windows) {
      const slots = entry.slots;
      while (slots.length > 0 && slots[0]!.end <= watermark) this.#close(entry, slots.shift()!);
    }
  }

  #close(entry: WindowEntry, slot: Slot): void {
    const latest = this.latest.get(entry.name)!;
    for (const acc of slot.order) {
      const result = this.#result(entry, slot, acc);
      latest.set(result.group, result);
      this.#sinks.onResult(result);
    }
    const o = this.def.outliers;
    if (o === undefined) return;
    const means = new Map<string, number>();
    for (const dev of slot.devOrder) {
      const n = slot.devCount[dev]!;
      if (n > 0) means.set(this.#deviceNames[dev]!, slot.devSum[dev]! / n);
    }
    for (const outlier of findOutliers(means, o.rules, o.threshold)) this.#sinks.onOutlier(entry.name, slot.start, slot.end, { ...outlier, metric: o.field });
  }

  #result(entry: WindowEntry, slot: Slot, acc: GroupAcc): GroupResult {
    const combo = this.#combos[acc.combo]!;
    const values = metricValues(this.def.metrics, this.#metricField, acc.count, acc.stats);
    for (const [name, e] of this.def.kpis) {
      try {
        values[name] = e.evaluate((p) => (Object.hasOwn(values, p) ? values[p] : undefined));
      } catch {
        values[name] = undefined;
      }
    }
    return { window: entry.name, group: combo.group, dimensions: { ...combo.dimensions }, start: slot.start, end: slot.end, count: acc.count, values };
  }
}

function read(reading: GroupReading, device: string, field: string): unknown {
  return field === 'device_id' ? device : reading[field];
}

/** Makes room for every device known so far (doubling, so growth is amortised). */
function grow(slot: Slot, devices: number): void {
  const size = Math.max(devices, slot.devSeen.length * 2);
  const sum = new Float64Array(size);
  sum.set(slot.devSum);
  const count = new Float64Array(size);
  count.set(slot.devCount);
  const seen = new Uint8Array(size);
  seen.set(slot.devSeen);
  slot.devSum = sum;
  slot.devCount = count;
  slot.devSeen = seen;
}
