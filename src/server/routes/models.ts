import type { FastifyPluginAsync } from 'fastify';
import type { Model } from '../../core/model/model.ts';
import type { JsonObject } from '../../core/types.ts';
import type { Engine } from '../../engine/engine.ts';
import { tenantOf } from '../request.ts';

export interface ModelRoutesOptions {
  engine: Engine;
  defaultTenant: string;
}

/** A compiled model as the API shows it, with a summary of its members. */
function modelView(model: Model): JsonObject {
  return {
    ...(model as unknown as JsonObject),
    summary: {
      properties: Object.keys(model.properties).length,
      telemetry: Object.keys(model.telemetry).length,
      commands: Object.keys(model.commands).length,
      relationships: Object.keys(model.relationships).length,
      components: Object.keys(model.components).length,
    },
  };
}

/** `POST|GET /api/models` (DESIGN §5.8): compact models and DTDL documents; `?dry_run=true` validates only. */
export const modelRoutes: FastifyPluginAsync<ModelRoutesOptions> = async (app, { engine, defaultTenant }) => {
  app.post('/api/models', { schema: { tags: ['models'] } }, async (request, reply) => {
    const q = request.query as { dry_run?: string; allow_undefined_extensions?: string };
    const dryRun = q.dry_run === 'true' || q.dry_run === '1';
    const models = await engine.models.put(tenantOf(request, defaultTenant), request.body, {
      dryRun,
      allowUndefinedExtensions: q.allow_undefined_extensions === 'true',
    });
    return reply.status(dryRun ? 200 : 201).send({ items: models.map(modelView), ...(dryRun ? { dryRun: true } : {}) });
  });

  app.get('/api/models', { schema: { tags: ['models'] } }, async (request) => {
    return { items: engine.models.list(tenantOf(request, defaultTenant)).map(modelView) };
  });

  app.get('/api/models/:id', { schema: { tags: ['models'] } }, async (request) => {
    const { id } = request.params as { id: string };
    return modelView(engine.models.get(tenantOf(request, defaultTenant), id));
  });
};
