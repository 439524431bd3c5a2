import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { createEmbeddedBroker } from '../adapters/mqtt/embedded-broker.ts';
import { createExternalTransport } from '../adapters/mqtt/external-client.ts';
import { openStorage } from '../adapters/open-storage.ts';
import { createRedisSessionStore } from '../adapters/redis/session-store.ts';
import type { TwinflowConfig } from '../config/schema.ts';
import { RetryPolicies } from '../core/command/retry-policy.ts';
import { Engine } from '../engine/engine.ts';
import { systemClock } from '../engine/clock.ts';
import { startBlocks } from '../engine/blocks-setup.ts';
import { deployWorkflowFiles } from '../engine/workflow-files.ts';
import type { Logger, SessionStore, Storage, Transport } from '../ports.ts';
import { registerTwinFiles } from '../registry/register.ts';
import { loadModelFiles } from './load-models.ts';
import { buildServer } from '../server/app.ts';
import { startDemoSimulator } from '../simulator/demo.ts';

export interface PlatformOptions {
  config: TwinflowConfig;
  logger: Logger;
  /** Write `{http, mqtt, pid}` here once ready. */
  readyFile?: string;
  /** Run the demo's virtual asset. */
  simulate: boolean;
}

export interface Platform {
  readonly httpUrl: string;
  readonly mqttUrl: string;
  readonly engine: Engine;
  close(): Promise<void>;
}

/** How many ports above a taken one are tried before giving up. */
const PORT_TRIES = 20;
const WEB_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url));

/**
 * The composition root of `twinflow up`: picks the adapters the config names, starts them in dependency order
 * (store → engine → broker → HTTP → simulator) and closes them in reverse.
 */
