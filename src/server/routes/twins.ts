import type { FastifyPluginAsync } from 'fastify';
import type { Engine } from '../../engine/engine.ts';
import { queryTwins } from '../../engine/twin-query.ts';
import { twinView } from '../../engine/views.ts';
import { invalid, tenantOf } from '../request.ts';

export interface TwinRoutesOptions {
  engine: Engine;
  defaultTenant: string;
}

/** Twin queries and relationships (DESIGN §4): by model, group, dimension, relationship and state expression. */
export const twinRoutes: FastifyPluginAsync<TwinRoutesOptions> = async (app, { engine, defaultTenant }) => {
  app.get('/api/twins', { schema: { tags: ['twins'] } }, async (request) => {
    const q = request.query as Record<string, string | undefined>;
    const limit = q.limit === undefined ? 100 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalid('query.limit', 'must be an integer 1-1000');
    const dimensions: Record<string, string> = {};
    for (const [k, v] of Object.entries(q)) if (k.startsWith('dimension.') && typeof v === 'string') dimensions[k.slice('dimension.'.length)] = v;
    const page = await queryTwins(engine.registry, engine.shadows, {
      tenant: tenantOf(request, defaultTenant),
      limit,
      ...(q.model === undefined ? {} : { model: q.model }),
      ...(q.group === undefined ? {} : { group: q.group }),
      ...(Object.keys(dimensions).length === 0 ? {} : { dimensions }),
      ...(q.where === undefined ? {} : { where: q.where }),
      ...(q.related === undefined ? {} : { related: q.related }),
      ...(q.relatedFrom === undefined ? {} : { relatedFrom: q.relatedFrom }),
      ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
    });
    return { items: page.items.map(twinView), ...(page.next === undefined ? {} : { next: page.next }) };
  });

  /** Both directions: the twin's own relationships and those of other twins that target it. */
  app.get('/api/twins/:id/relationships', { schema: { tags: ['twins'] } }, async (request) => {
    const { id } = request.params as { id: string };
    const tenant = tenantOf(request, defaultTenant);
    const twin = await engine.registry.get(tenant, id);
    const incoming: { name: string; source: string; properties?: unknown }[] = [];
    let cursor: string | undefined;
    do {
      const page = await engine.registry.list({ tenant, limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
      for (const other of page.items) {
        for (const r of other.relationships) {
          if (r.target === id) incoming.push({ name: r.name, source: other.id, ...(r.properties === undefined ? {} : { properties: r.properties }) });
        }
      }
      cursor = page.next;
    } while (cursor !== undefined);
    return { outgoing: twin.relationships, incoming };
  });
};
