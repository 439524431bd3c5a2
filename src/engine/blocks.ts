import { Counter, type Registry as PromRegistry } from 'prom-client';
import type { BlockDefinition, BlockOutput, ModelBlock, ModelBlockContext } from '../core/blocks/model-block.ts';
import { numericValue } from '../core/blocks/model-block.ts';
import { EventType, type BlockBinding, type JsonObject, type TelemetryValue, type Twin } from '../core/types.ts';
import type { Clock, Logger } from '../ports.ts';
import type { BlockRegistry } from './block-registry.ts';
import { loadBlockModule } from './blocks-loader.ts';
import { BlockRestartingError, BlockTimeoutError, WorkerBlock } from './worker-block.ts';
import type { EventBus } from './event-bus.ts';
import type { AcceptedReading, Ingest } from './ingest.ts';
import type { Registry } from './registry.ts';

export interface BlockRunnerOptions {
  ingest: Ingest;
  registry: Registry;
  blocks: BlockRegistry;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  /** Where the block counters go (the engine's Prometheus registry). */
  metrics?: PromRegistry;
  /** A `process` that has not answered after this long counts as hung and is abandoned. @default 1000 */
  timeoutMs?: number;
  /** Readings queued per bound block before new ones are dropped (and counted). @default 1000 */
  maxQueue?: number;
  /** `module_path` in twin.yaml resolves against this folder. @default process.cwd() at the caller */
  baseDir: string;
  /** Source of block randomness (in-process blocks; a worker-thread block draws its own). */
  random?: () => number;
  /**
   * Where `module_path` blocks run: `worker` (default) gives each bound instance its own worker thread, so a block
   * that loops forever is terminated and restarted; `inline` loads it into this process (trusted code, fastest).
   * Built-in blocks always run inline.
   * @default 'worker'
   */
  isolation?: BlockIsolation;
  /** Delays before the restarts of a worker block that hung or crashed. @default DEFAULT_RESTART_BACKOFF_MS */
  restartBackoffMs?: readonly number[];
}

export const BlockIsolation = { Worker: 'worker', Inline: 'inline' } as const;
export type BlockIsolation = (typeof BlockIsolation)[keyof typeof BlockIsolation];

export interface BlockStats {
  input: string;
  block: string;
  version: string;
  processed: number;
  errors: number;
  timeouts: number;
  dropped: number;
  anomalies: number;
  /** Readings skipped while a worker block restarted. */
  skipped: number;
  /** Fresh workers started after a hang or a crash. */
  restarts: number;
  lastError?: string;
  /** The block's own state (`snapshot()`), when it offers one. */
  state?: JsonObject;
}

interface Bound {
  binding: BlockBinding;
  input: string;
  definition: BlockDefinition | undefined;
  block: ModelBlock | undefined;
  /** Serializes readings: a block sees them one at a time, in order. */
  chain: Promise<void>;
  queued: number;
  stats: BlockStats;
  closed: boolean;
  saved: JsonObject | undefined;
}

interface TwinBlocks {
  /** The twin's `blocks` array this was built from; a new array (a registry update) means rebuild. */
  source: readonly BlockBinding[];
  bound: Bound[];
}

const TIMEOUT = Symbol('timeout');
const key = (tenant: string, id: string) => `${tenant}\u0000${id}`;

/**
 * Runs the model blocks bound to twins (`blocks:` in twin.yaml) on every accepted reading of their input field.
 * Outputs go back into ingest as derived telemetry (`<input>.estimate`, `.residual`, `.anomaly`), so they are
 * stored, streamed and listened to like device data; an anomaly is also an `anomaly.detected` event.
 *
 * Isolation: a block that throws or rejects, or does not answer within `timeoutMs`, is counted and logged and the
 * reading is skipped for that block only; the twin's other blocks and ingest go on. A `module_path` block (user
 * code) runs in a worker thread of its own, so one that blocks synchronously (`for(;;){}`) is terminated on timeout
 * and restarted with backoff (state re-initialised through `init`); built-in blocks are ours, bounded, and inline.
 * Changing a twin's bindings in the registry (another `version`, other params) takes effect on its next reading.
 */
export class BlockRunner {
  readonly #o: BlockRunnerOptions;
  readonly #twins = new Map<string, TwinBlocks>();
  readonly #runs: Counter<'block'>;
  readonly #failures: Counter<'block' | 'kind'>;
  #unsubscribe: (() => void) | undefined;

