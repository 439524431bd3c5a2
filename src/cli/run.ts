import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import mqtt, { type MqttClient } from 'mqtt';
import { Counter, Registry as PromRegistry } from 'prom-client';
import { createCsvSink } from '../adapters/sinks/csv.ts';
import { createInfluxSink } from '../adapters/sinks/influx.ts';
import type { Sink } from '../adapters/sinks/sink.ts';
import { createStdoutSink } from '../adapters/sinks/stdout.ts';
import { createStoreSink } from '../adapters/sinks/store.ts';
import { openStorage } from '../adapters/open-storage.ts';
import type { TwinflowConfig } from '../config/schema.ts';
import type { ModelBlock, ModelBlockContext } from '../core/blocks/model-block.ts';
import { ErrorCode, TwinflowError } from '../core/errors.ts';
import { seededRandom } from '../core/random.ts';
import type { JsonObject } from '../core/types.ts';
import { BlockRegistry } from '../engine/block-registry.ts';
import { BlockRuntime } from '../engine/blocks-runtime.ts';
import { systemClock } from '../engine/clock.ts';
import { WorkerBlock } from '../engine/worker-block.ts';
import type { Logger } from '../ports.ts';

export interface RunOptions {
  config: TwinflowConfig;
  /** `module_path` resolves against this (the config file's folder). */
  baseDir: string;
  logger: Logger;
  /** Where the stdout sink writes. @default process.stdout */
  out?: { write(chunk: string): unknown };
  /** Sinks flush at least this often. @default 1000 */
  flushMs?: number;
  /**
   * A `module_path` block's reading (or shutdown) unanswered after this long is skipped and the block's worker
   * terminated and restarted. @default 1000
   */
  blockTimeoutMs?: number;
  /** Delays before a `module_path` block's worker restart attempts. @default DEFAULT_RESTART_BACKOFF_MS */
  restartBackoffMs?: readonly number[];
}

export interface RunningRuntime {
  readonly httpUrl: string;
  readonly runtime: BlockRuntime;
  /** Stops taking messages, lets the block finish, flushes the sinks, closes everything. */
  close(): Promise<void>;
}

/**
 * `twinflow run -c config.yaml`: the PyEdgeTwin runtime for one asset. The seed's config file as it is —
 * `runtime`, `mqtt` (host/port or url, topics, qos; reconnects by itself), `model` (`module_path` or a built-in
 * `use`), `sinks` (influxdb, influxdb2, csv, stdout, store) — plus `/healthz`, `/readyz`, `/metrics`.
 */
