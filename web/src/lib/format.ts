import type { TelemetryValue } from '../api/types.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "just now", "12 s ago", "3 min ago", "2 h ago", "4 d ago"; a clock a little ahead of ours reads as "just now". */
export function formatRelative(thenMs: number, nowMs: number): string {
  const d = nowMs - thenMs;
  if (d < 5 * SECOND) return 'just now';
  if (d < MINUTE) return `${Math.floor(d / SECOND)} s ago`;
  if (d < HOUR) return `${Math.floor(d / MINUTE)} min ago`;
  if (d < DAY) return `${Math.floor(d / HOUR)} h ago`;
  return `${Math.floor(d / DAY)} d ago`;
}

const byDigits = [0, 1, 2].map((d) => new Intl.NumberFormat(undefined, { maximumFractionDigits: d }));
const small = new Intl.NumberFormat(undefined, { maximumSignificantDigits: 3 });

/** Fewer decimals for larger magnitudes, three significant digits below 1: 1,235 · 123.5 · 21.47 · 0.0117. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  if (a < 1) return small.format(n);
  return (byDigits[a >= 1000 ? 0 : a >= 100 ? 1 : 2] as Intl.NumberFormat).format(n);
}

export function formatValue(v: TelemetryValue): string {
  return typeof v === 'number' ? formatNumber(v) : String(v);
}

export function formatRate(perSecond: number): string {
  return `${formatNumber(perSecond)} msg/s`;
}
