/**
 * Collects what a Transport hands to `onMessage`, so a test can wait for the next one. Acknowledging
 * is left to the test: that is the point of most transport tests.
 */
import type { InboundMessage } from '../../src/ports.ts';

export class Inbox {
  readonly received: InboundMessage[] = [];
  #read = 0;
  #waiters: { count: number; resolve(): void }[] = [];

  /** Pass as the transport's `onMessage`. */
  readonly push = (message: InboundMessage): void => {
    this.received.push(message);
    this.#waiters = this.#waiters.filter((w) => {
      if (this.received.length < w.count) return true;
      w.resolve();
      return false;
    });
  };

  /** The next message not yet returned by `next`, waiting for it if need be. */
  async next(): Promise<InboundMessage> {
    const index = this.#read++;
    await this.waitForCount(index + 1);
    return this.received[index] as InboundMessage;
  }

  /** Resolves once `count` messages have arrived in all. */
  waitForCount(count: number): Promise<void> {
    if (this.received.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }
}

/** Resolves when `predicate` holds, checking on every turn of the event loop; for status changes. */
export async function eventually(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
