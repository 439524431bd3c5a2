/**
 * Model blocks (DESIGN §5.4, the PyEdgeTwin seed): a block is bound to one telemetry field of a twin, sees each
 * reading of it and answers with an estimate, a residual and an anomaly flag, which become telemetry of the twin
 * (`<input>.estimate`, `<input>.residual`, `<input>.anomaly`). Pure as the rest of the core: time, randomness,
 * logging and persistence come in through the context.
 */
import type { Json, JsonObject, TelemetryValue } from '../types.ts';
import type { SimModel } from '../sim/sim-model.ts';

export interface BlockLogger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

/** Where a block may keep state that outlives a restart or a switch of version. */
export interface BlockStateStore {
  load(): JsonObject | undefined;
  save(state: JsonObject): void;
}

export interface ModelBlockContext {
  tenant: string;
  twinId: string;
  /** The telemetry field the block reads. */
  input: string;
  params: JsonObject;
  /** The seed's name for `params` (`context.config.get("process_noise", 0.01)`). */
  config: JsonObject;
  logger: BlockLogger;
  /** Epoch ms, from the engine's clock. */
  now(): number;
  /** Uniform in [0, 1), seeded when the runtime has a seed. */
  random(): number;
  state: BlockStateStore;
}

/** One reading as a block sees it; `value` is the input field (the seed's `msg["value"]`). */
export interface BlockReading {
  ts: number;
  value: number;
  field: string;
  twinId: string;
  /** Every field of the reading, for blocks that also read a control input. */
  values: Readonly<Record<string, TelemetryValue>>;
}

export interface BlockOutput {
  raw_value: number;
  twin_estimate: number;
  anomaly_flag: boolean;
  residual?: number;
  [extra: string]: number | boolean | string | undefined;
}

export interface ModelBlock {
  init(ctx: ModelBlockContext): void | Promise<void>;
  process(msg: BlockReading): BlockOutput | Promise<BlockOutput>;
  shutdown(): void | Promise<void>;
  /** The block's internal state, for snapshots and `from_twin` simulations. */
  snapshot?(): JsonObject;
}

export interface BlockParamSpec {
  default?: Json;
  description: string;
}

/** One version of a block, with the metadata the block registry lists (`GET /api/blocks`). */
export interface BlockDefinition {
  name: string;
  version: string;
  description: string;
  params: Readonly<Record<string, BlockParamSpec>>;
  create(): ModelBlock;
  /** A block with physics behind it can also be stepped as a simulation model (`/simulate/init`). */
  simulation?: SimModel;
}

/** A numeric parameter, or its default when absent or not a finite number. */
export function numberParam(params: JsonObject, name: string, fallback: number): number {
  const v = params[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

export function stringParam(params: JsonObject, name: string, fallback: string): string {
  const v = params[name];
  return typeof v === 'string' && v !== '' ? v : fallback;
}

/** A numeric field of a reading, or undefined. */
export function numericValue(values: Readonly<Record<string, TelemetryValue>>, field: string): number | undefined {
  const v = values[field];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return undefined;
}
