import type { TelemetryPoint } from '../core/types.ts';
import { ComponentStatus, type Clock, type Logger, type SeriesPoint, type Storage, type Transport } from '../ports.ts';
import { BatchWriter } from './batch-writer.ts';
import { CommandService, type CommandServiceOptions } from './commands.ts';
import { modelParamValidator } from './commands-validation.ts';
import { RolloutService } from './rollouts.ts';
import { SequenceService } from './sequences.ts';
import { systemClock } from './clock.ts';
import { EventBus } from './event-bus.ts';
import { Ingest, UnknownTwins } from './ingest.ts';
import { LiveTelemetry } from './live-telemetry.ts';
import { Metrics } from './metrics.ts';
import { Registry } from './registry.ts';
import { ShadowService } from './shadows.ts';
import { ModelService } from './models.ts';
import { WorkflowEngine, type Execution } from './workflows.ts';

export interface EngineOptions {
  storage: Storage;
  /** Absent for an engine that takes telemetry over HTTP only. */
  transport?: Transport;
  logger: Logger;
  /** @default systemClock */
  clock?: Clock;
  /** Topic root. @default 'tf' */
  root?: string;
  ingest?: {
    /** @default 'reject' */
    unknownTwins?: UnknownTwins;
    /** @default 65536 */
    maxBytes?: number;
    /** Group commit of telemetry: at most this many rows… @default 2000 */
    maxRows?: number;
    /** …or this long after the first row. @default 5 */
    maxDelayMs?: number;
  };
  /** Process metrics (CPU, memory, event loop) in /metrics. @default true */
  processMetrics?: boolean;
  /** Command orchestration settings (timeouts, retries, offline detection, parameter validation). */
  commands?: Pick<CommandServiceOptions, 'defaultTimeoutMs' | 'defaultRetry' | 'offlineAfterMs' | 'validateParams' | 'fetch' | 'random'>;
}

export interface Readiness {
  ready: boolean;
  components: Record<'broker' | 'store' | 'registry', ComponentStatus>;
}

/** Wires the core to the ports: registry, ingest, event bus, live stream, group-committed telemetry. */
export class Engine {
  readonly storage: Storage;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly bus: EventBus;
  readonly registry: Registry;
  readonly ingest: Ingest;
  readonly commands: CommandService;
  /** Command sequences; the composition root registers them, then calls `sequences.start()` to resume runs. */
  readonly sequences: SequenceService;
  readonly rollouts: RolloutService;
  /** Twin state: shadow documents, history, the state topics, twin sync. */
  readonly shadows: ShadowService;
  /** Twin models (compact and DTDL) and the value checks against them. */
  readonly models: ModelService;
  /**
   * Stream workflows, wired to sequences and twin sync. They run once started: by `deploy`, or by the composition
   * root, which also loads the persisted ones.
   */
  readonly workflows: WorkflowEngine;
  #workflowsStarted: Promise<void> | undefined;
  readonly #transport: Transport | undefined;
  readonly #writer: BatchWriter<TelemetryPoint>;
  readonly #live: LiveTelemetry;
  #storeStatus: ComponentStatus = ComponentStatus.Starting;

