/**
 * Z-score anomaly detection on one field. Version 1 keeps the mean and variance of everything seen (Welford);
 * version 2 weights recent readings exponentially (`alpha`), so it follows a drifting baseline.
 */
import { numberParam, type BlockDefinition, type ModelBlock } from './model-block.ts';

const PARAMS = {
  threshold: { default: 3, description: 'anomaly when |z − mean| > threshold · stddev' },
  warmup: { default: 10, description: 'readings before any is flagged' },
} as const;

function zscoreBlock(exponential: boolean): () => ModelBlock {
  return () => {
    let threshold = 3;
    let warmup = 10;
    let alpha = 0.05;
    let n = 0;
    let mean = 0;
    let m2 = 0;
    return {
      init(ctx) {
        threshold = numberParam(ctx.params, 'threshold', 3);
        warmup = numberParam(ctx.params, 'warmup', 10);
        alpha = numberParam(ctx.params, 'alpha', 0.05);
        n = 0;
        mean = 0;
        m2 = 0;
      },
      process(msg) {
        const z = msg.value;
        const variance = n > 1 ? (exponential ? m2 : m2 / (n - 1)) : 0;
        const std = Math.sqrt(variance);
        const score = std > 0 ? (z - mean) / std : 0;
        const anomaly = n >= warmup && Math.abs(score) > threshold;
        const residual = z - (n === 0 ? z : mean);
        // An anomaly does not move the baseline: one spike should not hide the next.
        if (!anomaly) {
          n++;
          if (exponential) {
            if (n === 1) mean = z;
            else {
              const d = z - mean;
              mean += alpha * d;
              m2 = (1 - alpha) * (m2 + alpha * d * d);
            }
          } else {
            const d = z - mean;
            mean += d / n;
            m2 += d * (z - mean);
          }
        }
        return { raw_value: z, twin_estimate: mean, anomaly_flag: anomaly, residual, zscore: score };
      },
      shutdown() {},
      snapshot: () => ({ n, mean, m2 }),
    };
  };
}

export const zscoreBlockV1: BlockDefinition = {
  name: 'zscore',
  version: '1.0.0',
  description: 'Z-score against the running mean and standard deviation of all readings (Welford)',
  params: PARAMS,
  create: zscoreBlock(false),
};

export const zscoreBlockV2: BlockDefinition = {
  name: 'zscore',
  version: '2.0.0',
  description: 'Z-score against an exponentially weighted mean and variance, following a drifting baseline',
  params: { ...PARAMS, alpha: { default: 0.05, description: 'weight of the newest reading' } },
  create: zscoreBlock(true),
};
