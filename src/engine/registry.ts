import { ErrorCode, NotFoundError, TwinflowError, ValidationError } from '../core/errors.ts';
import { createTwin, patchTwin, replaceTwin } from '../core/twin/registry.ts';
import { parseTwinSpec } from '../core/twin/spec.ts';
import { applyMergePatch } from '../core/twin/merge-patch.ts';
import { EventType, TwinStatus, type Json, type JsonObject, type Page, type Service, type Twin, type TwinSpec } from '../core/types.ts';
import type { Clock, Logger, ServiceQuery, TwinQuery, TwinStore } from '../ports.ts';
import type { EventBus } from './event-bus.ts';
import { KeyedQueue } from './keyed-queue.ts';
import { twinKey } from './twin-key.ts';
import { serviceView, twinView } from './views.ts';

export interface RegistryOptions {
  store: TwinStore;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  onCountChange?: (count: number) => void;
}

export interface UpsertResult {
  twin: Twin;
  created: boolean;
  /** Top-level fields that changed; empty when the spec matched the stored twin. */
  changed: string[];
}

const key = twinKey;

/**
 * The twin and service registry (polyglot DTP seed). The store is the truth; an in-memory index of every twin lets
 * ingest resolve a topic without a store round trip. Changes to one twin are applied one at a time, and each one
 * emits its event on the bus.
 */
export class Registry {
  readonly #options: RegistryOptions;
  readonly #index = new Map<string, Twin>();
  /** Changes to one twin are applied one after another. */
  readonly #queue = new KeyedQueue();
  #loaded = false;

  constructor(options: RegistryOptions) {
    this.#options = options;
  }

  get loaded(): boolean {
    return this.#loaded;
  }

  get size(): number {
    return this.#index.size;
  }

  /** Reads every twin of every tenant into the index. */
  async load(): Promise<void> {
    let cursor: string | undefined;
    const shared = new Map<string, object>();
    do {
      const page = await this.#options.store.listTwins({ limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
      for (const twin of page.items) this.#index.set(key(twin.tenant, twin.id), shareLeaves(twin, shared));
      cursor = page.next;
    } while (cursor !== undefined);
    this.#loaded = true;
    this.#countChanged();
  }