export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const { config, logger } = options;
  const started: { name: string; close: () => Promise<unknown> }[] = [];
  const closeAll = async () => {
    for (const { name, close } of started.reverse()) {
      try {
        await close();
      } catch (err) {
        logger.error({ err }, `closing ${name} failed`);
      }
    }
  };
  try {
    const storage: Storage = await openStorage(config.storage.url);
    started.push({ name: 'store', close: () => storage.close() });

    const { transport, mqttUrl } = await openTransport(config, logger);
    const engine = new Engine({
      storage,
      transport,
      logger,
      clock: systemClock,
      root: config.mqtt.root,
      ingest: {
        unknownTwins: config.ingest.unknown_twins,
        maxBytes: config.ingest.max_bytes,
        maxRows: config.ingest.batch.max_rows,
        maxDelayMs: config.ingest.batch.max_delay_ms,
      },
      commands: {
        defaultTimeoutMs: config.commands.timeout,
        defaultRetry: { ...RetryPolicies.default, maxAttempts: config.commands.retries + 1 },
        ...(config.commands.offline_after === undefined ? {} : { offlineAfterMs: config.commands.offline_after }),
      },
    });
    await engine.start();
    started.push({ name: 'engine', close: () => engine.close() });

    if (config.models.length > 0) {
      const count = await loadModelFiles(engine, config.tenant, config.models, logger);
      logger.info(`loaded ${count} models`);
    }
    // Twin sync settings of the config apply before any device talks; workflows may add groups as they deploy.
    if (config.twin_sync !== undefined) engine.shadows.onTwinSync(config.tenant, 'config', config.twin_sync);
    for (const dir of config.twins) {
      if (!existsSync(dir)) {
        logger.warn(`twins folder ${dir} does not exist; no twin.yaml files registered from it`);
        continue;
      }
      const report = await registerTwinFiles(engine.registry, dir, config.tenant, 'twin.yaml');
      for (const { file, problems } of report.invalid) {
        logger.warn({ file, problems }, `twin file ${file} is invalid and was skipped`);
      }
      logger.info({ dir, ...report.counts }, `registered twins from ${dir}`);
    }

    // Model blocks run on the twins' telemetry from here on; simulation sessions are served with the API.
    const sessions = await openSessionStore(config.simulation.store, logger);
    const blocks = startBlocks(engine, { baseDir: process.cwd(), ttlMs: config.simulation.ttl, logger, documents: storage.documents, ...(sessions === undefined ? {} : { sessions }) });
    await blocks.restored;
    started.push({ name: 'blocks', close: () => blocks.close() });

    const workflows = engine.workflows;
    await engine.startWorkflows();
    await deployWorkflowFiles(workflows, config.workflows, config.tenant, logger);

    // Sequences from the config (workflows hand theirs over as they deploy); then the runs that were going at the
    // last stop resume, now that their sequences are known again.
    for (const [name, spec] of Object.entries(config.commands.sequences)) engine.sequences.registerSequence(config.tenant, name, spec);
    await engine.sequences.start();

    const app = await buildServer({ engine, logger, defaultTenant: config.tenant, webRoot: WEB_ROOT, tokens: config.auth.tokens, workflows, simulation: blocks.simulation, blocks: { registry: blocks.registry, runner: blocks.runner } });
    const httpUrl = await listen(app, config.http.host, config.http.port, logger);
    started.push({ name: 'http', close: () => app.close() });

    const url = mqttUrl();
    if (options.simulate && config.simulator.enabled) {
      // The device simulator plays the scenarios of `simulator.scenarios` (examples/scenarios/demo.yaml in the demo).
      const sim = await startDemoSimulator({ url, tenant: config.tenant, root: config.mqtt.root, scenarios: config.simulator.scenarios, logger });
      if (sim !== undefined) started.push({ name: 'simulator', close: () => sim.close() });
    }

    logger.info({ http: httpUrl, mqtt: url }, `twinflow is up: dashboard and API at ${httpUrl}, MQTT at ${url}`);
    if (options.readyFile !== undefined) {
      await writeFile(options.readyFile, JSON.stringify({ http: httpUrl, mqtt: url, pid: process.pid }));
    }
    return { httpUrl, mqttUrl: url, engine, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

async function openTransport(config: TwinflowConfig, logger: Logger): Promise<{ transport: Transport; mqttUrl: () => string }> {
  if (!config.mqtt.embedded) {
    const url = config.mqtt.url ?? `mqtt://${config.mqtt.host ?? '127.0.0.1'}:${config.mqtt.port ?? 1883}`;
    const transport = createExternalTransport({
      url,
      clientId: config.mqtt.client_id ?? 'twinflow-ingest',
      topics:
        config.mqtt.topics.length > 0
          ? config.mqtt.topics
          : // Device answers to commands and last wills (`…/status`) come back on the same session as telemetry.
            [`${config.mqtt.root}/+/+/telemetry`, `${config.mqtt.root}/+/+/commands/response`, `${config.mqtt.root}/+/+/status`, `${config.mqtt.root}/+/+/state/update`, `${config.mqtt.root}/+/+/state/get`, `${config.mqtt.root}/+/+/state/delete`],
      qos: config.mqtt.qos,
      logger,
      ...(config.mqtt.username === undefined ? {} : { username: config.mqtt.username }),
      ...(config.mqtt.password === undefined ? {} : { password: config.mqtt.password }),
      ...(config.mqtt.keepalive === undefined ? {} : { keepalive: config.mqtt.keepalive }),
    });
    return { transport, mqttUrl: () => url };
  }
  const host = config.mqtt.host ?? '127.0.0.1';
  const wanted = config.mqtt.port ?? 1883;
  // The broker starts with the engine; find a free port first so a taken one is reported and skipped.
  const port = await firstFreePort(host, wanted, logger, 'MQTT');
  const broker = createEmbeddedBroker({ host, port, logger });
  return { transport: broker, mqttUrl: () => `mqtt://${host}:${broker.port}` };
}

/** `simulation.store`: undefined (memory, startBlocks' default) or a Redis session store, reached before anything listens. */
async function openSessionStore(url: string | undefined, logger: Logger): Promise<SessionStore | undefined> {
  if (url === undefined || url === 'memory') return undefined;
  const store = await createRedisSessionStore({ url, logger: logger.child({ component: 'sessions' }) });
  logger.info(`simulation sessions in Redis at ${new URL(url).host}`);
  return store;
}

async function listen(app: FastifyInstance, host: string, wanted: number, logger: Logger): Promise<string> {
  for (let port = wanted, tries = 0; ; port++, tries++) {
    try {
      await app.listen({ host, port });
      const address = app.server.address() as AddressInfo;
      return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
    } catch (err) {
      if (!isAddressInUse(err) || wanted === 0 || tries >= PORT_TRIES) throw err;
      logger.warn(`HTTP port ${port} is taken; trying ${port + 1}`);
    }
  }
}

async function firstFreePort(host: string, wanted: number, logger: Logger, what: string): Promise<number> {
  if (wanted === 0) return 0;
  const { createServer } = await import('node:net');
  for (let port = wanted, tries = 0; tries <= PORT_TRIES; port++, tries++) {
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(true)));
    });
    if (free) return port;
    logger.warn(`${what} port ${port} is taken; trying ${port + 1}`);
  }
  throw new Error(`${what} ports ${wanted}-${wanted + PORT_TRIES} are all taken`);
}

function isAddressInUse(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
}