  constructor(options: BlockRunnerOptions) {
    this.#o = options;
    const registers = options.metrics === undefined ? [] : [options.metrics];
    this.#runs = new Counter({ name: 'twinflow_block_runs_total', help: 'Readings processed by model blocks', labelNames: ['block'], registers });
    this.#failures = new Counter({
      name: 'twinflow_block_failures_total',
      help: 'Model block failures: error (threw or rejected), timeout (hung), crash (worker died), init, dropped (queue full)',
      labelNames: ['block', 'kind'],
      registers,
    });
  }

  start(): void {
    this.#unsubscribe ??= this.#o.ingest.addListener((reading) => this.#onReading(reading));
  }

  /** The bound blocks of a twin and their counters. */
  status(tenant: string, twinId: string): BlockStats[] {
    return (this.#twins.get(key(tenant, twinId))?.bound ?? []).map((b) => {
      const state = b.block?.snapshot?.();
      return { ...b.stats, ...(state === undefined ? {} : { state }) };
    });
  }

  /** Resolves when every queued reading has been processed. */
  async idle(): Promise<void> {
    for (;;) {
      const chains = [...this.#twins.values()].flatMap((t) => t.bound.filter((b) => b.queued > 0).map((b) => b.chain));
      if (chains.length === 0) return;
      await Promise.all(chains);
    }
  }

  async close(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    await this.idle();
    for (const twin of this.#twins.values()) for (const b of twin.bound) await this.#shutdown(b);
    this.#twins.clear();
  }

  #onReading(reading: AcceptedReading): void {
    if (reading.source.startsWith('block:')) return;
    const twin = this.#o.registry.peek(reading.tenant, reading.twinId);
    if (twin === undefined || twin.blocks.length === 0) {
      if (twin !== undefined) this.#drop(reading.tenant, reading.twinId);
      return;
    }
    const k = key(reading.tenant, reading.twinId);
    let entry = this.#twins.get(k);
    if (entry === undefined || entry.source !== twin.blocks) {
      const previous = entry;
      entry = { source: twin.blocks, bound: twin.blocks.map((binding, i) => this.#bind(twin, binding, i, previous)) };
      this.#twins.set(k, entry);
      if (previous !== undefined) for (const b of previous.bound) void this.#shutdown(b);
    }
    for (const bound of entry.bound) {
      const value = numericValue(reading.values, bound.input);
      if (value === undefined) continue;
      if (bound.queued >= (this.#o.maxQueue ?? 1000)) {
        bound.stats.dropped++;
        this.#failures.labels(bound.stats.block, 'dropped').inc();
        continue;
      }
      bound.queued++;
      bound.chain = bound.chain.then(() => this.#process(twin, bound, reading, value)).finally(() => void bound.queued--);
    }
  }

  #bind(twin: Twin, binding: BlockBinding, index: number, previous: TwinBlocks | undefined): Bound {
    const name = binding.use ?? binding.module_path ?? `block-${index}`;
    const input = binding.input ?? 'value';
    const same = previous?.bound.find((b) => b.input === input && b.stats.block === name);
    const bound: Bound = {
      binding,
      input,
      definition: undefined,
      block: undefined,
      chain: Promise.resolve(),
      queued: 0,
      stats: { input, block: name, version: binding.version ?? '', processed: 0, errors: 0, timeouts: 0, dropped: 0, anomalies: 0, skipped: 0, restarts: 0 },
      closed: false,
      // A new version of the same block on the same input starts from what the old one saved.
      saved: same?.saved,
    };
    bound.chain = this.#init(twin, bound).catch((err: unknown) => {
      bound.stats.errors++;
      bound.stats.lastError = errorText(err);
      this.#failures.labels(name, 'init').inc();
      this.#o.logger.error({ err, twinId: twin.id, block: name }, `model block ${name} on ${twin.id}.${input} failed to start; its readings are skipped`);
    });
    return bound;
  }

  async #init(twin: Twin, bound: Bound): Promise<void> {
    const { binding } = bound;
    let definition: BlockDefinition;
    if (binding.use !== undefined) {
      definition = this.#o.blocks.resolve(binding.use, binding.version).definition;
    } else if (binding.module_path !== undefined && (this.#o.isolation ?? BlockIsolation.Worker) === BlockIsolation.Worker) {
      definition = this.#workerDefinition(twin, bound, binding.module_path, binding.version ?? '0.0.0');
    } else if (binding.module_path !== undefined) {
      definition = await loadBlockModule(binding.module_path, this.#o.baseDir, binding.version);
    } else {
      throw new Error('a block binding needs "use" or "module_path"');
    }
    bound.definition = definition;
    bound.stats.version = definition.version;
    const block = definition.create();
    const params = binding.params ?? {};
    const logger = this.#o.logger.child({ twinId: twin.id, block: definition.name, version: definition.version });
    const ctx: ModelBlockContext = {
      tenant: twin.tenant,
      twinId: twin.id,
      input: bound.input,
      params,
      config: params,
      logger,
      now: () => this.#o.clock.now(),
      random: this.#o.random ?? Math.random,
      state: { load: () => bound.saved, save: (s) => void (bound.saved = s) },
    };
    // A worker block bounds its own start (thread + module load + init) and its calls, and restarts itself.
    if (block instanceof WorkerBlock) await block.init(ctx);
    else await withTimeout(Promise.resolve(block.init(ctx)), this.#o.clock, this.#o.timeoutMs ?? 1000);
    bound.block = block;
  }

  #workerDefinition(twin: Twin, bound: Bound, modulePath: string, version: string): BlockDefinition {
    const name = bound.stats.block;
    const where = { twinId: twin.id, block: name };
    return {
      name: modulePath,
      version,
      description: `loaded from ${modulePath} in a worker thread`,
      params: {},
      create: () =>
        new WorkerBlock({
          modulePath,
          baseDir: this.#o.baseDir,
          version,
          clock: this.#o.clock,
          logger: this.#o.logger.child({ ...where, version }),
          timeoutMs: this.#o.timeoutMs ?? 1000,
          ...(this.#o.restartBackoffMs === undefined ? {} : { restartBackoffMs: this.#o.restartBackoffMs }),
          onCrash: (err) => {
            bound.stats.errors++;
            bound.stats.lastError = errorText(err);
            this.#failures.labels(name, 'crash').inc();
            this.#o.logger.warn({ err, ...where }, `model block ${name} on ${twin.id}.${bound.input}: its worker died; restarting`);
          },
          onRestartFailed: (err) => {
            bound.stats.errors++;
            bound.stats.lastError = errorText(err);
            this.#failures.labels(name, 'init').inc();
            this.#o.logger.error({ err, ...where }, `model block ${name} on ${twin.id}.${bound.input} failed to restart; trying again later`);
          },
          onRestarted: (attempt) => {
            bound.stats.restarts++;
            this.#o.logger.info({ ...where, attempt }, `model block ${name} on ${twin.id}.${bound.input} restarted in a fresh worker`);
          },
        }),
    };
  }

  async #process(twin: Twin, bound: Bound, reading: AcceptedReading, value: number): Promise<void> {
    const block = bound.block;
    if (block === undefined || bound.closed) return;
    const name = bound.stats.block;
    let output: BlockOutput | typeof TIMEOUT;
    try {
      const call = Promise.resolve().then(() => block.process({ ts: reading.ts, value, field: bound.input, twinId: twin.id, values: reading.values }));
      output = block instanceof WorkerBlock ? await call : await withTimeout(call, this.#o.clock, this.#o.timeoutMs ?? 1000);
    } catch (err) {
      if (err instanceof BlockRestartingError) {
        bound.stats.skipped++;
        return;
      }
      if (!(err instanceof BlockTimeoutError)) {
        bound.stats.errors++;
        bound.stats.lastError = errorText(err);
        this.#failures.labels(name, 'error').inc();
        this.#o.logger.warn({ err, twinId: twin.id, block: name }, `model block ${name} failed on ${twin.id}.${bound.input}`);
        return;
      }
      output = TIMEOUT;
    }
    if (output === TIMEOUT) {
      bound.stats.timeouts++;
      bound.stats.lastError = `no answer within ${this.#o.timeoutMs ?? 1000} ms`;
      this.#failures.labels(name, 'timeout').inc();
      this.#o.logger.warn({ twinId: twin.id, block: name }, `model block ${name} on ${twin.id}.${bound.input} hung; reading skipped${block instanceof WorkerBlock ? ', worker terminated and restarting' : ''}`);
      return;
    }
    bound.stats.processed++;
    this.#runs.labels(name).inc();
    const values: Record<string, TelemetryValue> = {
      [`${bound.input}.estimate`]: output.twin_estimate,
      [`${bound.input}.anomaly`]: output.anomaly_flag,
    };
    if (typeof output.residual === 'number') values[`${bound.input}.residual`] = output.residual;
    if (output.anomaly_flag) {
      bound.stats.anomalies++;
      this.#o.bus.publish({
        type: EventType.AnomalyDetected,
        tenant: twin.tenant,
        twinId: twin.id,
        time: reading.ts,
        data: { field: bound.input, block: name, version: bound.stats.version, value, estimate: output.twin_estimate, residual: output.residual ?? null },
      });
    }
    const snapshot = block.snapshot?.();
    if (snapshot !== undefined) bound.saved = snapshot;
    // Not awaited: durability is the batch writer's business, and the block's next reading need not wait for it.
    void this.#o.ingest.derived(twin.tenant, twin.id, reading.ts, values, `block:${name}`).catch((err: unknown) => {
      this.#o.logger.warn({ err, twinId: twin.id }, 'block output not stored');
    });
  }

  #drop(tenant: string, twinId: string): void {
    const entry = this.#twins.get(key(tenant, twinId));
    if (entry === undefined) return;
    this.#twins.delete(key(tenant, twinId));
    for (const b of entry.bound) void this.#shutdown(b);
  }

  async #shutdown(bound: Bound): Promise<void> {
    if (bound.closed) return;
    bound.closed = true;
    await bound.chain;
    try {
      await withTimeout(Promise.resolve(bound.block?.shutdown()), this.#o.clock, this.#o.timeoutMs ?? 1000);
    } catch (err) {
      this.#o.logger.warn({ err, block: bound.stats.block }, 'model block shutdown failed');
    }
  }
}

function withTimeout<T>(promise: Promise<T>, clock: Clock, ms: number): Promise<T | typeof TIMEOUT> {
  return new Promise((resolve, reject) => {
    const timer = clock.setTimeout(() => resolve(TIMEOUT), ms);
    promise.then(
      (v) => {
        timer.cancel();
        resolve(v);
      },
      (err: unknown) => {
        timer.cancel();
        reject(err);
      },
    );
  });
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
