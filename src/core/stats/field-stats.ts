/**
 * The statistics of one field in one window and key, shared by every aggregate over that field so that
 * `avg`, `max` and `min` of one field cost one update. What is kept depends on what is needed: values only for
 * median/percentiles (exact up to {@link EXACT_LIMIT}, then a t-digest), a set only for distinct_count.
 */
import { EXACT_LIMIT, TDigest, type TDigestState } from './tdigest.ts';

export const AggregateFunction = {
  Count: 'count',
  Sum: 'sum',
  Avg: 'avg',
  Min: 'min',
  Max: 'max',
  Median: 'median',
  Stddev: 'stddev',
  Variance: 'variance',
  First: 'first',
  Last: 'last',
  Rate: 'rate',
  DistinctCount: 'distinct_count',
  Percentile: 'percentile',
} as const;
export type AggregateFunction = (typeof AggregateFunction)[keyof typeof AggregateFunction];

/** `p50 p90 p95 p99` are percentile with that q. */
export const PERCENTILE_SHORTHANDS: Readonly<Record<string, number>> = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 };

export interface Needs {
  moments: boolean;
  values: boolean;
  distinct: boolean;
}

export function needsOf(functions: readonly AggregateFunction[]): Needs {
  const has = (...fs: AggregateFunction[]) => functions.some((f) => fs.includes(f));
  return {
    moments: has(AggregateFunction.Stddev, AggregateFunction.Variance),
    values: has(AggregateFunction.Median, AggregateFunction.Percentile),
    distinct: has(AggregateFunction.DistinctCount),
  };
}

export interface FieldStatsState {
  count: number;
  numeric: number;
  sum: number;
  min: number | null;
  max: number | null;
  mean: number;
  m2: number;
  first: unknown;
  firstTs: number;
  last: unknown;
  lastTs: number;
  values?: number[];
  digest?: TDigestState;
  distinct?: unknown[];
}

export class FieldStats {
  readonly needs: Needs;
  /** Every value, numeric or not. */
  count = 0;
  /** Numeric values only; sum/avg/min/max/moments are over these. */
  numeric = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  mean = 0;
  m2 = 0;
  first: unknown = undefined;
  firstTs = Infinity;
  last: unknown = undefined;
  lastTs = -Infinity;
  values: number[] | undefined;
  digest: TDigest | undefined;
  distinct: Set<unknown> | undefined;
  #sorted = false;

  constructor(needs: Needs) {
    this.needs = needs;
    if (needs.values) this.values = [];
    if (needs.distinct) this.distinct = new Set();
  }

  add(value: unknown, ts: number): void {
    this.count++;
    if (ts < this.firstTs) {
      this.firstTs = ts;
      this.first = value;
    }
    if (ts >= this.lastTs) {
      this.lastTs = ts;
      this.last = value;
    }
    if (this.distinct !== undefined) this.distinct.add(value);
    if (typeof value !== 'number') return;
    this.numeric++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (this.needs.moments) {
      // Welford: numerically stable where sum-of-squares is not.
      const d = value - this.mean;
      this.mean += d / this.numeric;
      this.m2 += d * (value - this.mean);
    }
    if (this.values !== undefined) {
      this.#sorted = false;
      this.values.push(value);
      if (this.values.length > EXACT_LIMIT) {
        this.digest = new TDigest();
        for (const v of this.values) this.digest.add(v);
        this.values = undefined;
      }
    } else if (this.digest !== undefined) {
      this.digest.add(value);
    }
  }

