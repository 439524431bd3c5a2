import { ErrorCode, NotFoundError } from '../core/errors.ts';
import { checkTenant, checkTwinId } from '../core/ids.ts';
import { parseTelemetry, readDocument, RejectReason, type ParseResult, type Reading, type Rejection } from '../core/telemetry/parse.ts';
import { Channel, parseTwinTopic, type TwinTopic } from '../core/telemetry/topic.ts';
import { EventType, type JsonObject, type TelemetryPoint, type TelemetryValue } from '../core/types.ts';
import type { Clock, InboundMessage, Logger, SeriesPoint } from '../ports.ts';
import type { BatchWriter } from './batch-writer.ts';
import type { EventBus } from './event-bus.ts';
import type { LiveTelemetry } from './live-telemetry.ts';
import type { Metrics } from './metrics.ts';
import type { Registry } from './registry.ts';
import { twinKey } from './twin-key.ts';

export const UnknownTwins = { Reject: 'reject', Register: 'register' } as const;
export type UnknownTwins = (typeof UnknownTwins)[keyof typeof UnknownTwins];

export interface IngestOptions {
  /** Topic root (DESIGN §5.7). @default 'tf' */
  root: string;
  maxBytes: number;
  unknownTwins: UnknownTwins;
  registry: Registry;
  writer: BatchWriter<TelemetryPoint>;
  live: LiveTelemetry;
  bus: EventBus;
  metrics: Metrics;
  clock: Clock;
  logger: Logger;
  /** Remembered msgIds for dropping redeliveries. @default 100000 */
  dedupWindow?: number;
}

export interface IngestOutcome {
  points: number;
  rejections: Rejection[];
  /** Settles when the accepted points are durable. */
  durable: Promise<void>;
}

/** One accepted reading, as listeners (model blocks, workflows, twin sync) see it. */
export interface AcceptedReading {
  tenant: string;
  twinId: string;
  ts: number;
  values: Readonly<Record<string, TelemetryValue>>;
  /** `mqtt`, `http`, or the name of whatever derived it (a model block). */
  source: string;
}

export type ReadingListener = (reading: AcceptedReading) => void;

/** Takes the messages of one non-telemetry channel (`state/update`); it must call `message.ack()` itself. */
export type ChannelHandler = (topic: TwinTopic, message: InboundMessage) => void;

/** Checks a reading's values (against the twin's model); each problem drops that field as `invalid_value`. */
export type ValueCheck = (tenant: string, twinId: string, values: Readonly<Record<string, TelemetryValue>>) => { field: string; message: string }[];

/**
 * A twin's latest values by field. It is the Map itself rather than an object holding one, because every twin that
 * has sent telemetry keeps one for the life of the process (DESIGN §9: memory per idle twin).
 */
class TwinRuntime extends Map<string, SeriesPoint> {
  /** Last arrival-stamped ts, kept strictly increasing so two readings in one millisecond both survive. */
  lastArrivalTs = 0;
}

const key = twinKey;

/**
 * The ingest pipeline (DESIGN §2.1): topic → tenant/twin, parse once, readings → latest values, live stream and the
 * telemetry batch; the message is acknowledged when its batch is durable. A bad message costs one counter
 * increment and one `ingest.rejected` event, and the stream goes on.
 */
export class Ingest {
  readonly #o: IngestOptions;
  readonly #runtime = new Map<string, TwinRuntime>();
  readonly #seen = new Set<string>();
  readonly #dedupWindow: number;
  readonly #mqttMessages;
  readonly #listeners: ReadingListener[] = [];
  readonly #rawListeners: ((message: InboundMessage) => void)[] = [];
  readonly #channels = new Map<string, ChannelHandler>();
  readonly #checks: ValueCheck[] = [];

  constructor(options: IngestOptions) {
    this.#o = options;
    this.#dedupWindow = options.dedupWindow ?? 100_000;
    this.#mqttMessages = options.metrics.ingestMessages.labels('mqtt');
  }