  constructor(options: EngineOptions) {
    this.storage = options.storage;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger;
    this.#transport = options.transport;
    const clock = this.clock;
    const metrics = new Metrics({
      now: () => clock.now(),
      backlog: () => this.#writer.backlog,
      sseClients: () => this.bus.subscriberCount,
      collectProcess: options.processMetrics ?? true,
    });
    this.metrics = metrics;
    this.bus = new EventBus({
      log: options.storage.events,
      clock,
      logger: options.logger,
      onPublish: (event) => metrics.events.labels(event.type).inc(),
      onWrite: (info) => metrics.recordWrite('events', info),
    });
    this.registry = new Registry({
      store: options.storage.twins,
      bus: this.bus,
      clock,
      logger: options.logger,
      onCountChange: (count) => metrics.twins.set(count),
    });
    this.#writer = new BatchWriter<TelemetryPoint>({
      write: (points) => options.storage.telemetry.append(points),
      clock,
      logger: options.logger.child({ component: 'telemetry-writer' }),
      maxItems: options.ingest?.maxRows ?? 2000,
      maxDelayMs: options.ingest?.maxDelayMs ?? 5,
      onWrite: (info) => {
        metrics.recordWrite('telemetry', info);
        this.#storeStatus = info.ok ? ComponentStatus.Up : ComponentStatus.Down;
      },
    });
    this.#live = new LiveTelemetry({ bus: this.bus, clock });
    this.ingest = new Ingest({
      root: options.root ?? 'tf',
      maxBytes: options.ingest?.maxBytes ?? 65_536,
      unknownTwins: options.ingest?.unknownTwins ?? UnknownTwins.Reject,
      registry: this.registry,
      writer: this.#writer,
      live: this.#live,
      bus: this.bus,
      metrics,
      clock,
      logger: options.logger.child({ component: 'ingest' }),
    });
    this.commands = new CommandService({
      // Parameters are checked against the twin's model when the model defines the command.
      validateParams: (twin, name, params) => modelParamValidator((tenant, id) => this.models.resolved(tenant, id))(twin, name, params),
      ...options.commands,
      storage: options.storage,
      registry: this.registry,
      bus: this.bus,
      clock,
      logger: options.logger.child({ component: 'commands' }),
      root: options.root ?? 'tf',
      ...(options.transport === undefined ? {} : { transport: options.transport }),
    });
    this.models = new ModelService({ documents: options.storage.documents, registry: this.registry, logger: options.logger.child({ component: 'models' }) });
    this.ingest.addCheck((tenant, twinId, values) => this.models.checkTelemetry(tenant, twinId, values));
    this.shadows = new ShadowService({
      validate: (tenant, twinId, section, patch) => this.models.checkState(tenant, twinId, section, patch),
      documents: options.storage.documents,
      records: options.storage.records,
      registry: this.registry,
      bus: this.bus,
      clock,
      logger: options.logger.child({ component: 'shadows' }),
      transport: () => this.#transport,
      root: options.root ?? 'tf',
    });
    for (const channel of ['state/update', 'state/get', 'state/delete']) {
      this.ingest.onChannel(channel, (topic, message) => this.shadows.onStateMessage(topic, message));
    }
    this.ingest.addListener((reading) => this.shadows.onReading(reading));
    const orchestration = { commands: this.commands, registry: this.registry, documents: options.storage.documents, clock, logger: options.logger.child({ component: 'sequences' }) };
    this.sequences = new SequenceService(orchestration);
    this.rollouts = new RolloutService(orchestration);
    // Device answers and last wills come in on the ingest connection; telemetry is a sign of life.
    this.ingest.onChannel('commands/response', (topic, message) => this.commands.onResponse(topic.tenant, topic.twinId, message));
    this.ingest.onChannel('status', (topic, message) => this.commands.onStatus(topic.tenant, topic.twinId, message));
    this.ingest.addListener((reading) => {
      if (reading.source === 'mqtt' || reading.source === 'http') this.commands.seen(reading.tenant, reading.twinId);
    });
    this.workflows = new WorkflowEngine({
      engine: this,
      startSequence: this.sequences.startSequence,
      registerSequence: (tenant, name, spec) => this.sequences.registerSequence(tenant, name, spec),
      onTwinSync: (tenant, workflow, section) => this.shadows.onTwinSync(tenant, workflow, section),
    });
  }

  /** Starts the workflows (loading the persisted ones) unless that has happened already. */
  startWorkflows(): Promise<void> {
    this.#workflowsStarted ??= this.workflows.start();
    return this.#workflowsStarted;
  }

  /** The seed's `engine.deploy(workflow)`: a workflow document or an `IoTWorkflow`, in `tenant`. */
  async deploy(workflow: unknown, tenant = 'default'): Promise<Execution> {
    await this.startWorkflows();
    return this.workflows.deploy(workflow, tenant);
  }

  get transport(): Transport | undefined {
    return this.#transport;
  }

  /** Store first, then the registry, then the broker: telemetry is taken only once it has somewhere to go. */
  async start(): Promise<void> {
    await this.storage.ping();
    this.#storeStatus = ComponentStatus.Up;
    await this.bus.start();
    await this.registry.load();
    await this.models.load();
    await this.commands.start();
    await this.rollouts.start();
    await this.#transport?.start((message) => this.ingest.onMessage(message));
  }

  readiness(): Readiness {
    const components = {
      broker: this.#transport?.status() ?? ComponentStatus.Up,
      store: this.#storeStatus,
      registry: this.registry.loaded ? ComponentStatus.Up : ComponentStatus.Starting,
    };
    return { ready: Object.values(components).every((s) => s === ComponentStatus.Up), components };
  }

  /** The newest value of each field: this run's when there is one, else the store's. */
  async latest(tenant: string, twinId: string): Promise<Record<string, SeriesPoint>> {
    const stored = await this.storage.telemetry.latest(tenant, twinId);
    const live = this.ingest.latest(tenant, twinId);
    if (live === undefined) return stored;
    for (const [field, point] of live) {
      const other = stored[field];
      if (other === undefined || other.ts <= point.ts) stored[field] = point;
    }
    return stored;
  }

  /** Resolves when every accepted point and event is durable. */
  async flush(): Promise<void> {
    this.#live.flush();
    await this.#writer.flush();
    await this.bus.flush();
  }

  /**
   * Stops ingest, makes everything accepted durable (acknowledging it), then ends the live stream. The storage
   * belongs to whoever opened it and stays open.
   */
  async close(): Promise<void> {
    if (this.#workflowsStarted !== undefined) await this.workflows.close();
    await this.#transport?.close();
    await this.commands.close();
    this.shadows.close();
    this.#live.flush();
    await this.#writer.close();
    await this.bus.close();
  }
}
