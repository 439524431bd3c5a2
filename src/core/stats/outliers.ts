/**
 * Outliers across a group of devices (one value per device): z-score (|x − mean| / stddev), MAD (the modified
 * z-score of Iglewicz & Hoaglin, 0.6745 · |x − median| / MAD) and IQR (Tukey's fences, the distance beyond
 * Q1 − k·IQR or Q3 + k·IQR in IQRs). Default thresholds: 3, 3.5 and 1.5.
 */
import { exactQuantile } from './field-stats.ts';

export const DEFAULT_THRESHOLDS = { zscore: 3, mad: 3.5, iqr: 1.5 } as const;
export type OutlierRuleName = keyof typeof DEFAULT_THRESHOLDS;

export interface Outlier {
  device: string;
  value: number;
  score: number;
  rule: OutlierRuleName;
}

export function findOutliers(values: ReadonlyMap<string, number>, rules: readonly OutlierRuleName[], threshold?: number): Outlier[] {
  const n = values.size;
  if (n < 3) return [];
  const xs = [...values.values()];
  const sorted = [...xs].sort((a, b) => a - b);
  const out: Outlier[] = [];
  for (const rule of rules) {
    const limit = threshold ?? DEFAULT_THRESHOLDS[rule];
    let score: (x: number) => number;
    if (rule === 'zscore') {
      const mean = xs.reduce((a, b) => a + b, 0) / n;
      const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
      if (sd === 0) continue;
      score = (x) => Math.abs(x - mean) / sd;
    } else if (rule === 'mad') {
      const median = exactQuantile(sorted, 0.5);
      const mad = exactQuantile(xs.map((x) => Math.abs(x - median)).sort((a, b) => a - b), 0.5);
      if (mad === 0) continue;
      score = (x) => (0.6745 * Math.abs(x - median)) / mad;
    } else {
      const q1 = exactQuantile(sorted, 0.25);
      const q3 = exactQuantile(sorted, 0.75);
      const iqr = q3 - q1;
      if (iqr === 0) continue;
      score = (x) => (x < q1 ? (q1 - x) / iqr : x > q3 ? (x - q3) / iqr : 0);
    }
    for (const [device, value] of values) {
      const s = score(value);
      if (s > limit) out.push({ device, value, score: s, rule });
    }
  }
  return out;
}
