export interface TickerTimers {
  now(): number;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** One shared interval for every "12 s ago" on screen; it runs only while someone listens. */
export interface Ticker {
  now(): number;
  subscribe(listener: (now: number) => void): () => void;
}

export function createTicker(intervalMs: number, timers: TickerTimers): Ticker {
  const listeners = new Set<(now: number) => void>();
  let handle: unknown;
  return {
    now: () => timers.now(),
    subscribe(listener) {
      listeners.add(listener);
      handle ??= timers.setInterval(() => {
        const now = timers.now();
        for (const l of [...listeners]) l(now);
      }, intervalMs);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && handle !== undefined) {
          timers.clearInterval(handle);
          handle = undefined;
        }
      };
    },
  };
}
