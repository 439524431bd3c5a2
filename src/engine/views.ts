/** How records look at the edges (HTTP, SSE, MQTT events): the same fields, times as ISO-8601 strings. */
import type { JsonObject, Service, Twin, TwinEvent } from '../core/types.ts';

const iso = (ms: number): string => new Date(ms).toISOString();

export function twinView(twin: Twin): JsonObject {
  const view: JsonObject = {
    tenant: twin.tenant,
    id: twin.id,
    name: twin.name,
    metadata: twin.metadata,
    interfaces: twin.interfaces as JsonObject,
    dependencies: twin.dependencies as JsonObject,
    relationships: twin.relationships as unknown as JsonObject[],
    groups: twin.groups,
    dimensions: twin.dimensions,
    blocks: twin.blocks as unknown as JsonObject[],
    status: twin.status,
    version: twin.version,
    createdAt: iso(twin.createdAt),
    updatedAt: iso(twin.updatedAt),
  };
  if (twin.model !== undefined) view.model = twin.model;
  return view;
}

export function serviceView(service: Service): JsonObject {
  return {
    tenant: service.tenant,
    id: service.id,
    category: service.category,
    interfaces: service.interfaces,
    health: service.health,
    metadata: service.metadata,
    version: service.version,
    createdAt: iso(service.createdAt),
    updatedAt: iso(service.updatedAt),
  };
}

export function eventView(event: TwinEvent): JsonObject {
  const view: JsonObject = { seq: event.seq, id: event.id, type: event.type, tenant: event.tenant, time: iso(event.time), data: event.data };
  if (event.twinId !== undefined) view.twinId = event.twinId;
  return view;
}

export { iso };
