/** Runs at most `concurrency` tasks at a time; urgent tasks jump the queue (the page the user opened beats off-screen cards). */
export interface Limiter {
  run<T>(task: () => Promise<T>, opts?: { urgent?: boolean }): Promise<T>;
}

export function createLimiter(concurrency: number): Limiter {
  let active = 0;
  const queue: (() => void)[] = [];

  const next = (): void => {
    while (active < concurrency && queue.length > 0) {
      active++;
      (queue.shift() as () => void)();
    }
  };

  return {
    run(task, opts = {}) {
      return new Promise((resolve, reject) => {
        const start = (): void => {
          task().then(resolve, reject).finally(() => {
            active--;
            next();
          });
        };
        if (opts.urgent) queue.unshift(start);
        else queue.push(start);
        next();
      });
    },
  };
}
