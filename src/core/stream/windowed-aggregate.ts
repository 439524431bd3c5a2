/**
 * A keyed, windowed aggregate in event time. The watermark is the greatest event time seen (or the clock, when
 * told) minus `allowedLateness`; a window is emitted once the watermark reaches its end, and an event whose every
 * window has already been emitted is late: counted, never windowed.
 */
import { AggregateFunction, FieldStats, needsOf, type FieldStatsState, type Needs } from '../stats/field-stats.ts';
import { windowStarts, WindowType, type WindowSpec } from './window.ts';

export interface MetricSpec {
  name: string;
  function: AggregateFunction;
  /** Absent (or `*`) only for `count`: counts events. */
  field?: string;
  /** For `percentile`. */
  q?: number;
}

export interface WindowResult {
  /** The group-by values joined; '' without `by`. */
  key: string;
  group: Readonly<Record<string, unknown>>;
  start: number;
  end: number;
  count: number;
  values: Record<string, unknown>;
}

export interface WindowedAggregateOptions {
  window: WindowSpec;
  by: readonly string[];
  metrics: readonly MetricSpec[];
  allowedLateness: number;
  emit: (result: WindowResult) => void;
}

interface Acc {
  key: string;
  start: number;
  end: number;
  count: number;
  stats: FieldStats[];
}

interface KeyState {
  group: Record<string, unknown>;
  windows: Acc[];
}

export interface WindowedAggregateState {
  maxTs: number;
  watermark: number;
  late: number;
  keys: { key: string; group: Record<string, unknown>; windows: { start: number; end: number; count: number; stats: FieldStatsState[] }[] }[];
}

const KEY_SEPARATOR = '\u001f';

/** Which fields a set of metrics reads (each once) and what each field's statistics must keep. */
export interface MetricPlan {
  fields: string[];
  needs: Needs[];
  /** Per metric: index into `fields`, or -1 for an event count. */
  metricField: number[];
}

export function planMetrics(metrics: readonly MetricSpec[]): MetricPlan {
  const fields: string[] = [];
  const fnsByField: AggregateFunction[][] = [];
  const metricField = metrics.map((m) => {
    if (m.field === undefined || m.field === '*') return -1;
    let i = fields.indexOf(m.field);
    if (i < 0) {
      i = fields.push(m.field) - 1;
      fnsByField.push([]);
    }
    fnsByField[i]!.push(m.function);
    return i;
  });
  return { fields, needs: fnsByField.map((fns) => needsOf(fns)), metricField };
}

/** The value of each metric from one window's statistics. */
export function metricValues(metrics: readonly MetricSpec[], metricField: readonly number[], count: number, stats: readonly FieldStats[]): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (let i = 0; i < metrics.length; i++) {
    const m = metrics[i]!;
    const f = metricField[i]!;
    values[m.name] = f < 0 ? count : stats[f]!.result(m.function, m.q);
  }
  return values;
}

export class WindowedAggregate {
  readonly #o: WindowedAggregateOptions;
  readonly #fields: string[];
  readonly #needs: Needs[];
  /** Per metric: index into #fields, or -1 for an event count. */
  readonly #metricField: number[];
  readonly #keys = new Map<string, KeyState>();
  /** Open time windows by end, and the ends in ascending order, so closing is cheap for many keys. */
  readonly #byEnd = new Map<number, Acc[]>();
  #ends: number[] = [];
  readonly #size: number;
  readonly #slide: number;
  #maxTs = -Infinity;
  #watermark = -Infinity;
  /** Events that arrived after all their windows were emitted. */
  late = 0;

  constructor(options: WindowedAggregateOptions) {
    this.#o = options;
    const plan = planMetrics(options.metrics);
    this.#metricField = plan.metricField;
    this.#fields = plan.fields;
    this.#needs = plan.needs;
    const w = options.window;
    this.#size = w.type === WindowType.Tumbling || w.type === WindowType.Sliding ? w.size : 0;
    this.#slide = w.type === WindowType.Sliding ? w.slide : this.#size;
  }

