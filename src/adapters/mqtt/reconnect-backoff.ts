import { ConnackRefusedError, SubscriptionRefusedError } from './broker-refusal-errors.ts';

/**
 * How the external transport waits between connection attempts. Retry is data (STYLE.md): a table of
 * delays and a jitter fraction, so an operator can read and change it without reading the loop.
 */
export interface ReconnectPolicy {
  /** Delay in ms before attempt n (0-based) after a lost connection; the last entry repeats. */
  readonly delays: readonly number[];
  /**
   * Up to this fraction of the delay is added at random, so that many twinflow processes that lost the
   * same broker do not all come back in the same millisecond.
   */
  readonly jitter: number;
  /**
   * Whether a failure of the very first connection is worth retrying. A broker that refuses our
   * credentials will refuse them again; `start()` fails at once instead of retrying forever.
   * Once the transport has been up, every failure is retried: an operator can fix the broker
   * while twinflow keeps running.
   */
  readonly retryOn: (error: unknown) => boolean;
}

/** The nats.js shape: try at once, then back off to a steady 5 s. */
export const DEFAULT_RECONNECT_DELAYS = [0, 250, 500, 1000, 2000, 5000] as const;

/** The delay before connection attempt `attempt` (0-based), jitter included. */
export function reconnectDelay(policy: ReconnectPolicy, attempt: number, random: () => number = Math.random): number {
  const delays = policy.delays;
  if (delays.length === 0) return 0;
  const base = delays[Math.min(attempt, delays.length - 1)] ?? 0;
  return Math.round(base + base * policy.jitter * random());
}

/** Refusals that retrying cannot fix stop `start()`; network failures and "server unavailable" are retried. */
export function isRetryableConnectFailure(error: unknown): boolean {
  if (error instanceof ConnackRefusedError) return !error.permanent;
  return !(error instanceof SubscriptionRefusedError);
}

export const DEFAULT_RECONNECT: ReconnectPolicy = {
  delays: DEFAULT_RECONNECT_DELAYS,
  jitter: 0.2,
  retryOn: isRetryableConnectFailure,
};
