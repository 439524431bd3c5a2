import { Counter, Gauge, type Registry as PromRegistry } from 'prom-client';
import type { BlockOutput, ModelBlock } from '../core/blocks/model-block.ts';
import type { Clock, Logger } from '../ports.ts';
import type { Sink, SinkRecord } from '../adapters/sinks/sink.ts';
import { BlockRestartingError, BlockTimeoutError } from './worker-block.ts';

export interface BlockRuntimeOptions {
  twinId: string;
  assetId: string;
  modelVersion: string;
  /** The payload field read when a JSON object has no `value`. */
  input?: string;
  block: ModelBlock;
  sinks: readonly Sink[];
  clock: Clock;
  logger: Logger;
  metrics: PromRegistry;
}

/** A reading out of an MQTT payload: a bare number, or JSON with `value` (or the input field) and optional `ts`. */
export function readPayload(payload: Uint8Array, receivedAt: number, input?: string): { value: number; ts: number; values: Record<string, number> } | undefined {
  const text = new TextDecoder().decode(payload).trim();
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof doc === 'number' && Number.isFinite(doc)) return { value: doc, ts: receivedAt, values: { value: doc } };
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return undefined;
  const o = doc as Record<string, unknown>;
  const values: Record<string, number> = {};
  for (const [k, v] of Object.entries(o)) if (typeof v === 'number' && Number.isFinite(v) && k !== 'ts') values[k] = v;
  const value = (input !== undefined ? values[input] : undefined) ?? values.value ?? Object.values(values)[0];
  if (value === undefined) return undefined;
  const ts = typeof o.ts === 'number' ? o.ts : typeof o.ts === 'string' && !Number.isNaN(Date.parse(o.ts)) ? Date.parse(o.ts) : receivedAt;
  return { value, ts, values };
}

/**
 * The PyEdgeTwin runtime's pipeline for one asset: each message → the model block (one at a time, in order) →
 * a record to every sink. A message the block cannot take is counted and logged; the stream goes on.
 */
export class BlockRuntime {
  readonly #o: BlockRuntimeOptions;
  #chain: Promise<void> = Promise.resolve();
  readonly #messages: Counter<'outcome'>;
  readonly #anomalies: Counter;
  readonly #lastTs: Gauge;
  processed = 0;
  /** Readings the block did not answer in time (only a worker-thread block can time out). */
  timeouts = 0;

  constructor(options: BlockRuntimeOptions) {
    this.#o = options;
    const registers = [options.metrics];
    this.#messages = new Counter({ name: 'twinflow_runtime_messages_total', help: 'Messages by outcome: processed, invalid, failed, timeout (the block hung), skipped (the block was restarting)', labelNames: ['outcome'], registers });
    this.#anomalies = new Counter({ name: 'twinflow_runtime_anomalies_total', help: 'Readings the block flagged', registers });
    this.#lastTs = new Gauge({ name: 'twinflow_runtime_last_reading_timestamp_ms', help: 'ts of the last processed reading', registers });
  }

  handle(topic: string, payload: Uint8Array, receivedAt: number): Promise<void> {
    const reading = readPayload(payload, receivedAt, this.#o.input);
    if (reading === undefined) {
      this.#messages.labels('invalid').inc();
      this.#o.logger.warn({ topic }, 'runtime: payload is neither a number nor JSON with a numeric value; skipped');
      return this.#chain;
    }
    this.#chain = this.#chain.then(async () => {
      let out: BlockOutput;
      try {
        out = await this.#o.block.process({ ts: reading.ts, value: reading.value, field: this.#o.input ?? 'value', twinId: this.#o.twinId, values: reading.values });
      } catch (err) {
        if (err instanceof BlockTimeoutError) {
          this.timeouts++;
          this.#messages.labels('timeout').inc();
          this.#o.logger.warn({ topic, ts: reading.ts }, 'runtime: the model block hung on a reading; skipped, its worker terminated and restarting');
        } else if (err instanceof BlockRestartingError) {
          this.#messages.labels('skipped').inc();
        } else {
          this.#messages.labels('failed').inc();
          this.#o.logger.warn({ err, topic }, 'runtime: the model block failed on a reading');
        }
        return;
      }
      const record: SinkRecord = {
        ts: reading.ts,
        twin_id: this.#o.twinId,
        asset_id: this.#o.assetId,
        topic,
        model_version: this.#o.modelVersion,
        raw_value: out.raw_value,
        twin_estimate: out.twin_estimate,
        anomaly_flag: out.anomaly_flag,
        residual: typeof out.residual === 'number' ? out.residual : null,
      };
      this.processed++;
      this.#messages.labels('processed').inc();
      if (out.anomaly_flag) this.#anomalies.inc();
      this.#lastTs.set(reading.ts);
      await Promise.all(this.#o.sinks.map((s) => s.write([record])));
    });
    return this.#chain;
  }

  /** Waits for queued readings, then flushes every sink. */
  async flush(): Promise<void> {
    await this.#chain;
    await Promise.all(this.#o.sinks.map((s) => s.flush()));
  }
}