  get watermark(): number {
    return this.#watermark;
  }

  /** The fields the metrics read, each once. */
  get fields(): readonly string[] {
    return this.#fields;
  }

  /** Adds one event; `get` reads a field of it. Returns false when the event is late. */
  add(ts: number, get: (field: string) => unknown): boolean {
    const by = this.#o.by;
    let key = '';
    if (by.length === 1) key = String(get(by[0]!));
    else if (by.length > 1) key = by.map((b) => String(get(b))).join(KEY_SEPARATOR);
    let state = this.#keys.get(key);
    const w = this.#o.window;
    if (w.type === WindowType.Count) {
      if (state === undefined) state = this.#newKey(key, by, get);
      let acc = state.windows[0];
      if (acc === undefined) {
        acc = this.#newAcc(key, ts, ts);
        state.windows.push(acc);
      }
      acc.end = Math.max(acc.end, ts);
      acc.start = Math.min(acc.start, ts);
      this.#addTo(acc, ts, get);
      if (acc.count >= w.size) {
        state.windows.length = 0;
        this.#emit(acc, state);
      }
      return true;
    }
    if (w.type === WindowType.Session) return this.#addSession(key, state, ts, get, w.gap);
    const wm = this.#watermark;
    if (Math.floor(ts / this.#slide) * this.#slide + this.#size <= wm) {
      this.late++;
      return false;
    }
    if (state === undefined) state = this.#newKey(key, by, get);
    if (this.#slide === this.#size) {
      this.#addTime(state, key, ts - (((ts % this.#size) + this.#size) % this.#size), ts, get);
    } else {
      for (const start of windowStarts(this.#size, this.#slide, ts)) {
        if (start + this.#size > wm) this.#addTime(state, key, start, ts, get);
      }
    }
    if (ts > this.#maxTs) {
      this.#maxTs = ts;
      this.#advanceTo(ts - this.#o.allowedLateness);
    }
    return true;
  }

  /** Moves the watermark by the clock: windows whose end is at least `allowedLateness` in the past are emitted. */
  advance(now: number): void {
    this.#advanceTo(now - this.#o.allowedLateness);
  }

  /** Emits every open window (shutdown of a workflow that is not coming back). */
  flushAll(): void {
    this.#advanceTo(Infinity);
    for (const [, state] of this.#keys) {
      for (const acc of state.windows.splice(0)) this.#emit(acc, state);
    }
  }

  /** The open windows' current values, for live views. */
  *open(): Iterable<WindowResult> {
    for (const [, state] of this.#keys) for (const acc of state.windows) yield this.#result(acc, state);
  }

  snapshot(): WindowedAggregateState {
    return {
      maxTs: Number.isFinite(this.#maxTs) ? this.#maxTs : -1e300,
      watermark: Number.isFinite(this.#watermark) ? this.#watermark : -1e300,
      late: this.late,
      keys: [...this.#keys].map(([key, s]) => ({
        key,
        group: s.group,
        windows: s.windows.map((a) => ({ start: a.start, end: a.end, count: a.count, stats: a.stats.map((f) => f.toJSON()) })),
      })),
    };
  }

  restore(state: WindowedAggregateState): void {
    this.#maxTs = state.maxTs;
    this.#watermark = state.watermark;
    this.late = state.late;
    for (const k of state.keys) {
      const ks: KeyState = { group: k.group, windows: [] };
      this.#keys.set(k.key, ks);
      for (const w of k.windows) {
        const acc: Acc = { key: k.key, start: w.start, end: w.end, count: w.count, stats: w.stats.map((s, i) => FieldStats.fromJSON(this.#needs[i]!, s)) };
        ks.windows.push(acc);
        if (this.#size > 0) this.#index(acc);
      }
    }
  }

  #newKey(key: string, by: readonly string[], get: (field: string) => unknown): KeyState {
    const group: Record<string, unknown> = {};
    for (const b of by) group[b] = get(b);
    const state: KeyState = { group, windows: [] };
    this.#keys.set(key, state);
    return state;
  }

  #newAcc(key: string, start: number, end: number): Acc {
    return { key, start, end, count: 0, stats: this.#needs.map((n) => new FieldStats(n)) };
  }

  #addTo(acc: Acc, ts: number, get: (field: string) => unknown): void {
    acc.count++;
    const fields = this.#fields;
    for (let i = 0; i < fields.length; i++) {
      const v = get(fields[i]!);
      if (v !== undefined && v !== null) acc.stats[i]!.add(v, ts);
    }
  }

  #addTime(state: KeyState, key: string, start: number, ts: number, get: (field: string) => unknown): void {
    const windows = state.windows;
    let acc: Acc | undefined;
    for (let i = 0; i < windows.length; i++) {
      if (windows[i]!.start === start) {
        acc = windows[i];
        break;
      }
    }
    if (acc === undefined) {
      acc = this.#newAcc(key, start, start + this.#size);
      windows.push(acc);
      this.#index(acc);
    }
    this.#addTo(acc, ts, get);
  }

  #index(acc: Acc): void {
    const list = this.#byEnd.get(acc.end);
    if (list !== undefined) {
      list.push(acc);
      return;
    }
    this.#byEnd.set(acc.end, [acc]);
    const ends = this.#ends;
    let i = ends.length;
    while (i > 0 && ends[i - 1]! > acc.end) i--;
    ends.splice(i, 0, acc.end);
  }

  #addSession(key: string, existing: KeyState | undefined, ts: number, get: (field: string) => unknown, gap: number): boolean {
    if (ts + gap <= this.#watermark) {
      this.late++;
      return false;
    }
    const state = existing ?? this.#newKey(key, this.#o.by, get);
    // A session covers [first event, last event + gap); an event within the gap of one joins it, and may bridge two.
    const touching = state.windows.filter((s) => ts < s.end && ts > s.start - gap);
    let acc: Acc;
    if (touching.length === 0) {
      acc = this.#newAcc(key, ts, ts + gap);
      state.windows.push(acc);
    } else {
      acc = touching[0]!;
      for (const other of touching.slice(1)) {
        for (let i = 0; i < acc.stats.length; i++) acc.stats[i]!.merge(other.stats[i]!);
        acc.count += other.count;
        acc.start = Math.min(acc.start, other.start);
        acc.end = Math.max(acc.end, other.end);
        state.windows.splice(state.windows.indexOf(other), 1);
      }
      acc.start = Math.min(acc.start, ts);
      acc.end = Math.max(acc.end, ts + gap);
    }
    this.#addTo(acc, ts, get);
    if (ts > this.#maxTs) {
      this.#maxTs = ts;
      this.#advanceTo(ts - this.#o.allowedLateness);
    }
    return true;
  }

  #advanceTo(watermark: number): void {
    if (watermark <= this.#watermark) return;
    this.#watermark = watermark;
    const type = this.#o.window.type;
    if (type === WindowType.Session) {
      for (const [, state] of this.#keys) {
        const due = state.windows.filter((s) => s.end <= watermark).sort((a, b) => a.start - b.start);
        if (due.length === 0) continue;
        state.windows = state.windows.filter((s) => s.end > watermark);
        for (const acc of due) this.#emit(acc, state);
      }
      return;
    }
    if (type === WindowType.Count) return;
    while (this.#ends.length > 0 && this.#ends[0]! <= watermark) {
      const end = this.#ends.shift()!;
      const accs = this.#byEnd.get(end)!;
      this.#byEnd.delete(end);
      for (const acc of accs) {
        const state = this.#keys.get(acc.key)!;
        const i = state.windows.indexOf(acc);
        if (i >= 0) state.windows.splice(i, 1);
        this.#emit(acc, state);
      }
    }
  }

  #emit(acc: Acc, state: KeyState): void {
    this.#o.emit(this.#result(acc, state));
  }

  #result(acc: Acc, state: KeyState): WindowResult {
    const values = metricValues(this.#o.metrics, this.#metricField, acc.count, acc.stats);
    return { key: acc.key, group: state.group, start: acc.start, end: acc.end, count: acc.count, values };
  }
}
