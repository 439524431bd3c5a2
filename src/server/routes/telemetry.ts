import type { FastifyPluginAsync } from 'fastify';
import { Aggregate, type Series, type SeriesPoint } from '../../ports.ts';
import type { Engine } from '../../engine/engine.ts';
import { iso } from '../../engine/views.ts';
import { durationParam, listParam, tenantOf, timeParam } from '../request.ts';

export interface TelemetryRoutesOptions {
  engine: Engine;
  defaultTenant: string;
}

const idParams = { type: 'object', properties: { id: { type: 'string', minLength: 1 } }, required: ['id'] } as const;
const seriesQuery = {
  type: 'object',
  properties: {
    fields: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    every: { type: 'string' },
    agg: { type: 'string', enum: Object.values(Aggregate) },
    limit: { type: 'integer', minimum: 1, maximum: 100_000 },
    tenant: { type: 'string' },
  },
  additionalProperties: false,
} as const;

const pointView = (p: SeriesPoint) => ({ ts: iso(p.ts), value: p.value });

/** Telemetry in and out (plant seed): post readings, read the time series and the latest values. */
export const telemetryRoutes: FastifyPluginAsync<TelemetryRoutesOptions> = async (app, { engine, defaultTenant }) => {
  app.post('/api/twins/:id/telemetry', { schema: { params: idParams } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const outcome = engine.ingest.accept(tenantOf(request, defaultTenant), id, request.body);
    await outcome.durable;
    const status = outcome.points === 0 ? 400 : 202;
    const rejected = outcome.rejections.map((r) => ({ reason: r.reason, message: r.message, ...(r.field === undefined ? {} : { field: r.field }) }));
    if (status === 400) {
      return reply.status(400).send({
        error: {
          code: 'invalid_request',
          message: rejected.map((r) => r.message).join('; '),
          details: rejected.map((r) => ({ path: r.field === undefined ? 'body' : `body.${r.field}`, message: r.message })),
        },
      });
    }
    return reply.status(202).send({ accepted: outcome.points, rejected });
  });

  app.get('/api/twins/:id/telemetry', { schema: { params: idParams, querystring: seriesQuery } }, async (request) => {
    const { id } = request.params as { id: string };
    const q = request.query as { fields?: string; from?: string; to?: string; every?: string; agg?: Aggregate; limit?: number };
    const tenant = tenantOf(request, defaultTenant);
    await engine.registry.get(tenant, id);
    const from = timeParam(q.from, 'query.from');
    const to = timeParam(q.to, 'query.to');
    const every = durationParam(q.every, 'query.every');
    const fields = listParam(q.fields);
    const series: Series = await engine.storage.telemetry.query({
      tenant,
      twinId: id,
      ...(fields === undefined ? {} : { fields }),
      ...(from === undefined ? {} : { from }),
      ...(to === undefined ? {} : { to }),
      ...(every === undefined ? {} : { every, agg: q.agg ?? Aggregate.Avg }),
      ...(q.limit === undefined ? {} : { limit: q.limit }),
    });
    const out: Record<string, { ts: string; value: number | boolean | string }[]> = {};
    for (const [field, points] of Object.entries(series)) out[field] = points.map(pointView);
    return {
      twinId: id,
      ...(from === undefined ? {} : { from: iso(from) }),
      ...(to === undefined ? {} : { to: iso(to) }),
      ...(every === undefined ? {} : { every: q.every, agg: q.agg ?? Aggregate.Avg }),
      series: out,
    };
  });

  app.get('/api/twins/:id/telemetry/latest', { schema: { params: idParams } }, async (request) => {
    const { id } = request.params as { id: string };
    const tenant = tenantOf(request, defaultTenant);
    await engine.registry.get(tenant, id);
    const latest = await engine.latest(tenant, id);
    const values: Record<string, { ts: string; value: number | boolean | string }> = {};
    for (const [field, point] of Object.entries(latest)) values[field] = pointView(point);
    return { twinId: id, values };
  });
};
