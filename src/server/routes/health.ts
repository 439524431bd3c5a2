import type { FastifyPluginAsync } from 'fastify';
import type { Engine } from '../../engine/engine.ts';

export interface HealthRoutesOptions {
  engine: Engine;
}

/** Liveness, readiness (503 until broker, store and registry are up) and Prometheus metrics. */
export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, { engine }) => {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const { ready, components } = engine.readiness();
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', components });
  });

  app.get('/metrics', async (request, reply) => {
    const registry = engine.metrics.registry;
    if ((request.headers.accept ?? '').includes('application/json')) {
      return reply.send(await registry.getMetricsAsJSON());
    }
    return reply.type(registry.contentType).send(await registry.metrics());
  });
};
