import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Engine } from '../engine/engine.ts';
import type { Logger } from '../ports.ts';
import { installAuth, type AuthToken } from './auth.ts';
import { installErrorHandler } from './errors.ts';
import { commandRoutes } from './routes/commands.ts';
import { healthRoutes } from './routes/health.ts';
import { registryRoutes } from './routes/registry.ts';
import { sequenceRoutes } from './routes/sequences.ts';
import { streamRoutes } from './routes/stream.ts';
import { telemetryRoutes } from './routes/telemetry.ts';
import { workflowRoutes } from './routes/workflows.ts';
import type { WorkflowEngine } from '../engine/workflows.ts';
import { stateRoutes } from './routes/state.ts';
import { modelRoutes } from './routes/models.ts';
import { twinRoutes } from './routes/twins.ts';
import { webRoutes } from './routes/web.ts';
import { blockRoutes } from './routes/blocks.ts';
import { simulateRoutes } from './routes/simulate.ts';
import type { BlockRegistry } from '../engine/block-registry.ts';
import type { BlockRunner } from '../engine/blocks.ts';
import type { SimulationService } from '../engine/simulation.ts';

export interface ServerOptions {
  engine: Engine;
  /** A pino logger; Fastify logs through it. */
  logger?: Logger;
  /** @default 'default' */
  defaultTenant?: string;
  /** The built dashboard; no static files when absent. */
  webRoot?: string;
  /** Stream workflows; no /api/workflows routes when absent. */
  workflows?: WorkflowEngine;
  /** Largest accepted request body. @default 1 MiB */
  bodyLimit?: number;
  /** SSE heartbeat. @default 15000 */
  heartbeatMs?: number;
  /** Bearer tokens; the API is open when there are none. */
  tokens?: readonly AuthToken[];
  /** Simulation sessions (`/simulate/*`); the routes are absent without it. */
  simulation?: SimulationService;
  /** The block registry (`/api/blocks`) and the runner of bound blocks. */
  blocks?: { registry: BlockRegistry; runner?: BlockRunner };
}

/** The HTTP app, ready for `listen` or `inject`: one plugin per route group, one error handler. */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    ...(options.logger === undefined ? { logger: false } : { loggerInstance: options.logger as FastifyBaseLogger }),
    // One log line per request would drown the log at device rates; failures are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit ?? 1_048_576,
    forceCloseConnections: true,
  });
  installErrorHandler(app);
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'twinflow', version: '0.1.0', description: 'Digital twins for industrial and building IoT' },
      tags: [{ name: 'health' }, { name: 'registry' }, { name: 'telemetry' }, { name: 'events' }, { name: 'commands' }],
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  const engine = options.engine;
  const defaultTenant = options.defaultTenant ?? 'default';
  installAuth(app, options.tokens ?? [], defaultTenant);
  await app.register(healthRoutes, { engine });
  await app.register(registryRoutes, { engine, defaultTenant });
  await app.register(telemetryRoutes, { engine, defaultTenant });
  if (options.workflows !== undefined) await app.register(workflowRoutes, { workflows: options.workflows, defaultTenant });
  await app.register(commandRoutes, { engine, defaultTenant });
  await app.register(sequenceRoutes, { engine, defaultTenant });
  await app.register(stateRoutes, { engine, defaultTenant });
  await app.register(modelRoutes, { engine, defaultTenant });
  await app.register(twinRoutes, { engine, defaultTenant });
  await app.register(streamRoutes, { engine, defaultTenant, ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }) });
  if (options.simulation !== undefined) await app.register(simulateRoutes, { simulation: options.simulation, defaultTenant });
  if (options.blocks !== undefined) {
    await app.register(blockRoutes, { engine, blocks: options.blocks.registry, defaultTenant, ...(options.blocks.runner === undefined ? {} : { runner: options.blocks.runner }) });
  }
  if (options.webRoot !== undefined) await app.register(webRoutes, { root: options.webRoot });
  return app;
}
