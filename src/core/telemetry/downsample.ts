/**
 * The meaning of a telemetry query's `from`, `to`, `every`, `agg` and `limit` (DESIGN.md §5.8). The memory store
 * runs it directly; the SQL stores say the same in SQL, and the storage contract suite holds all of them to it.
 */
import { ErrorCode, TwinflowError } from '../errors.ts';
import type { TelemetryValue } from '../types.ts';

/**
 * The same union as `Aggregate` in ports.ts, which the core may not import; a type test keeps the two equal.
 */
export type DownsampleAggregate = 'avg' | 'min' | 'max' | 'sum' | 'count' | 'first' | 'last';

export const DEFAULT_AGGREGATE = 'avg' satisfies DownsampleAggregate;

export interface TimedValue {
  ts: number;
  value: TelemetryValue;
}

export interface DownsampleOptions {
  /** Inclusive, epoch ms. */
  from?: number;
  /** Exclusive, epoch ms. */
  to?: number;
  /** Bucket width in ms, a positive integer. Buckets start at multiples of it since the epoch. */
  every?: number;
  /** @default 'avg' */
  agg?: DownsampleAggregate;
  /** The latest this many points (or buckets), a non-negative integer. */
  limit?: number;
}

/** Rejects option values no backend could answer the same way (fractional buckets, negative limits). */
export function checkDownsampleOptions(options: DownsampleOptions): void {
  const { every, limit, from, to } = options;
  if (every !== undefined && !(Number.isSafeInteger(every) && every > 0)) {
    throw new TwinflowError(ErrorCode.InvalidRequest, `every must be a positive whole number of ms, got ${every}`);
  }
  if (limit !== undefined && !(Number.isSafeInteger(limit) && limit >= 0)) {
    throw new TwinflowError(ErrorCode.InvalidRequest, `limit must be a non-negative whole number, got ${limit}`);
  }
  for (const [name, value] of [['from', from], ['to', to]] as const) {
    if (value !== undefined && Number.isNaN(value)) {
      throw new TwinflowError(ErrorCode.InvalidRequest, `${name} must be a time in epoch ms, got NaN`);
    }
  }
}

/** Where a point falls: floor(ts / every) · every, written with `%` so that SQL can say exactly the same. */
export function bucketStart(ts: number, every: number): number {
  return ts - (((ts % every) + every) % every);
}

/** What `avg`, `min`, `max` and `sum` see of a value: booleans count as 0 and 1, strings not at all. */
export function numericValue(value: TelemetryValue): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return undefined;
}

/**
 * One field's points, ascending by ts with at most one point per ts (as the stores keep them), reduced as the
 * options say. The result is ascending by ts.
 */
export function downsample(points: readonly TimedValue[], options: DownsampleOptions = {}): TimedValue[] {
  checkDownsampleOptions(options);
  const start = options.from === undefined ? 0 : firstIndexAtOrAfter(points, options.from);
  const end = options.to === undefined ? points.length : firstIndexAtOrAfter(points, options.to);
  const inRange = points.slice(start, Math.max(start, end));
  const reduced =
    options.every === undefined ? inRange : aggregate(inRange, options.every, options.agg ?? DEFAULT_AGGREGATE);
  return options.limit === undefined ? reduced : reduced.slice(Math.max(0, reduced.length - options.limit));
}

function firstIndexAtOrAfter(points: readonly TimedValue[], ts: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((points[mid] as TimedValue).ts < ts) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

interface Bucket {
  start: number;
  count: number;
  numbers: number;
  sum: number;
  min: number;
  max: number;
  first: TelemetryValue;
  last: TelemetryValue;
}

function aggregate(points: readonly TimedValue[], every: number, agg: DownsampleAggregate): TimedValue[] {
  const out: TimedValue[] = [];
  let bucket: Bucket | undefined;
  for (const point of points) {
    const start = bucketStart(point.ts, every);
    if (bucket === undefined || bucket.start !== start) {
      if (bucket !== undefined) emit(bucket, agg, out);
      bucket = {
        start,
        count: 0,
        numbers: 0,
        sum: 0,
        min: Infinity,
        max: -Infinity,
        first: point.value,
        last: point.value,
      };
    }
    bucket.count++;
    bucket.last = point.value;
    const n = numericValue(point.value);
    if (n !== undefined) {
      bucket.numbers++;
      bucket.sum += n;
      bucket.min = Math.min(bucket.min, n);
      bucket.max = Math.max(bucket.max, n);
    }
  }
  if (bucket !== undefined) emit(bucket, agg, out);
  return out;
}

function emit(bucket: Bucket, agg: DownsampleAggregate, out: TimedValue[]): void {
  const ts = bucket.start;
  switch (agg) {
    case 'count':
      out.push({ ts, value: bucket.count });
      return;
    case 'first':
      out.push({ ts, value: bucket.first });
      return;
    case 'last':
      out.push({ ts, value: bucket.last });
      return;
  }
  // A bucket of strings only has no average, minimum, maximum or sum; it is left out rather than shown as 0.
  if (bucket.numbers === 0) return;
  switch (agg) {
    case 'avg':
      out.push({ ts, value: bucket.sum / bucket.numbers });
      return;
    case 'min':
      out.push({ ts, value: bucket.min });
      return;
    case 'max':
      out.push({ ts, value: bucket.max });
      return;
    case 'sum':
      out.push({ ts, value: bucket.sum });
      return;
  }
}
