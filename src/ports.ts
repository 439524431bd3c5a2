/**
 * The interfaces the engine needs from the outside world. Each has an in-memory implementation
 * (`src/adapters/memory`) and one contract suite (`test/contracts`) that every adapter passes.
 */
import type {
  JsonObject,
  Page,
  Service,
  TelemetryPoint,
  TelemetryValue,
  Twin,
  TwinEvent,
  TwinStatus,
} from './core/types.ts';

export interface TwinQuery {
  /** Scope of the query. Only the engine's start-up load omits it, to read every tenant. */
  tenant?: string;
  status?: TwinStatus;
  model?: string;
  group?: string;
  /** Every listed dimension must equal the given value. */
  dimensions?: Record<string, string>;
  /** @default 100 */
  limit?: number;
  /** Opaque: the `next` of the previous page. Pages are ordered by (tenant, id). */
  cursor?: string;
}

export interface ServiceQuery {
  tenant: string;
  category?: string;
  limit?: number;
  cursor?: string;
}

export interface TwinStore {
  getTwin(tenant: string, id: string): Promise<Twin | undefined>;
  /**
   * Inserts or replaces a twin. With `expectedVersion` the write happens only if the stored version equals it
   * (`0`: the twin must not exist yet); otherwise it fails with a `conflict` TwinflowError.
   */
  putTwin(twin: Twin, expectedVersion?: number): Promise<void>;
  /** Removes the twin; false when there was none. */
  deleteTwin(tenant: string, id: string): Promise<boolean>;
  listTwins(query: TwinQuery): Promise<Page<Twin>>;

  getService(tenant: string, id: string): Promise<Service | undefined>;
  putService(service: Service): Promise<void>;
  listServices(query: ServiceQuery): Promise<Page<Service>>;

  close(): Promise<void>;
}

export const Aggregate = {
  Avg: 'avg',
  Min: 'min',
  Max: 'max',
  Sum: 'sum',
  Count: 'count',
  First: 'first',
  Last: 'last',
} as const;
export type Aggregate = (typeof Aggregate)[keyof typeof Aggregate];

export interface TelemetryQuery {
  tenant: string;
  twinId: string;
  /** Fields to return; all when omitted. */
  fields?: string[];
  /** Inclusive, epoch ms. */
  from?: number;
  /** Exclusive, epoch ms. */
  to?: number;
  /** Bucket width in ms. Buckets start at multiples of `every` since the epoch; a bucket's ts is its start. */
  every?: number;
  /** How a bucket is reduced. @default 'avg' */
  agg?: Aggregate;
  /** At most this many points per field, the latest ones, still in ascending order. */
  limit?: number;
}

export interface SeriesPoint {
  ts: number;
  value: TelemetryValue;
}

/** Points per field, ascending by ts. */
export type Series = Record<string, SeriesPoint[]>;

export interface TelemetryStore {
  /**
   * Appends points durably: when the promise resolves, they survive a crash. Idempotent: a point whose
   * (tenant, twinId, field, ts) is already stored is ignored, so redelivered messages do not duplicate.
   */
  append(points: readonly TelemetryPoint[]): Promise<void>;
  query(query: TelemetryQuery): Promise<Series>;
  /** The newest point of each field of one twin. */
  latest(tenant: string, twinId: string): Promise<Record<string, SeriesPoint>>;
  close(): Promise<void>;
}

export interface EventQuery {
  /** Only events with a greater seq. */
  after?: number;
  /** Only events with a smaller seq: the cursor of a newest-first page. */
  before?: number;
  tenant?: string;
  types?: readonly string[];
  twinId?: string;
  /** Only events at or after this time (epoch ms). */
  since?: number;
  /** @default 100 */
  limit?: number;
  /** Newest first: the page holds the `limit` greatest matching seqs, in descending seq. @default false */
  descending?: boolean;
}

/** The durable log of platform events; `seq` is assigned by the engine's event bus before append. */
export interface EventLog {
  append(events: readonly TwinEvent[]): Promise<void>;
  /** Events in ascending seq, or descending with `descending`. */
  read(query: EventQuery): Promise<TwinEvent[]>;
  /** The greatest stored seq, or 0. */
  lastSeq(): Promise<number>;
  close(): Promise<void>;
}

/** A stored document: what a capability keeps per key (a shadow, a command, a workflow's state, a model). */
export interface DocumentRecord {
  collection: string;
  tenant: string;
  id: string;
  /** 1 on creation, +1 on every put. */
  version: number;
  doc: JsonObject;
  /** String attributes the document can be listed by (`{twin: 'm1', status: 'queued'}`). */
  tags: Record<string, string>;
  updatedAt: number;
}

