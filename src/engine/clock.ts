import type { Clock, Timer } from '../ports.ts';

/** The wall clock. Timers are unref'd: a pending timer never keeps the process alive on its own. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const handle = setTimeout(fn, ms);
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
};

interface Scheduled {
  at: number;
  order: number;
  fn: () => void;
  cancelled: boolean;
}

/** A clock that moves only when told to; tests and accelerated simulations drive it with `advance`. */
export class ManualClock implements Clock {
  #now: number;
  #order = 0;
  #queue: Scheduled[] = [];

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): Timer {
    const entry: Scheduled = { at: this.#now + Math.max(0, ms), order: this.#order++, fn, cancelled: false };
    this.#queue.push(entry);
    return { cancel: () => void (entry.cancelled = true) };
  }

  /** Moves time forward by `ms`, running every timer that falls due, in time order. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      const due = this.#queue
        .filter((e) => !e.cancelled && e.at <= target)
        .sort((a, b) => a.at - b.at || a.order - b.order)[0];
      if (due === undefined) break;
      this.#queue = this.#queue.filter((e) => e !== due);
      this.#now = due.at;
      due.fn();
    }
    this.#queue = this.#queue.filter((e) => !e.cancelled);
    this.#now = target;
  }

  /** Timers still waiting. */
  pending(): number {
    return this.#queue.filter((e) => !e.cancelled).length;
  }
}
