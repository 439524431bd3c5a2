import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Engine } from '../engine/engine.ts';
import type { Logger } from '../ports.ts';
import { installAuth, type AuthToken } from './auth.ts';
import { installErrorHandler } from './errors.ts';
import { healthRoutes } from './routes/health.ts';
import { registryRoutes } from './routes/registry.ts';
import { streamRoutes } from './routes/stream.ts';
import { telemetryRoutes } from './routes/telemetry.ts';
import { webRoutes } from './routes/web.ts';

export interface ServerOptions {
  engine: Engine;
  /** A pino logger; Fastify logs through it. */
  logger?: Logger;
  /** @default 'default' */
  defaultTenant?: string;
  /** The built dashboard; no static files when absent. */
  webRoot?: string;
  /** Largest accepted request body. @default 1 MiB */
  bodyLimit?: number;
  /** SSE heartbeat. @default 15000 */
  heartbeatMs?: number;
  /** Bearer tokens; the API is open when there are none. */
  tokens?: readonly AuthToken[];
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
      tags: [{ name: 'health' }, { name: 'registry' }, { name: 'telemetry' }, { name: 'events' }],
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  const engine = options.engine;
  const defaultTenant = options.defaultTenant ?? 'default';
  installAuth(app, options.tokens ?? [], defaultTenant);
  await app.register(healthRoutes, { engine });
  await app.register(registryRoutes, { engine, defaultTenant });
  await app.register(telemetryRoutes, { engine, defaultTenant });
  await app.register(streamRoutes, { engine, defaultTenant, ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }) });
  if (options.webRoot !== undefined) await app.register(webRoutes, { root: options.webRoot });
  return app;
}
