import { Worker } from 'node:worker_threads';
import type { BlockOutput, BlockReading, ModelBlock, ModelBlockContext } from '../core/blocks/model-block.ts';
import { ErrorCode, TwinflowError } from '../core/errors.ts';
import type { JsonObject } from '../core/types.ts';
import type { Clock, Logger, Timer } from '../ports.ts';

/** What the main thread asks of a block worker; `now` is the engine clock at the time of asking. */
export type WorkerCall =
  | { op: 'init'; ctx: { tenant: string; twinId: string; input: string; params: JsonObject }; saved: JsonObject | undefined; seed?: number }
  | { op: 'process'; msg: BlockReading }
  | { op: 'shutdown' };
export type WorkerRequest = WorkerCall & { id: number; now: number };

export type WorkerReply =
  | { type: 'result'; id: number; ok: true; result: unknown }
  | { type: 'result'; id: number; ok: false; error: string }
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; obj: object; msg?: string }
  | { type: 'save'; state: JsonObject };

/** The block did not answer within its time and its worker was terminated; it restarts after a backoff. */
export class BlockTimeoutError extends TwinflowError {
  constructor(ms: number) {
    super(ErrorCode.Internal, `no answer within ${ms} ms; the block's worker was terminated and restarts`);
    this.name = 'BlockTimeoutError';
  }
}

/** The block's worker is being restarted (after a hang or a crash); the reading is skipped. */
export class BlockRestartingError extends TwinflowError {
  constructor() {
    super(ErrorCode.NotReady, 'the block is restarting after a failure; reading skipped');
    this.name = 'BlockRestartingError';
  }
}

/** Delays before restart attempt 1, 2, …, the last repeating (nats.js-style backoff as data). */
export const DEFAULT_RESTART_BACKOFF_MS = [0, 250, 1_000, 5_000, 30_000] as const;

export interface WorkerBlockOptions {
  /** `./blocks/x.ts:ClassName`, as in twin.yaml or the runtime config. */
  modulePath: string;
  baseDir: string;
  version: string;
  clock: Clock;
  logger: Logger;
  /** A call to `process` or `shutdown` unanswered after this long terminates the worker. @default 1000 */
  timeoutMs?: number;
  /** Loading the module in a fresh thread plus `init` (tsx compiles TypeScript there first). @default 10000 */
  startTimeoutMs?: number;
  /** Seeds the block's `random` in its thread (again from the start after a restart); Math.random without it. */
  seed?: number;
  /** @default DEFAULT_RESTART_BACKOFF_MS */
  restartBackoffMs?: readonly number[];
  /** Called when a restart fails to start (counted by the caller as an `init` failure). */
  onRestartFailed?: (err: unknown) => void;
  /** Called when the worker dies by itself (an exit or an uncaught error in the block). */
  onCrash?: (err: unknown) => void;
  /** Called when a fresh worker has been initialised after a failure. */
  onRestarted?: (attempt: number) => void;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (err: unknown) => void;
  timer: Timer;
}

const State = { Idle: 'idle', Running: 'running', Restarting: 'restarting', Closed: 'closed' } as const;
type State = (typeof State)[keyof typeof State];

// tsx's loader hooks must be registered inside the thread before the TypeScript entry is imported:
// `execArgv: ['--import', 'tsx']` registers them too late for the worker's own entry module on Node 20.
const TSX_API = import.meta.resolve('tsx/esm/api');
const ENTRY = new URL('./block-worker.ts', import.meta.url).href;
const BOOTSTRAP = `import(${JSON.stringify(TSX_API)}).then((m) => { m.register(); return import(${JSON.stringify(ENTRY)}); });`;

/**
 * A model block loaded from `module_path` that runs in its own worker thread, so untrusted code that loops forever
 * freezes only that thread: a call unanswered within `timeoutMs` terminates the worker, rejects with
 * BlockTimeoutError, and a new worker is started (module loaded again, `init` run again with the last saved state)
 * after a backoff. Readings that arrive meanwhile are refused with BlockRestartingError.
 */
export class WorkerBlock implements ModelBlock {
  readonly #o: WorkerBlockOptions;
  #worker: Worker | undefined;
  #state: State = State.Idle;
  #ctx: ModelBlockContext | undefined;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  #snapshot: JsonObject | undefined;
  #attempt = 0;
  #restartTimer: Timer | undefined;

  constructor(options: WorkerBlockOptions) {
    this.#o = options;
  }

  async init(ctx: ModelBlockContext): Promise<void> {
    this.#ctx = ctx;
    try {
      await this.#start();
    } catch (err) {
      // A block that cannot start at all is the caller's init failure, not something to retry in a loop.
      this.#state = State.Closed;
      this.#restartTimer?.cancel();
      await this.#terminate(err instanceof Error ? err : new Error(String(err)));
      throw err;
    }
  }