  /** Adds everything `other` saw (the window spans of `within`, group roll-ups). */
  merge(other: FieldStats): void {
    if (other.count === 0) return;
    const n = this.numeric + other.numeric;
    if (this.needs.moments && n > 0) {
      const d = other.mean - this.mean;
      this.m2 += other.m2 + (d * d * this.numeric * other.numeric) / n;
      this.mean += (d * other.numeric) / n;
    }
    this.count += other.count;
    this.numeric = n;
    this.sum += other.sum;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
    if (other.firstTs < this.firstTs) {
      this.firstTs = other.firstTs;
      this.first = other.first;
    }
    if (other.lastTs >= this.lastTs) {
      this.lastTs = other.lastTs;
      this.last = other.last;
    }
    if (this.distinct !== undefined && other.distinct !== undefined) for (const v of other.distinct) this.distinct.add(v);
    if (this.needs.values) {
      this.#sorted = false;
      if (this.values !== undefined && other.values !== undefined && this.values.length + other.values.length <= EXACT_LIMIT) {
        for (const v of other.values) this.values.push(v);
      } else {
        const digest = this.digest ?? new TDigest();
        if (this.values !== undefined) for (const v of this.values) digest.add(v);
        this.values = undefined;
        if (other.values !== undefined) for (const v of other.values) digest.add(v);
        else if (other.digest !== undefined) digest.addDigest(other.digest);
        this.digest = digest;
      }
    }
  }

  /** The value of one aggregate; undefined when the window holds nothing it applies to. */
  result(fn: AggregateFunction, q = 0.5): unknown {
    switch (fn) {
      case AggregateFunction.Count:
        return this.count;
      case AggregateFunction.First:
        return this.first;
      case AggregateFunction.Last:
        return this.last;
      case AggregateFunction.DistinctCount:
        return this.distinct?.size ?? 0;
      default:
    }
    if (this.numeric === 0) return undefined;
    switch (fn) {
      case AggregateFunction.Sum:
        return this.sum;
      case AggregateFunction.Avg:
        return this.sum / this.numeric;
      case AggregateFunction.Min:
        return this.min;
      case AggregateFunction.Max:
        return this.max;
      case AggregateFunction.Variance:
        return this.m2 / this.numeric;
      case AggregateFunction.Stddev:
        return Math.sqrt(this.m2 / this.numeric);
      case AggregateFunction.Rate: {
        // Change per second between the first and the last value, as for a counter.
        const seconds = (this.lastTs - this.firstTs) / 1000;
        if (seconds <= 0 || typeof this.first !== 'number' || typeof this.last !== 'number') return undefined;
        return (this.last - this.first) / seconds;
      }
      case AggregateFunction.Median:
        return this.quantile(0.5);
      default:
        return this.quantile(q);
    }
  }

  quantile(q: number): number | undefined {
    if (this.digest !== undefined) return this.digest.quantile(q);
    const values = this.values;
    if (values === undefined || values.length === 0) return undefined;
    if (!this.#sorted) {
      values.sort((a, b) => a - b);
      this.#sorted = true;
    }
    return exactQuantile(values, q);
  }

  toJSON(): FieldStatsState {
    const state: FieldStatsState = {
      count: this.count,
      numeric: this.numeric,
      sum: this.sum,
      min: Number.isFinite(this.min) ? this.min : null,
      max: Number.isFinite(this.max) ? this.max : null,
      mean: this.mean,
      m2: this.m2,
      first: this.first ?? null,
      firstTs: this.firstTs,
      last: this.last ?? null,
      lastTs: this.lastTs,
    };
    if (this.values !== undefined) state.values = [...this.values];
    if (this.digest !== undefined) state.digest = this.digest.state();
    if (this.distinct !== undefined) state.distinct = [...this.distinct];
    return state;
  }

  static fromJSON(needs: Needs, s: FieldStatsState): FieldStats {
    const f = new FieldStats(needs);
    f.count = s.count;
    f.numeric = s.numeric;
    f.sum = s.sum;
    f.min = s.min ?? Infinity;
    f.max = s.max ?? -Infinity;
    f.mean = s.mean;
    f.m2 = s.m2;
    f.first = s.first;
    f.firstTs = s.firstTs ?? Infinity;
    f.last = s.last;
    f.lastTs = s.lastTs ?? -Infinity;
    if (needs.values) {
      f.values = s.values === undefined ? undefined : [...s.values];
      f.digest = s.digest === undefined ? undefined : TDigest.from(s.digest);
      if (f.values === undefined && f.digest === undefined) f.values = [];
    }
    if (needs.distinct) f.distinct = new Set(s.distinct ?? []);
    return f;
  }
}

/** Linear interpolation between closest ranks (numpy's default, Hyndman–Fan type 7) over sorted values. */
export function exactQuantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}
