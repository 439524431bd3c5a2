import { ErrorCode, TwinflowError } from '../core/errors.ts';
import type { Clock, Logger, Timer } from '../ports.ts';

export interface BatchWriterOptions<T> {
  /** Writes one batch durably; a rejection keeps the batch and retries it after a backoff. */
  write: (items: T[]) => Promise<void>;
  clock: Clock;
  logger: Logger;
  /** Flush as soon as this many items wait. */
  maxItems: number;
  /** Flush at the latest this long after the first item of a batch arrived. */
  maxDelayMs: number;
  /** Waits between retries of a failing write; the last one repeats. */
  retryBackoffMs?: readonly number[];
  /**
   * Whether a failed write is worth retrying. A batch the store refuses for what it holds would fail forever: it is
   * logged, dropped, and its callbacks run, so publishers are not stalled behind it. @default retryable
   */
  retryOn?: (err: unknown) => boolean;
  /** Called after every write attempt, for metrics. */
  onWrite?: (info: { items: number; seconds: number; ok: boolean }) => void;
}

interface Pending<T> {
  items: T[];
  done: (() => void)[];
}

const DEFAULT_BACKOFF = [50, 100, 250, 500, 1000, 2000, 5000] as const;

/** Store outages are retried; a refusal of the batch's content is not. */
export function retryable(err: unknown): boolean {
  return !(err instanceof TwinflowError && err.code === ErrorCode.InvalidRequest);
}

/**
 * Group commit: after an idle spell, items gather until `maxItems` or `maxDelayMs`; then one `write` makes them
 * durable and the callbacks given with them run. One write is in flight at a time; what arrives meanwhile forms
 * the next batch, so a slow store means bigger batches and later callbacks, never unbounded concurrency.
 */
export class BatchWriter<T> {
  readonly #options: BatchWriterOptions<T>;
  #pending: Pending<T> = { items: [], done: [] };
  #timer: Timer | undefined;
  #writing: Promise<void> | undefined;
  #failures = 0;
  #closed = false;

  constructor(options: BatchWriterOptions<T>) {
    this.#options = options;
  }

  /** Items waiting for a write, including the batch in flight. */
  get backlog(): number {
    return this.#pending.items.length;
  }

  /** Whether the last write attempt failed. */
  get failing(): boolean {
    return this.#failures > 0;
  }

  /** Queues items; `done` runs once they are durable. */
  add(items: readonly T[], done?: () => void): void {
    for (const item of items) this.#pending.items.push(item);
    if (done !== undefined) this.#pending.done.push(done);
    if (this.#writing !== undefined) return;
    if (this.#pending.items.length >= this.#options.maxItems || this.#closed) {
      this.#kick();
    } else if (this.#timer === undefined) {
      this.#timer = this.#options.clock.setTimeout(() => {
        this.#timer = undefined;
        this.#kick();
      }, this.#options.maxDelayMs);
    }
  }

  /** Resolves when everything added so far is durable. */
  async flush(): Promise<void> {
    while (this.#writing !== undefined || this.#pending.items.length > 0 || this.#pending.done.length > 0) {
      if (this.#writing === undefined) this.#kick();
      await this.#writing;
    }
  }

  /** Flushes and stops: later `add`s are written at once, without waiting for a batch. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }

  #kick(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    if (this.#writing !== undefined) return;
    this.#writing = this.#drain().finally(() => {
      this.#writing = undefined;
    });
  }

  /** Classic group commit: whatever arrived while a batch was being written is the next batch, at once. */
  async #drain(): Promise<void> {
    while (this.#pending.items.length > 0 || this.#pending.done.length > 0) {
      const batch = this.#pending;
      this.#pending = { items: [], done: [] };
      await this.#writeWithRetry(batch.items);
      for (const done of batch.done) done();
    }
  }

  async #writeWithRetry(items: T[]): Promise<void> {
    const backoff = this.#options.retryBackoffMs ?? DEFAULT_BACKOFF;
    for (;;) {
      const started = performance.now();
      try {
        if (items.length > 0) await this.#options.write(items);
        this.#failures = 0;
        this.#options.onWrite?.({ items: items.length, seconds: (performance.now() - started) / 1000, ok: true });
        return;
      } catch (err) {
        this.#options.onWrite?.({ items: items.length, seconds: (performance.now() - started) / 1000, ok: false });
        if (!(this.#options.retryOn ?? retryable)(err)) {
          this.#options.logger.error({ err, items: items.length }, 'the store refused a batch; it is dropped');
          return;
        }
        const wait = backoff[Math.min(this.#failures, backoff.length - 1)] ?? 1000;
        this.#failures++;
        this.#options.logger.error({ err, items: items.length, retryInMs: wait }, 'batch write failed; retrying');
        await new Promise<void>((resolve) => this.#options.clock.setTimeout(resolve, wait));
      }
    }
  }
}