  async process(msg: BlockReading): Promise<BlockOutput> {
    if (this.#state !== State.Running) throw new BlockRestartingError();
    const { out, snapshot } = (await this.#call({ op: 'process', msg: { ts: msg.ts, value: msg.value, field: msg.field, twinId: msg.twinId, values: msg.values } }, this.#timeoutMs)) as {
      out: BlockOutput;
      snapshot: JsonObject | undefined;
    };
    this.#attempt = 0;
    this.#keep(snapshot);
    return out;
  }

  async shutdown(): Promise<void> {
    const was = this.#state;
    this.#state = State.Closed;
    this.#restartTimer?.cancel();
    try {
      if (was === State.Running) await this.#call({ op: 'shutdown' }, this.#timeoutMs);
    } finally {
      await this.#terminate(new Error('block shut down'));
    }
  }

  /** Present once the block has shown it has a `snapshot()`: the state it reported with its last answer. */
  snapshot?: () => JsonObject;

  #keep(snapshot: JsonObject | undefined): void {
    if (snapshot === undefined) return;
    this.#snapshot = snapshot;
    this.snapshot ??= () => this.#snapshot ?? {};
  }

  get #timeoutMs(): number {
    return this.#o.timeoutMs ?? 1000;
  }

  async #start(): Promise<void> {
    const ctx = this.#ctx!;
    const worker = new Worker(BOOTSTRAP, { eval: true, workerData: { modulePath: this.#o.modulePath, baseDir: this.#o.baseDir, version: this.#o.version } });
    this.#worker = worker;
    worker.on('message', (reply: WorkerReply) => this.#onReply(reply));
    worker.on('error', (err) => this.#onDeath(worker, err));
    worker.on('exit', (code) => this.#onDeath(worker, new Error(`block worker exited with code ${code}`)));
    const snapshot = await this.#call(
      { op: 'init', ctx: { tenant: ctx.tenant, twinId: ctx.twinId, input: ctx.input, params: ctx.params }, saved: ctx.state.load(), ...(this.#o.seed === undefined ? {} : { seed: this.#o.seed }) },
      this.#o.startTimeoutMs ?? 10_000,
    );
    this.#keep(snapshot as JsonObject | undefined);
    if (this.#state !== State.Closed) this.#state = State.Running;
  }

  #call(req: WorkerCall, ms: number): Promise<unknown> {
    const worker = this.#worker;
    if (worker === undefined) return Promise.reject(new BlockRestartingError());
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = this.#o.clock.setTimeout(() => {
        this.#pending.delete(id);
        reject(new BlockTimeoutError(ms));
        // The thread may be stuck in a synchronous loop: only terminate() gets it back.
        void this.#fail(worker);
      }, ms);
      this.#pending.set(id, { resolve, reject, timer });
      worker.postMessage({ ...req, id, now: this.#o.clock.now() } as WorkerRequest);
    });
  }

  #onReply(reply: WorkerReply): void {
    switch (reply.type) {
      case 'result': {
        const p = this.#pending.get(reply.id);
        if (p === undefined) return;
        this.#pending.delete(reply.id);
        p.timer.cancel();
        if (reply.ok) p.resolve(reply.result);
        else p.reject(new Error(reply.error));
        return;
      }
      case 'log':
        this.#o.logger[reply.level](reply.obj, reply.msg);
        return;
      case 'save':
        this.#ctx?.state.save(reply.state);
        return;
    }
  }

  #onDeath(worker: Worker, err: Error): void {
    if (worker !== this.#worker || this.#state === State.Closed) return;
    // A death during start is the start's failure (reported by init or the restart), not a crash of a running block.
    if (this.#state === State.Running) this.#o.onCrash?.(err);
    void this.#fail(worker, err);
  }

  /** Terminates the worker, fails what it still owed, and schedules a fresh one after the backoff. */
  async #fail(worker: Worker, err: Error = new Error('block worker terminated')): Promise<void> {
    if (worker !== this.#worker) return;
    const wasClosed = this.#state === State.Closed;
    if (!wasClosed) this.#state = State.Restarting;
    await this.#terminate(err);
    if (wasClosed) return;
    const backoff = this.#o.restartBackoffMs ?? DEFAULT_RESTART_BACKOFF_MS;
    const delay = backoff[Math.min(this.#attempt, backoff.length - 1)] ?? 0;
    this.#attempt++;
    const attempt = this.#attempt;
    this.#restartTimer = this.#o.clock.setTimeout(() => {
      this.#restartTimer = undefined;
      if (this.#state === State.Closed) return;
      this.#start().then(
        () => this.#o.onRestarted?.(attempt),
        (startErr: unknown) => {
          this.#o.onRestartFailed?.(startErr);
          if (this.#worker !== undefined) void this.#fail(this.#worker, startErr instanceof Error ? startErr : new Error(String(startErr)));
        },
      );
    }, delay);
  }

  async #terminate(err: Error): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    for (const [id, p] of this.#pending) {
      this.#pending.delete(id);
      p.timer.cancel();
      p.reject(err);
    }
    if (worker !== undefined) await worker.terminate();
  }
}
