import { describe, expect, it } from 'vitest';
import { batchSize, DEFAULT_ROLLOUT, Growth, shouldAbort, summarize } from '../../../src/core/command/rollout.ts';

describe('rolling deployment policy', () => {
  it('given constant growth, then every batch has the initial size', () => {
    expect([0, 1, 5].map((i) => batchSize({ ...DEFAULT_ROLLOUT, initial: 10 }, i))).toEqual([10, 10, 10]);
  });

  it('given exponential growth, then batches multiply up to maxBatch', () => {
    const p = { ...DEFAULT_ROLLOUT, initial: 1, growth: Growth.Exponential, factor: 2, maxBatch: 8 };
    expect([0, 1, 2, 3, 4].map((i) => batchSize(p, i))).toEqual([1, 2, 4, 8, 8]);
  });

  it('summarises and aborts past the failure share of finished devices', () => {
    const s = summarize(10, ['succeeded', 'succeeded', 'failed']);
    expect(s).toEqual({ total: 10, succeeded: 2, failed: 1, pending: 7 });
    expect(shouldAbort(s, { ...DEFAULT_ROLLOUT, maxFailureShare: 0.5 })).toBe(false);
    expect(shouldAbort(s, { ...DEFAULT_ROLLOUT, maxFailureShare: 0.2 })).toBe(true);
    expect(shouldAbort(summarize(3, []), DEFAULT_ROLLOUT)).toBe(false);
  });
});
