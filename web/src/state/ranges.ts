import type { SeriesSpec } from './series-buffer.ts';

const MINUTE = 60_000;

/** The twin page's time ranges; each keeps about 600 points however long it is. */
export const RANGES: readonly { readonly id: string; readonly label: string; readonly spec: SeriesSpec }[] = [
  { id: '10m', label: '10 min', spec: { windowMs: 10 * MINUTE, resolutionMs: 1000 } },
  { id: '1h', label: '1 h', spec: { windowMs: 60 * MINUTE, resolutionMs: 6000 } },
  { id: '6h', label: '6 h', spec: { windowMs: 360 * MINUTE, resolutionMs: 36_000 } },
  { id: '24h', label: '24 h', spec: { windowMs: 1440 * MINUTE, resolutionMs: 144_000 } },
];

export const rangeById = (id: string | undefined) => RANGES.find((r) => r.id === id) ?? (RANGES[0] as (typeof RANGES)[number]);

/** A zoomed range's bucket: about 600 per range, whole seconds, at least one second. */
export const zoomResolution = (fromMs: number, toMs: number): number => Math.max(1000, Math.ceil((toMs - fromMs) / 600 / 1000) * 1000);

/** Block outputs are telemetry fields named after their input (DESIGN §5.4). */
export const BLOCK_SUFFIXES = ['.estimate', '.residual', '.anomaly'] as const;
export const isBlockOutput = (field: string): boolean => BLOCK_SUFFIXES.some((s) => field.endsWith(s));
