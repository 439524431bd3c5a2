import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Json, JsonObject, Twin, TwinStatus } from '../../core/types.ts';
import type { Engine } from '../../engine/engine.ts';
import { serviceView, twinView } from '../../engine/views.ts';
import { invalid, tenantOf } from '../request.ts';

export interface RegistryRoutesOptions {
  engine: Engine;
  defaultTenant: string;
}

const idParams = { type: 'object', properties: { id: { type: 'string', minLength: 1 } }, required: ['id'] } as const;
const listQuery = {
  type: 'object',
  properties: {
    tenant: { type: 'string' },
    status: { type: 'string', enum: ['active', 'deprecated'] },
    model: { type: 'string' },
    group: { type: 'string' },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
    cursor: { type: 'string' },
  },
} as const;
const objectBody = { type: 'object' } as const;

/** The twin registry and service registry of the polyglot DTP seed (DESIGN §5.8 Registry). */
export const registryRoutes: FastifyPluginAsync<RegistryRoutesOptions> = async (app, { engine, defaultTenant }) => {
  const registry = engine.registry;
  const source = (request: { ip: string }) => `api:${request.ip}`;

  app.post('/api/registry/twins', { schema: { body: objectBody } }, async (request, reply) => {
    const tenant = tenantOfBody(request, defaultTenant);
    const result = await registry.upsert(tenant, request.body, source(request));
    return sendTwin(reply.status(result.created ? 201 : 200), result.twin);
  });

  app.get('/api/registry/twins', { schema: { querystring: listQuery } }, async (request) => {
    const q = request.query as { status?: TwinStatus; model?: string; group?: string; limit: number; cursor?: string };
    const dimensions = dimensionFilters(request.query as Record<string, unknown>);
    const page = await registry.list({
      tenant: tenantOf(request, defaultTenant),
      limit: q.limit,
      ...(q.status === undefined ? {} : { status: q.status }),
      ...(q.model === undefined ? {} : { model: q.model }),
      ...(q.group === undefined ? {} : { group: q.group }),
      ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
      ...(dimensions === undefined ? {} : { dimensions }),
    });
    return { items: page.items.map(twinView), ...(page.next === undefined ? {} : { next: page.next }) };
  });

  app.get('/api/registry/twins/:id', { schema: { params: idParams } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const twin = await registry.get(tenantOf(request, defaultTenant), id);
    const etag = etagOf(twin);
    if (request.headers['if-none-match'] === etag) return reply.status(304).header('etag', etag).send();
    return sendTwin(reply, twin);
  });

  app.patch('/api/registry/twins/:id', { schema: { params: idParams } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const result = await registry.patch(
      tenantOf(request, defaultTenant),
      id,
      request.body as Json,
      ifMatch(request.headers['if-match']),
      source(request),
    );
    return sendTwin(reply, result.twin);
  });

  app.delete('/api/registry/twins/:id', { schema: { params: idParams } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const soft = (request.query as { soft?: string }).soft;
    const twin = await registry.remove(
      tenantOf(request, defaultTenant),
      id,
      { soft: soft === 'true' || soft === '1' || soft === '', ...optionalIfMatch(request.headers['if-match']) },
      source(request),
    );
    return twin === undefined ? reply.status(204).send() : sendTwin(reply, twin);
  });

  app.post('/api/registry/services', { schema: { body: objectBody } }, async (request, reply) => {
    const tenant = tenantOfBody(request, defaultTenant);
    const { service, created } = await registry.upsertService(tenant, request.body as JsonObject, source(request));
    return reply.status(created ? 201 : 200).send(serviceView(service));
  });

  app.get('/api/registry/services', async (request) => {
    const q = request.query as { category?: string; limit?: string; cursor?: string };
    const page = await registry.listServices({
      tenant: tenantOf(request, defaultTenant),
      limit: q.limit === undefined ? 100 : Math.min(1000, Math.max(1, Number(q.limit) || 100)),
      ...(q.category === undefined ? {} : { category: q.category }),
      ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
    });
    return { items: page.items.map(serviceView), ...(page.next === undefined ? {} : { next: page.next }) };
  });

  app.get('/api/registry/services/:id', { schema: { params: idParams } }, async (request) => {
    const { id } = request.params as { id: string };
    return serviceView(await registry.getService(tenantOf(request, defaultTenant), id));
  });

  app.patch('/api/registry/services/:id', { schema: { params: idParams } }, async (request) => {
    const { id } = request.params as { id: string };
    return serviceView(await registry.patchService(tenantOf(request, defaultTenant), id, request.body as Json, source(request)));
  });
};

export function etagOf(twin: Twin): string {
  return `"${twin.version}"`;
}

function sendTwin(reply: FastifyReply, twin: Twin): FastifyReply {
  return reply.header('etag', etagOf(twin)).send(twinView(twin));
}

/** The body may name its tenant (as the seed's registration scripts do); it must agree with the request's. */
function tenantOfBody(request: Parameters<typeof tenantOf>[0], fallback: string): string {
  const explicit = request.headers['x-tenant'] !== undefined || (request.query as Record<string, unknown>).tenant !== undefined;
  const bodyTenant = (request.body as JsonObject).tenant;
  if (!explicit && typeof bodyTenant === 'string' && bodyTenant !== '') {
    return tenantOf({ ...request, headers: { ...request.headers, 'x-tenant': bodyTenant } } as typeof request, fallback);
  }
  return tenantOf(request, fallback);
}

/** `dimension.floor=2` query parameters. */
function dimensionFilters(query: Record<string, unknown>): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  let any = false;
  for (const [k, v] of Object.entries(query)) {
    if (!k.startsWith('dimension.')) continue;
    if (typeof v !== 'string') throw invalid(`query.${k}`, 'give one value');
    out[k.slice('dimension.'.length)] = v;
    any = true;
  }
  return any ? out : undefined;
}

function ifMatch(header: string | undefined): number | undefined {
  if (header === undefined || header === '*') return undefined;
  const match = /^(?:W\/)?"(\d+)"$/.exec(header.trim());
  if (match === null) throw invalid('headers.if-match', `"${header}" is not an ETag this server gave out`);
  return Number(match[1]);
}

function optionalIfMatch(header: string | undefined): { ifMatch?: number } {
  const version = ifMatch(header);
  return version === undefined ? {} : { ifMatch: version };
}
