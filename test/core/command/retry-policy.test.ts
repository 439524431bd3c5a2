import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AttemptOutcome, Backoff, RetryPolicies, retryDelay, shouldRetry, type RetryPolicy } from '../../../src/core/command/retry-policy.ts';

const exp: RetryPolicy = { maxAttempts: 5, backoff: { kind: Backoff.Exponential, initialMs: 100, factor: 2, maxMs: 500 }, jitter: 0, retryOn: [AttemptOutcome.TimedOut] };

describe('retry policies', () => {
  it('given exponential backoff, then delays double up to the cap', () => {
    expect([1, 2, 3, 4, 5].map((n) => retryDelay(exp, n, () => 0))).toEqual([100, 200, 400, 500, 500]);
  });

  it('given a list, then the nth retry waits the nth value and the last repeats', () => {
    const list: RetryPolicy = { ...exp, backoff: { kind: Backoff.List, ms: [0, 250, 1000] } };
    expect([1, 2, 3, 4].map((n) => retryDelay(list, n, () => 0))).toEqual([0, 250, 1000, 1000]);
    expect(retryDelay({ ...exp, backoff: { kind: Backoff.List, ms: [] } }, 1, () => 0)).toBe(0);
  });

  it('given constant backoff, then every retry waits the same; retry 0 counts as the first', () => {
    const constant: RetryPolicy = { ...exp, backoff: { kind: Backoff.Constant, ms: 300 } };
    expect(retryDelay(constant, 0, () => 0)).toBe(300);
    expect(retryDelay(RetryPolicies.none, 1, () => 0.9)).toBe(0);
  });

  it('property: jitter keeps the delay within ±jitter of the base', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.double({ min: 0, max: 0.999, noNaN: true }), (n, r) => {
        const base = retryDelay(RetryPolicies.default, n, () => 0.5);
        const d = retryDelay(RetryPolicies.default, n, () => r);
        expect(d).toBeGreaterThanOrEqual(Math.floor(base * 0.8));
        expect(d).toBeLessThanOrEqual(Math.ceil(base * 1.2));
      }),
    );
  });

  it('retries only outcomes listed in retryOn, while attempts remain', () => {
    expect(shouldRetry(exp, AttemptOutcome.TimedOut, 4)).toBe(true);
    expect(shouldRetry(exp, AttemptOutcome.TimedOut, 5)).toBe(false);
    expect(shouldRetry(exp, AttemptOutcome.Failed, 1)).toBe(false);
    expect(shouldRetry(RetryPolicies.none, AttemptOutcome.TimedOut, 1)).toBe(false);
  });
});