export async function startRuntime(options: RunOptions): Promise<RunningRuntime> {
  const { config, logger } = options;
  if (config.runtime === undefined || config.model === undefined) {
    throw new TwinflowError(ErrorCode.InvalidConfig, 'twinflow run needs the "runtime" and "model" sections of the PyEdgeTwin config');
  }
  const { runtime: rt, model } = config;
  const closers: (() => Promise<unknown>)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch((err: unknown) => logger.error({ err }, 'runtime: close failed'));
  };
  try {
    const metrics = new PromRegistry();
    const seed = rt.seed ?? 1;
    let name: string;
    let version: string;
    let block: ModelBlock;
    if (model.module_path !== undefined) {
      // User code runs in a worker thread of its own, so a block stuck in a synchronous loop is terminated on timeout
      // instead of freezing MQTT, the sinks and /healthz with it.
      name = model.module_path;
      version = model.version ?? '0.0.0';
      block = moduleBlock({ ...options, modulePath: model.module_path, version, seed, metrics, logger: logger.child({ block: name, version }) });
    } else {
      const { definition } = new BlockRegistry().resolve(model.use!, model.version);
      name = definition.name;
      version = model.version ?? definition.version;
      block = definition.create();
    }
    const params = model.params as JsonObject;
    const ctx: ModelBlockContext = {
      tenant: config.tenant,
      twinId: rt.twin_id,
      input: model.input ?? 'value',
      params,
      config: params,
      logger: logger.child({ block: name, version }),
      now: () => systemClock.now(),
      random: seededRandom(seed),
      state: { load: () => undefined, save: () => {} },
    };
    try {
      await block.init(ctx);
    } catch (err) {
      if (err instanceof TwinflowError || model.module_path === undefined) throw err;
      // The worker reports a module that cannot load as a plain message: it is still the config's fault.
      throw new TwinflowError(ErrorCode.InvalidConfig, `model.module_path: ${model.module_path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    closers.push(async () => block.shutdown());

    const sinks: Sink[] = [];
    const s = config.sinks;
    if (s.influxdb !== undefined) {
      sinks.push(createInfluxSink({ url: s.influxdb.url, database: s.influxdb.database, logger, ...opt('username', s.influxdb.username), ...opt('password', s.influxdb.password), ...opt('measurement', s.influxdb.measurement) }));
    }
    if (s.influxdb2 !== undefined) {
      sinks.push(createInfluxSink({ url: s.influxdb2.url, token: s.influxdb2.token, org: s.influxdb2.org, bucket: s.influxdb2.bucket, logger, ...opt('measurement', s.influxdb2.measurement) }));
    }
    if (s.csv !== undefined) {
      const csv = s.csv as { path: string; max_bytes?: unknown; max_files?: unknown };
      sinks.push(createCsvSink({ path: csv.path, logger, ...(typeof csv.max_bytes === 'number' ? { maxBytes: csv.max_bytes } : {}), ...(typeof csv.max_files === 'number' ? { maxFiles: csv.max_files } : {}) }));
    }
    if (s.stdout !== undefined) sinks.push(createStdoutSink(options.out ?? process.stdout));
    if (s.store !== undefined) {
      const storage = await openStorage(config.storage.url);
      closers.push(() => storage.close());
      sinks.push(createStoreSink({ telemetry: storage.telemetry, tenant: config.tenant, logger }));
    }
    closers.push(() => Promise.all(sinks.map((k) => k.close())));

    const runtime = new BlockRuntime({
      twinId: rt.twin_id,
      assetId: rt.asset_id ?? '',
      modelVersion: version,
      ...(model.input === undefined ? {} : { input: model.input }),
      block,
      sinks,
      clock: systemClock,
      logger,
      metrics,
    });
    closers.push(() => runtime.flush());

    const url = config.mqtt.url ?? `mqtt://${config.mqtt.host ?? '127.0.0.1'}:${config.mqtt.port ?? 1883}`;
    const client: MqttClient = mqtt.connect(url, {
      clientId: config.mqtt.client_id ?? `twinflow-run-${rt.twin_id}`,
      reconnectPeriod: 1000,
      clean: true,
      ...(config.mqtt.username === undefined ? {} : { username: config.mqtt.username }),
      ...(config.mqtt.password === undefined ? {} : { password: config.mqtt.password }),
      ...(config.mqtt.keepalive === undefined ? {} : { keepalive: config.mqtt.keepalive }),
    });
    client.on('error', (err) => logger.warn({ err }, `runtime: MQTT ${url}`));
    client.on('reconnect', () => logger.info(`runtime: reconnecting to ${url}`));
    const topics = config.mqtt.topics.length > 0 ? config.mqtt.topics : [`sensors/${rt.asset_id ?? rt.twin_id}/#`];
    // Subscribing on every connect covers reconnections to a broker that lost the session.
    client.on('connect', () => {
      client.subscribe(topics, { qos: config.mqtt.qos }, (err) => {
        if (err) logger.error({ err }, 'runtime: subscribe failed');
        else logger.info({ topics }, `runtime: subscribed at QoS ${config.mqtt.qos}`);
      });
    });
    client.on('message', (topic, payload) => void runtime.handle(topic, payload, systemClock.now()));
    closers.push(() => client.endAsync());
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new TwinflowError(ErrorCode.BrokerFailure, `MQTT broker ${url} did not answer within 10 s`)), 10_000);
      client.once('connect', () => {
        clearTimeout(timer);
        // Wait for the SUBACK so a message published right after start is not missed.
        client.subscribe(topics, { qos: config.mqtt.qos }, () => resolve());
      });
    });

    const flushMs = options.flushMs ?? 1000;
    const timer = setInterval(() => void runtime.flush(), flushMs);
    timer.unref();
    closers.push(async () => clearInterval(timer));

    const app = Fastify({ logger: false, forceCloseConnections: true });
    app.get('/healthz', async () => ({ status: 'ok' }));
    app.get('/readyz', async (_req, reply) => {
      const components = { mqtt: client.connected ? 'up' : 'down', ...Object.fromEntries(sinks.map((k) => [k.name, k.healthy() ? 'up' : 'down'])) };
      const ready = Object.values(components).every((c) => c === 'up');
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', components });
    });
    app.get('/metrics', async (request, reply) => {
      if ((request.headers.accept ?? '').includes('application/json')) return reply.send(await metrics.getMetricsAsJSON());
      return reply.type(metrics.contentType).send(await metrics.metrics());
    });
    await app.listen({ host: config.http.host, port: config.http.port });
    closers.push(() => app.close());
    const httpUrl = `http://${config.http.host}:${(app.server.address() as AddressInfo).port}`;
    logger.info({ http: httpUrl, mqtt: url, model: `${name}@${version}`, sinks: sinks.map((k) => k.name) }, `twinflow run: ${rt.twin_id} on ${url}, health at ${httpUrl}`);
    // Closed in reverse: HTTP, MQTT (no more messages), the block's queue, the sinks' final flush, the block.
    return { httpUrl, runtime, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** A `module_path` block in a worker thread; its crashes and restarts are logged and counted in `metrics`. */
function moduleBlock(o: RunOptions & { modulePath: string; version: string; seed: number; metrics: PromRegistry; logger: Logger }): WorkerBlock {
  const events = new Counter({
    name: 'twinflow_runtime_block_worker_events_total',
    help: "The model block's worker: crash (died by itself), restart (a fresh worker took over), restart_failed",
    labelNames: ['event'],
    registers: [o.metrics],
  });
  return new WorkerBlock({
    modulePath: o.modulePath,
    baseDir: o.baseDir,
    version: o.version,
    seed: o.seed,
    clock: systemClock,
    logger: o.logger,
    timeoutMs: o.blockTimeoutMs ?? 1000,
    ...(o.restartBackoffMs === undefined ? {} : { restartBackoffMs: o.restartBackoffMs }),
    onCrash: (err) => {
      events.labels('crash').inc();
      o.logger.warn({ err }, 'runtime: the model block\'s worker died; restarting it');
    },
    onRestartFailed: (err) => {
      events.labels('restart_failed').inc();
      o.logger.error({ err }, 'runtime: the model block failed to restart; trying again later');
    },
    onRestarted: (attempt) => {
      events.labels('restart').inc();
      o.logger.info({ attempt }, 'runtime: the model block restarted in a fresh worker');
    },
  });
}

function opt<K extends string>(key: K, value: string | undefined): { [k in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [k in K]?: string };
}

/** Registers `twinflow run -c config.yaml`; SIGINT/SIGTERM stop it gracefully (sinks flushed). */
export function addRunCommand(
  program: import('commander').Command,
  deps: { createLogger: (level: string) => Logger; loadConfig: typeof import('../config/load.ts').loadConfig; fail: (err: unknown, logger?: Logger) => never },
): void {
  program
    .command('run')
    .description('the PyEdgeTwin runtime for one asset: subscribe, run the model block, write sinks, serve health')
    .requiredOption('-c, --config <file>', 'the runtime config (runtime, mqtt, model, sinks)')
    .option('--log-level <level>', 'log level', 'info')
    .action(async (flags: { config: string; logLevel: string }) => {
      const { dirname, resolve } = await import('node:path');
      const logger = deps.createLogger(flags.logLevel);
      const file = resolve(flags.config);
      let running: RunningRuntime;
      try {
        const config = await deps.loadConfig({ file, env: process.env, overrides: {} });
        running = await startRuntime({ config, baseDir: dirname(file), logger });
      } catch (err) {
        deps.fail(err, logger);
      }
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info(`${signal}: stopping — MQTT unsubscribed, queued readings processed, sinks flushed`);
        running.close().then(
          () => process.exit(0),
          (err: unknown) => deps.fail(err, logger),
        );
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
}
