import type { SeriesSpec } from './series-buffer.ts';

const MINUTE = 60_000;

/** Overview sparklines: 10 minutes in 10 s buckets (60 points). */
export const SPARKLINE_SPEC: SeriesSpec = { windowMs: 10 * MINUTE, resolutionMs: 10_000 };

/** Twin page charts: 10 minutes in 1 s buckets (at most 600 points). */
export const TWIN_CHART_SPEC: SeriesSpec = { windowMs: 10 * MINUTE, resolutionMs: 1000 };