  /** Entry point of the MQTT transport. Never throws: every failure becomes a rejection. */
  onMessage(message: InboundMessage): void {
    const topic = parseTwinTopic(message.topic, this.#o.root);
    if (topic !== undefined && topic.channel !== Channel.Telemetry) {
      const handler = this.#channels.get(topic.channel);
      if (handler !== undefined) {
        handler(topic, message);
        return;
      }
    }
    if (topic === undefined || topic.channel !== Channel.Telemetry) {
      // Topics outside the twin layout may be a workflow source (`telemetry/+/temperature`, DESIGN §5.7).
      if (topic === undefined) for (const raw of this.#rawListeners) this.#callRaw(raw, message);
      message.ack();
      return;
    }
    this.#mqttMessages.inc();
    this.#o.metrics.countMessage(message.receivedAt);
    const problem = checkTenant(topic.tenant) ?? checkTwinId(topic.twinId);
    if (problem !== undefined) {
      const reason = checkTenant(topic.tenant) === undefined ? RejectReason.InvalidId : RejectReason.InvalidTenant;
      this.#reject(topic.tenant, undefined, message.topic, { reason, message: problem }, 'mqtt');
      message.ack();
      return;
    }
    const parsed = parseTelemetry(message.payload, message.receivedAt, this.#o.maxBytes);
    try {
      const outcome = this.#accept(topic.tenant, topic.twinId, parsed, message.topic, 'mqtt');
      outcome.durable.then(
        () => message.ack(),
        (err: unknown) => this.#o.logger.error({ err, topic: message.topic }, 'message not acknowledged'),
      );
    } catch (err) {
      if (!(err instanceof NotFoundError)) this.#o.logger.error({ err, topic: message.topic }, 'ingest failed');
      message.ack();
    }
  }

  /**
   * Calls `listener` with every MQTT message whose topic is outside the twin layout (workflow sources), before it is
   * acknowledged. A listener that throws is logged.
   */
  addRawListener(listener: (message: InboundMessage) => void): () => void {
    this.#rawListeners.push(listener);
    return () => {
      const i = this.#rawListeners.indexOf(listener);
      if (i >= 0) this.#rawListeners.splice(i, 1);
    };
  }

  #callRaw(listener: (message: InboundMessage) => void, message: InboundMessage): void {
    try {
      listener(message);
    } catch (err) {
      this.#o.logger.error({ err, topic: message.topic }, 'a raw message listener failed');
    }
  }

  /** Entry point of `POST /api/twins/{id}/telemetry`; throws `twin_not_found` for an unknown twin. */
  accept(tenant: string, twinId: string, document: unknown): IngestOutcome {
    this.#o.metrics.ingestMessages.labels('http').inc();
    this.#o.metrics.countMessage(this.#o.clock.now());
    return this.#accept(tenant, twinId, readDocument(document, this.#o.clock.now()), undefined, 'http');
  }

  /**
   * Calls `listener` with every reading accepted from now on, after it is in the latest values and on its way to
   * the store. A listener that throws is logged and does not disturb ingest or the other listeners.
   */
  addListener(listener: ReadingListener): () => void {
    this.#listeners.push(listener);
    return () => {
      const i = this.#listeners.indexOf(listener);
      if (i >= 0) this.#listeners.splice(i, 1);
    };
  }

  /**
   * Telemetry that twinflow derived itself (a model block's estimate, a workflow's KPI): stored, streamed and
   * listened to like a device's, with no message to acknowledge. The twin must exist.
   */
  derived(tenant: string, twinId: string, ts: number, values: Record<string, TelemetryValue>, source: string): Promise<void> {
    if (this.#o.registry.peek(tenant, twinId) === undefined) {
      return Promise.reject(new NotFoundError(ErrorCode.TwinNotFound, `twin "${twinId}" is not registered in tenant "${tenant}"`));
    }
    const { durable } = this.#store(tenant, twinId, [{ ts, deviceTime: true, values }], source);
    return durable;
  }

  /** Routes one channel of the twin topics (`state/update`) to `handler` instead of acknowledging and ignoring it. */
  onChannel(channel: string, handler: ChannelHandler): () => void {
    this.#channels.set(channel, handler);
    return () => {
      if (this.#channels.get(channel) === handler) this.#channels.delete(channel);
    };
  }

  /** Adds a value check run on every device reading; a field it objects to is rejected and the rest kept. */
  addCheck(check: ValueCheck): () => void {
    this.#checks.push(check);
    return () => {
      const i = this.#checks.indexOf(check);
      if (i >= 0) this.#checks.splice(i, 1);
    };
  }

  #check(tenant: string, twinId: string, topic: string | undefined, readings: readonly Reading[], transport: string): { readings: Reading[]; rejections: Rejection[] } {
    const kept: Reading[] = [];
    const rejections: Rejection[] = [];
    for (const reading of readings) {
      let values = reading.values;
      for (const check of this.#checks) {
        for (const problem of check(tenant, twinId, values)) {
          if (values === reading.values) values = { ...values };
          delete values[problem.field];
          const rejection = { reason: RejectReason.InvalidValue, message: problem.message, field: problem.field };
          rejections.push(rejection);
          this.#reject(tenant, twinId, topic, rejection, transport);
        }
      }
      if (Object.keys(values).length > 0) kept.push(values === reading.values ? reading : { ...reading, values });
    }
    return { readings: kept, rejections };
  }

  /** Latest values seen since start; undefined for a twin with no telemetry in this run. */
  latest(tenant: string, twinId: string): ReadonlyMap<string, SeriesPoint> | undefined {
    return this.#runtime.get(key(tenant, twinId));
  }

  #accept(tenant: string, twinId: string, parsed: ParseResult, topic: string | undefined, transport: string): IngestOutcome {
    let registered: Promise<void> | undefined;
    if (this.#o.registry.peek(tenant, twinId) === undefined) {
      if (this.#o.unknownTwins !== UnknownTwins.Register) {
        const rejection = { reason: RejectReason.UnknownTwin, message: `twin "${twinId}" is not registered in tenant "${tenant}"` };
        this.#reject(tenant, twinId, topic, rejection, transport);
        throw new NotFoundError(ErrorCode.TwinNotFound, rejection.message);
      }
      if (!parsed.ok) {
        this.#reject(tenant, twinId, topic, parsed.rejection, transport);
        return { points: 0, rejections: [parsed.rejection], durable: Promise.resolve() };
      }
      registered = this.#o.registry.autoRegister(tenant, twinId);
    }
    if (!parsed.ok) {
      this.#reject(tenant, twinId, topic, parsed.rejection, transport);
      return { points: 0, rejections: [parsed.rejection], durable: Promise.resolve() };
    }
    for (const rejection of parsed.rejections) this.#reject(tenant, twinId, topic, rejection, transport);
    const checked = this.#checks.length === 0 ? undefined : this.#check(tenant, twinId, topic, parsed.readings, transport);
    const stored = this.#store(tenant, twinId, checked?.readings ?? parsed.readings, transport);
    return {
      points: stored.points,
      rejections: checked === undefined ? parsed.rejections : [...parsed.rejections, ...checked.rejections],
      durable: registered === undefined ? stored.durable : Promise.all([registered, stored.durable]).then(() => undefined),
    };
  }

  #store(tenant: string, twinId: string, readings: readonly Reading[], source: string): { points: number; durable: Promise<void> } {
    const k = key(tenant, twinId);
    let runtime = this.#runtime.get(k);
    if (runtime === undefined) {
      runtime = new TwinRuntime();
      this.#runtime.set(k, runtime);
    }
    const points: TelemetryPoint[] = [];
    const accepted: AcceptedReading[] = [];
    for (const reading of readings) {
      if (reading.msgId !== undefined && this.#isDuplicate(k, reading.msgId)) continue;
      let ts = reading.ts;
      if (!reading.deviceTime) {
        ts = Math.max(ts, runtime.lastArrivalTs + 1);
        runtime.lastArrivalTs = ts;
      }
      for (const field in reading.values) {
        const value = reading.values[field]!;
        points.push({ tenant, twinId, field, ts, value });
        const current = runtime.get(field);
        if (current === undefined || current.ts <= ts) runtime.set(field, { ts, value });
      }
      this.#o.live.add(tenant, twinId, k, ts, reading.values);
      if (this.#listeners.length > 0) accepted.push({ tenant, twinId, ts, values: reading.values, source });
    }
    this.#o.metrics.ingestPoints.inc(points.length);
    const durable = new Promise<void>((resolve) => this.#o.writer.add(points, resolve));
    for (const reading of accepted) {
      for (const listener of this.#listeners) {
        try {
          listener(reading);
        } catch (err) {
          this.#o.logger.error({ err, twinId, source }, 'a reading listener failed');
        }
      }
    }
    return { points: points.length, durable };
  }

  #isDuplicate(twinKey: string, msgId: string): boolean {
    const id = `${twinKey}\u0000${msgId}`;
    if (this.#seen.has(id)) {
      this.#o.metrics.ingestDuplicates.inc();
      return true;
    }
    this.#seen.add(id);
    if (this.#seen.size > this.#dedupWindow) {
      const oldest = this.#seen.values().next().value;
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
    return false;
  }

  #reject(tenant: string, twinId: string | undefined, topic: string | undefined, rejection: Rejection, transport: string): void {
    this.#o.metrics.ingestRejected.labels(rejection.reason).inc();
    const data: JsonObject = { reason: rejection.reason, message: rejection.message, transport };
    if (topic !== undefined) data.topic = topic;
    if (rejection.field !== undefined) data.field = rejection.field;
    this.#o.bus.publish({
      type: EventType.IngestRejected,
      tenant: checkTenant(tenant) === undefined ? tenant : 'default',
      ...(twinId === undefined ? {} : { twinId }),
      time: this.#o.clock.now(),
      data,
    });
  }
}
