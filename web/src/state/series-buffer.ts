/** How much of a numeric field a chart keeps, and at what resolution. */
export interface SeriesSpec {
  /** Width of the sliding window kept, in ms. */
  readonly windowMs: number;
  /** Bucket width in ms; points in one bucket are averaged, so a buffer never holds more than window / resolution points. */
  readonly resolutionMs: number;
}

/**
 * A time-ordered, bucketed series for one numeric field. History (already bucketed by the server) and live
 * readings go through the same `add`, so a burst of live points never grows the buffer beyond its window.
 */
export class SeriesBuffer {
  readonly spec: SeriesSpec;
  /** Bucket start times, epoch ms, ascending. */
  readonly xs: number[] = [];
  readonly ys: number[] = [];
  private readonly counts: number[] = [];

  constructor(spec: SeriesSpec) {
    if (!(spec.windowMs > 0) || !(spec.resolutionMs > 0)) throw new RangeError('windowMs and resolutionMs must be > 0');
    this.spec = spec;
  }

  get length(): number {
    return this.xs.length;
  }

  get lastTs(): number | undefined {
    return this.xs[this.xs.length - 1];
  }

  /** Adds one value; ignores non-finite ones (a NaN would break the chart's scale). */
  add(ts: number, value: number): void {
    if (!Number.isFinite(ts) || !Number.isFinite(value)) return;
    const res = this.spec.resolutionMs;
    const bucket = Math.floor(ts / res) * res;
    // Live data arrives in order, so the search almost always ends at the last element.
    let i = this.xs.length;
    while (i > 0 && (this.xs[i - 1] as number) > bucket) i--;
    if (i > 0 && this.xs[i - 1] === bucket) {
      const n = (this.counts[i - 1] as number) + 1;
      this.ys[i - 1] = (this.ys[i - 1] as number) + (value - (this.ys[i - 1] as number)) / n;
      this.counts[i - 1] = n;
      return;
    }
    this.xs.splice(i, 0, bucket);
    this.ys.splice(i, 0, value);
    this.counts.splice(i, 0, 1);
  }

  /** Drops buckets that fell out of the window ending at `nowMs` (or at the newest point, if later). */
  trim(nowMs: number): void {
    const end = Math.max(nowMs, this.lastTs ?? nowMs);
    const cutoff = end - this.spec.windowMs;
    let n = 0;
    while (n < this.xs.length && (this.xs[n] as number) < cutoff) n++;
    if (n === 0) return;
    this.xs.splice(0, n);
    this.ys.splice(0, n);
    this.counts.splice(0, n);
  }
}
