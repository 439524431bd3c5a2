/**
 * Retry is data (STYLE.md): a policy is a plain, storable object — it travels with the command into the store, so
 * a command resumed after a restart keeps the policy it was created with.
 */

export const Backoff = { Constant: 'constant', Exponential: 'exponential', List: 'list' } as const;
export type Backoff = (typeof Backoff)[keyof typeof Backoff];

export type BackoffSpec =
  | { kind: typeof Backoff.Constant; ms: number }
  | { kind: typeof Backoff.Exponential; initialMs: number; factor: number; maxMs: number }
  /** nats.js style: the nth retry waits `ms[n-1]`, the last value repeats. */
  | { kind: typeof Backoff.List; ms: readonly number[] };

/** Why an attempt ended without success; `retryOn` lists the ones worth another attempt. */
export const AttemptOutcome = { TimedOut: 'timed_out', Failed: 'failed', Rejected: 'rejected' } as const;
export type AttemptOutcome = (typeof AttemptOutcome)[keyof typeof AttemptOutcome];

export interface RetryPolicy {
  /** Attempts in all, the first included; 1 = no retry. */
  maxAttempts: number;
  backoff: BackoffSpec;
  /** Share of the delay randomised either way (0.2 → ±20 %), so a fleet does not retry in lockstep. */
  jitter: number;
  retryOn: readonly AttemptOutcome[];
}

export const RetryPolicies = {
  /** Three attempts, 1 s → 2 s → 4 s (±20 %), on timeouts only: a device's own "failed" is its answer. */
  default: {
    maxAttempts: 3,
    backoff: { kind: Backoff.Exponential, initialMs: 1000, factor: 2, maxMs: 30_000 },
    jitter: 0.2,
    retryOn: [AttemptOutcome.TimedOut],
  },
  none: { maxAttempts: 1, backoff: { kind: Backoff.Constant, ms: 0 }, jitter: 0, retryOn: [] },
} as const satisfies Record<string, RetryPolicy>;

/** Whether an attempt that ended with `outcome` is followed by another; `attempts` counts those made so far. */
export function shouldRetry(policy: RetryPolicy, outcome: AttemptOutcome, attempts: number): boolean {
  return attempts < policy.maxAttempts && policy.retryOn.includes(outcome);
}

/** The wait before retry number `retry` (1 = the first retry), jittered by `random` ∈ [0, 1). */
export function retryDelay(policy: RetryPolicy, retry: number, random: () => number): number {
  const base = baseDelay(policy.backoff, Math.max(1, retry));
  if (policy.jitter <= 0 || base === 0) return base;
  return Math.max(0, Math.round(base * (1 + policy.jitter * (2 * random() - 1))));
}

function baseDelay(backoff: BackoffSpec, retry: number): number {
  switch (backoff.kind) {
    case Backoff.Constant:
      return backoff.ms;
    case Backoff.Exponential:
      return Math.min(backoff.maxMs, backoff.initialMs * backoff.factor ** (retry - 1));
    case Backoff.List:
      return backoff.ms.length === 0 ? 0 : backoff.ms[Math.min(retry, backoff.ms.length) - 1]!;
  }
}