export interface DocumentQuery {
  collection: string;
  /** Omitted only by engine-internal start-up loads, to read every tenant. */
  tenant?: string;
  /** Every given tag must equal the value. */
  tags?: Record<string, string>;
  /** Only ids starting with this. */
  idPrefix?: string;
  /** @default 100 */
  limit?: number;
  /** The `next` of the previous page; pages are ordered by (tenant, id). */
  cursor?: string;
}

/**
 * Versioned JSON documents in named collections, scoped by tenant: the persistence of every capability whose
 * records are read and written whole (shadows, commands, workflow state, alarms, models, sequence runs).
 */
export interface DocumentStore {
  get(collection: string, tenant: string, id: string): Promise<DocumentRecord | undefined>;
  /**
   * Creates or replaces a document and returns its new version. With `expectedVersion` the write happens only if
   * the stored version equals it (`0`: must not exist yet); otherwise it fails with a `conflict` TwinflowError.
   */
  put(
    collection: string,
    tenant: string,
    id: string,
    doc: JsonObject,
    options?: { expectedVersion?: number; tags?: Record<string, string>; now?: number },
  ): Promise<number>;
  delete(collection: string, tenant: string, id: string): Promise<boolean>;
  list(query: DocumentQuery): Promise<Page<DocumentRecord>>;
}

/** One entry of an append-only log: a shadow's history, a command's audit trail. */
export interface LogEntry {
  /** Assigned by the store on append: increasing within the store. */
  seq: number;
  stream: string;
  tenant: string;
  /** What the entry is about (a twin id, a command id). */
  key: string;
  time: number;
  data: JsonObject;
}

export interface LogQuery {
  stream: string;
  tenant: string;
  key?: string;
  /** Inclusive, epoch ms. */
  from?: number;
  /** Exclusive, epoch ms. */
  to?: number;
  /** Only entries with a greater seq. */
  after?: number;
  /** @default 100 */
  limit?: number;
  /** Newest first instead of oldest first. @default false */
  descending?: boolean;
}

/** Append-only entries in named streams, read back by key and time: history and audit trails. */
export interface RecordLog {
  /** Appends durably, in order; returns the entries with their seq. */
  append(entries: readonly Omit<LogEntry, 'seq'>[]): Promise<LogEntry[]>;
  read(query: LogQuery): Promise<LogEntry[]>;
}

/** A store backend: the stores share one connection and close together. */
export interface Storage {
  readonly kind: string;
  readonly twins: TwinStore;
  readonly telemetry: TelemetryStore;
  readonly events: EventLog;
  readonly documents: DocumentStore;
  readonly records: RecordLog;
  /** Resolves when the backend answers; rejects with the reason otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface Timer {
  cancel(): void;
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): Timer;
}

export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export interface InboundMessage {
  topic: string;
  payload: Uint8Array;
  receivedAt: number;
  qos: 0 | 1 | 2;
  /**
   * Called exactly once when the message is durable or has been rejected. For QoS ≥ 1 the transport
   * releases the publisher's acknowledgement only then.
   */
  ack(): void;
}

export interface PublishOptions {
  /** @default 1 */
  qos?: 0 | 1;
  /** @default false */
  retain?: boolean;
}

export const ComponentStatus = { Starting: 'starting', Up: 'up', Down: 'down' } as const;
export type ComponentStatus = (typeof ComponentStatus)[keyof typeof ComponentStatus];

/** The MQTT side: where devices publish and where twinflow publishes to devices. */
export interface Transport {
  /** The URL devices connect to. Known after `start`. */
  readonly url: string;
  start(onMessage: (message: InboundMessage) => void): Promise<void>;
  publish(topic: string, payload: string | Uint8Array, options?: PublishOptions): Promise<void>;
  status(): ComponentStatus;
  close(): Promise<void>;
}

/**
 * Simulation sessions (DESIGN §5.8): whole JSON documents by id that expire after an idle time. Reading a
 * session restarts its idle timer, so a session in use never expires.
 */
export interface SessionStore {
  readonly kind: string;
  /** The session, its idle timer restarted at `ttlMs`; undefined when unknown or expired. */
  get(id: string, ttlMs: number): Promise<JsonObject | undefined>;
  /** Creates or replaces a session, expiring after `ttlMs` without access. */
  put(id: string, doc: JsonObject, ttlMs: number): Promise<void>;
  delete(id: string): Promise<boolean>;
  close(): Promise<void>;
}
