/**
 * Rolling deployment of one command over a fleet (a firmware update): batches of a fixed size or a rate that grows,
 * stopping when the share of failures among the finished devices passes a threshold. Pure: the engine runs it.
 */

export const Growth = { Constant: 'constant', Exponential: 'exponential' } as const;
export type Growth = (typeof Growth)[keyof typeof Growth];

export interface RolloutPolicy {
  /** Devices in the first batch. @default 1 */
  initial: number;
  /** How batches grow: `constant` keeps `initial`; `exponential` multiplies by `factor` each batch. */
  growth: Growth;
  /** @default 2 */
  factor: number;
  /** Upper bound of a batch (finite: it is stored as JSON). @default Number.MAX_SAFE_INTEGER */
  maxBatch: number;
  /** Abort once failed / finished exceeds this share (0–1). @default 0.1 */
  maxFailureShare: number;
}

export const DEFAULT_ROLLOUT: RolloutPolicy = { initial: 1, growth: Growth.Constant, factor: 2, maxBatch: Number.MAX_SAFE_INTEGER, maxFailureShare: 0.1 };

/** The size of batch `index` (0-based). */
export function batchSize(policy: RolloutPolicy, index: number): number {
  const raw = policy.growth === Growth.Exponential ? policy.initial * policy.factor ** index : policy.initial;
  return Math.max(1, Math.min(policy.maxBatch, Math.round(raw)));
}

export interface RolloutSummary {
  total: number;
  succeeded: number;
  failed: number;
  pending: number;
}

export function summarize(total: number, outcomes: Iterable<'succeeded' | 'failed'>): RolloutSummary {
  let succeeded = 0;
  let failed = 0;
  for (const o of outcomes) {
    if (o === 'succeeded') succeeded++;
    else failed++;
  }
  return { total, succeeded, failed, pending: total - succeeded - failed };
}

/** Whether the failures so far are too many to go on. */
export function shouldAbort(summary: RolloutSummary, policy: RolloutPolicy): boolean {
  const finished = summary.succeeded + summary.failed;
  return finished > 0 && summary.failed / finished > policy.maxFailureShare;
}