  /** Every indexed twin of every tenant, without a store round trip (registry-as-code diffs its files against it). */
  all(): Twin[] {
    return [...this.#index.values()];
  }

  /** The indexed twin, without a store round trip. */
  peek(tenant: string, id: string): Twin | undefined {
    return this.#index.get(key(tenant, id));
  }

  async get(tenant: string, id: string): Promise<Twin> {
    const twin = await this.#options.store.getTwin(tenant, id);
    if (twin === undefined) throw twinNotFound(tenant, id);
    return twin;
  }

  list(query: TwinQuery & { tenant: string }): Promise<Page<Twin>> {
    return this.#options.store.listTwins(query);
  }

  /** Creates or replaces a twin from a spec document (twin.yaml or the registry API). */
  upsert(tenant: string, raw: unknown, source: string): Promise<UpsertResult> {
    const parsed = parseTwinSpec(raw, { defaultTenant: tenant });
    if (!parsed.ok) throw new ValidationError(ErrorCode.InvalidTwinSpec, 'the twin spec is invalid', parsed.problems);
    if (parsed.tenant !== tenant) {
      throw new ValidationError(ErrorCode.InvalidTwinSpec, 'the twin spec is invalid', [
        { path: 'tenant', message: `is "${parsed.tenant}" but the request is for tenant "${tenant}"` },
      ]);
    }
    return this.upsertSpec(tenant, parsed.spec, source);
  }

  upsertSpec(tenant: string, spec: TwinSpec, source: string): Promise<UpsertResult> {
    return this.#queue.run(key(tenant, spec.id), async () => {
      const existing = await this.#options.store.getTwin(tenant, spec.id);
      const now = this.#options.clock.now();
      if (existing === undefined) {
        const twin = createTwin(spec, tenant, now);
        await this.#options.store.putTwin(twin, 0);
        this.#created(twin, source);
        return { twin, created: true, changed: Object.keys(spec) };
      }
      const { twin, changed } = replaceTwin(existing, spec, now);
      if (changed.length > 0) {
        await this.#options.store.putTwin(twin, existing.version);
        this.#updated(twin, changed, source);
      }
      return { twin, created: false, changed };
    });
  }

  /**
   * Registers a twin that ingest met before anyone described it (`ingest.unknown_twins: register`). The index
   * knows it at once; the returned promise settles when it is durable.
   */
  autoRegister(tenant: string, id: string): Promise<void> {
    const twin = createTwin(
      {
        id,
        name: id,
        metadata: { registeredBy: 'ingest' },
        interfaces: {},
        dependencies: {},
        relationships: [],
        groups: [],
        dimensions: {},
        blocks: [],
        status: TwinStatus.Active,
      },
      tenant,
      this.#options.clock.now(),
    );
    this.#index.set(key(tenant, id), twin);
    return this.#queue.run(key(tenant, id), async () => {
      const stored = await this.#options.store.getTwin(tenant, id);
      if (stored !== undefined) {
        this.#index.set(key(tenant, id), stored);
        return;
      }
      await this.#options.store.putTwin(twin, 0);
      this.#created(twin, 'ingest');
    });
  }

  /** RFC 7396 merge patch of a twin's spec; `ifMatch` is the version the caller saw (412 when stale). */
  patch(tenant: string, id: string, patch: Json, ifMatch: number | undefined, source: string): Promise<UpsertResult> {
    return this.#queue.run(key(tenant, id), async () => {
      const existing = await this.get(tenant, id);
      if (ifMatch !== undefined && ifMatch !== existing.version) throw preconditionFailed(existing.version, ifMatch);
      const result = patchTwin(existing, patch, this.#options.clock.now());
      if (!result.ok) throw new ValidationError(ErrorCode.InvalidTwinSpec, 'the patched twin is invalid', result.problems);
      if (result.changed.length > 0) {
        await this.#options.store.putTwin(result.twin, existing.version);
        this.#updated(result.twin, result.changed, source);
      }
      return { twin: result.twin, created: false, changed: result.changed };
    });
  }

  /** Soft delete marks the twin `deprecated`; hard delete removes it. */
  remove(tenant: string, id: string, options: { soft: boolean; ifMatch?: number }, source: string): Promise<Twin | undefined> {
    return this.#queue.run(key(tenant, id), async () => {
      const existing = await this.get(tenant, id);
      if (options.ifMatch !== undefined && options.ifMatch !== existing.version) {
        throw preconditionFailed(existing.version, options.ifMatch);
      }
      if (options.soft) {
        if (existing.status === TwinStatus.Deprecated) return existing;
        const twin: Twin = { ...existing, status: TwinStatus.Deprecated, version: existing.version + 1, updatedAt: this.#options.clock.now() };
        await this.#options.store.putTwin(twin, existing.version);
        this.#updated(twin, ['status'], source);
        return twin;
      }
      await this.#options.store.deleteTwin(tenant, id);
      this.#index.delete(key(tenant, id));
      this.#countChanged();
      this.#options.bus.publish({
        type: EventType.TwinDelete,
        tenant,
        twinId: id,
        time: this.#options.clock.now(),
        data: { id, source },
      });
      return undefined;
    });
  }

  async getService(tenant: string, id: string): Promise<Service> {
    const service = await this.#options.store.getService(tenant, id);
    if (service === undefined) throw new NotFoundError(ErrorCode.ServiceNotFound, `service "${id}" does not exist in tenant "${tenant}"`);
    return service;
  }

  listServices(query: ServiceQuery): Promise<Page<Service>> {
    return this.#options.store.listServices(query);
  }

  /** Registers a service, or replaces the one with the same id. */
  upsertService(tenant: string, body: JsonObject, source: string): Promise<{ service: Service; created: boolean }> {
    const id = typeof body.id === 'string' && body.id !== '' ? body.id : typeof body.category === 'string' ? body.category : '';
    return this.#queue.run(key(tenant, `service:${id}`), async () => {
      const existing = await this.#options.store.getService(tenant, id);
      const service = this.#buildService(tenant, id, body, existing);
      await this.#options.store.putService(service);
      this.#serviceChanged(service, source);
      return { service, created: existing === undefined };
    });
  }

  patchService(tenant: string, id: string, patch: Json, source: string): Promise<Service> {
    return this.#queue.run(key(tenant, `service:${id}`), async () => {
      const existing = await this.getService(tenant, id);
      const current: JsonObject = {
        id,
        category: existing.category,
        interfaces: existing.interfaces,
        health: existing.health,
        metadata: existing.metadata,
      };
      const merged = applyMergePatch(current, patch);
      if (typeof merged !== 'object' || merged === null || Array.isArray(merged)) {
        throw new ValidationError(ErrorCode.InvalidRequest, 'the service patch is invalid', [{ path: '', message: 'must be an object' }]);
      }
      const service = this.#buildService(tenant, id, { ...merged, id }, existing);
      await this.#options.store.putService(service);
      this.#serviceChanged(service, source);
      return service;
    });
  }

  #buildService(tenant: string, id: string, body: JsonObject, existing: Service | undefined): Service {
    const problems = [];
    if (id === '') problems.push({ path: 'id', message: 'required (or a category to name the service by)' });
    if (typeof body.category !== 'string' || body.category === '') problems.push({ path: 'category', message: 'required, a string' });
    for (const field of ['interfaces', 'health', 'metadata'] as const) {
      const value = body[field];
      if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
        problems.push({ path: field, message: 'must be an object' });
      }
    }
    if (problems.length > 0) throw new ValidationError(ErrorCode.InvalidRequest, 'the service is invalid', problems);
    const now = this.#options.clock.now();
    return {
      tenant,
      id,
      category: body.category as string,
      interfaces: (body.interfaces as JsonObject | undefined) ?? {},
      health: (body.health as JsonObject | undefined) ?? {},
      metadata: (body.metadata as JsonObject | undefined) ?? {},
      version: (existing?.version ?? 0) + 1,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
  }

  #created(twin: Twin, source: string): void {
    this.#index.set(key(twin.tenant, twin.id), twin);
    this.#countChanged();
    const base = { tenant: twin.tenant, twinId: twin.id, time: twin.updatedAt };
    this.#options.bus.publish({ ...base, type: EventType.TwinCreate, data: { twin: twinView(twin), source } });
    this.#options.bus.publish({ ...base, type: EventType.TwinUpdate, data: { twin: twinView(twin), changed: Object.keys(twinView(twin)), source } });
  }

  #updated(twin: Twin, changed: string[], source: string): void {
    this.#index.set(key(twin.tenant, twin.id), twin);
    this.#options.bus.publish({
      type: EventType.TwinUpdate,
      tenant: twin.tenant,
      twinId: twin.id,
      time: twin.updatedAt,
      data: { twin: twinView(twin), changed, source },
    });
  }

  #serviceChanged(service: Service, source: string): void {
    this.#options.bus.publish({
      type: EventType.ServiceUpdate,
      tenant: service.tenant,
      time: service.updatedAt,
      data: { service: serviceView(service), source },
    });
  }

  #countChanged(): void {
    this.#options.onCountChange?.(this.#index.size);
  }
}

