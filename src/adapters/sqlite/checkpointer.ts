import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface CheckpointerOptions {
  file: string;
  /** How often the WAL is copied back into the database. */
  intervalMs: number;
  busyTimeoutMs: number;
  /** Told when checkpoints start failing (once, until one succeeds again); the writer's own still bound the WAL. */
  onError: (message: string) => void;
}

export interface Checkpointer {
  /** Stops checkpointing and closes the worker's connection. */
  stop(): Promise<void>;
}

/**
 * The worker's code, plain CommonJS so that it runs without a TypeScript loader. Its own connection to the same
 * file checkpoints while the main thread goes on writing: a passive checkpoint never blocks a writer.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
db.pragma('synchronous = NORMAL');
let failing = false;
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    failing = false;
  } catch (err) {
    if (!failing) parentPort.postMessage(err instanceof Error ? err.message : String(err));
    failing = true;
  }
}, workerData.intervalMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * Moves SQLite's WAL checkpoints off the event loop. A checkpoint copies pages into the database file and syncs it;
 * run by the writing connection, it stalls whatever commit crosses the threshold by tens of ms.
 */
export function startCheckpointer(options: CheckpointerOptions): Checkpointer {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      file: options.file,
      driver: createRequire(import.meta.url).resolve('better-sqlite3'),
      intervalMs: options.intervalMs,
      busyTimeoutMs: options.busyTimeoutMs,
    },
  });
  // A forgotten close must not keep the process alive.
  worker.unref();
  worker.on('message', (message: string) => options.onError(`sqlite checkpoint failed: ${message}`));
  worker.on('error', (err) => options.onError(`sqlite checkpointer stopped: ${err.message}`));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let stopping: Promise<void> | undefined;
  return {
    stop: () => {
      stopping ??= (async () => {
        // Waiting for the worker to finish must keep the process alive, or a pending close would never resolve.
        worker.ref();
        worker.postMessage('stop');
        await exited;
      })();
      return stopping;
    },
  };
}
