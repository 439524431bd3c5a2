import type { FastifyPluginAsync } from 'fastify';
import { UpdateOrigin } from '../../core/twin/shadow-update.ts';
import type { Engine } from '../../engine/engine.ts';
import { parseAt } from '../../engine/shadows.ts';
import { invalid, tenantOf, timeParam } from '../request.ts';

export interface StateRoutesOptions {
  engine: Engine;
  defaultTenant: string;
}

const idParams = { type: 'object', properties: { id: { type: 'string', minLength: 1 } }, required: ['id'] } as const;

/** Twin state (DESIGN §5.8): the shadow document, its updates and its history. */
export const stateRoutes: FastifyPluginAsync<StateRoutesOptions> = async (app, { engine, defaultTenant }) => {
  const shadows = engine.shadows;

  app.get('/api/twins/:id/state', { schema: { params: idParams, tags: ['state'] } }, async (request) => {
    const { id } = request.params as { id: string };
    const tenant = tenantOf(request, defaultTenant);
    const at = (request.query as { at?: string }).at;
    if (at === undefined || at === '') return shadows.get(tenant, id);
    const parsed = parseAt(at);
    if (parsed === undefined) throw invalid('query.at', `"${at}" is neither a version nor an ISO-8601 time`);
    return shadows.at(tenant, id, parsed);
  });

  app.patch('/api/twins/:id/state', { schema: { params: idParams, tags: ['state'] } }, async (request) => {
    const { id } = request.params as { id: string };
    return shadows.update(tenantOf(request, defaultTenant), id, request.body, { source: `api:${request.ip}`, origin: UpdateOrigin.Cloud });
  });

  app.delete('/api/twins/:id/state', { schema: { params: idParams, tags: ['state'] } }, async (request) => {
    const { id } = request.params as { id: string };
    return shadows.delete(tenantOf(request, defaultTenant), id, `api:${request.ip}`);
  });

  app.get('/api/twins/:id/history', { schema: { params: idParams, tags: ['state'] } }, async (request) => {
    const { id } = request.params as { id: string };
    const q = request.query as { from?: string; to?: string; limit?: string; order?: string };
    const limit = q.limit === undefined ? 100 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalid('query.limit', 'must be an integer 1-1000');
    const from = timeParam(q.from, 'query.from');
    const to = timeParam(q.to, 'query.to');
    const entries = await shadows.history(tenantOf(request, defaultTenant), id, {
      limit,
      ...(from === undefined ? {} : { from }),
      ...(to === undefined ? {} : { to }),
      ...(q.order === 'desc' ? { descending: true } : {}),
    });
    return { items: entries.map((e) => ({ ...e, time: new Date(e.time).toISOString() })) };
  });
};