/** Longest JSON of a field shared between twins; a longer one is rarely the same in two twins. */
const MAX_SHARED_JSON = 256;

/**
 * The index holds every twin for the life of the process, and in a fleet most twins carry the same small fields:
 * `{}`, `[]`, `["sensors"]`, `{"vendor": "acme"}`, each 30–60 bytes (DESIGN §9: memory per idle twin). While the
 * index loads, a field that holds only primitives is replaced by one shared copy per distinct value, frozen, so a
 * caller that wrongly mutated one would throw rather than change every twin that shares it.
 */
function shareLeaves(twin: Twin, shared: Map<string, object>): Twin {
  const fields = twin as unknown as Record<string, unknown>;
  for (const field in fields) {
    const value = fields[field];
    if (typeof value !== 'object' || value === null) continue;
    if (!Object.values(value).every((v) => typeof v !== 'object' || v === null)) continue;
    const json = JSON.stringify(value);
    if (json.length > MAX_SHARED_JSON) continue;
    let copy = shared.get(json);
    if (copy === undefined) {
      copy = Object.freeze(value);
      shared.set(json, copy);
    }
    fields[field] = copy;
  }
  return twin;
}

function twinNotFound(tenant: string, id: string): NotFoundError {
  return new NotFoundError(ErrorCode.TwinNotFound, `twin "${id}" does not exist in tenant "${tenant}"`);
}

function preconditionFailed(current: number, expected: number): TwinflowError {
  return new TwinflowError(
    ErrorCode.PreconditionFailed,
    `If-Match names version ${expected} but the twin is at version ${current}`,
  );
}
