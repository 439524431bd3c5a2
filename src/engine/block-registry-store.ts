import type { BlockDefinition, BlockParamSpec } from '../core/blocks/model-block.ts';
import type { JsonObject } from '../core/types.ts';
import type { DocumentStore } from '../ports.ts';
import { BlockSource, type BlockRegistry, type RegisteredBlock } from './block-registry.ts';

/** The documents collection of the block registry; one document per block version, id `name@version`. */
export const BLOCKS_COLLECTION = 'blocks';
// The registry is one per deployment, not per tenant.
const REGISTRY_TENANT = '_';

/** What survives a restart of one registered version (its code does not: a module is loaded again when bound). */
export interface BlockMetadata {
  name: string;
  version: string;
  description: string;
  params: Readonly<Record<string, BlockParamSpec>>;
  source: BlockSource;
  modulePath?: string;
  registeredAt: number;
}

/**
 * The block registry's metadata in `storage.documents` (the plant seed's model registry): every version registered
 * from a module is written when registered and listed again after a restart. Built-ins are not stored; they come
 * with the code.
 */
export class BlockRegistryStore {
  readonly #documents: DocumentStore;

  constructor(documents: DocumentStore) {
    this.#documents = documents;
  }

  async save(entry: RegisteredBlock): Promise<void> {
    if (entry.source === BlockSource.Builtin) return;
    const { definition: d } = entry;
    const doc: JsonObject = {
      name: d.name,
      version: d.version,
      description: d.description,
      params: JSON.parse(JSON.stringify(d.params)) as JsonObject,
      source: entry.source,
      registered_at: entry.registeredAt,
      ...(entry.modulePath === undefined ? {} : { module_path: entry.modulePath }),
    };
    await this.#documents.put(BLOCKS_COLLECTION, REGISTRY_TENANT, `${d.name}@${d.version}`, doc, { tags: { name: d.name } });
  }

  async load(): Promise<BlockMetadata[]> {
    const out: BlockMetadata[] = [];
    let next: string | undefined;
    do {
      const page = await this.#documents.list({ collection: BLOCKS_COLLECTION, tenant: REGISTRY_TENANT, limit: 500, ...(next === undefined ? {} : { next }) });
      for (const { doc } of page.items) {
        out.push({
          name: String(doc.name),
          version: String(doc.version),
          description: String(doc.description ?? ''),
          params: (doc.params ?? {}) as unknown as Record<string, BlockParamSpec>,
          source: doc.source === BlockSource.Module ? BlockSource.Module : BlockSource.Builtin,
          registeredAt: typeof doc.registered_at === 'number' ? doc.registered_at : 0,
          ...(typeof doc.module_path === 'string' ? { modulePath: doc.module_path } : {}),
        });
      }
      next = page.next;
    } while (next !== undefined);
    return out;
  }

  /**
   * Puts the stored versions back into `registry` (those it does not already have), each with the `create` that
   * `createFor` gives it (e.g. a worker-thread block on its module path). Returns how many were restored.
   */
  async restoreInto(registry: BlockRegistry, createFor: (meta: BlockMetadata) => BlockDefinition['create']): Promise<number> {
    let restored = 0;
    for (const meta of await this.load()) {
      if (registry.has(meta.name, meta.version)) continue;
      const definition: BlockDefinition = { name: meta.name, version: meta.version, description: meta.description, params: meta.params, create: createFor(meta) };
      registry.register(definition, meta.source, meta.modulePath, meta.registeredAt);
      restored++;
    }
    return restored;
  }
}
