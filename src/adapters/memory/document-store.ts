import type { JsonObject } from '../../core/types.ts';
import type { DocumentQuery, DocumentRecord, DocumentStore } from '../../ports.ts';
import { pageLimit } from '../paging.ts';
import { versionHolds } from '../version-conflict.ts';
import { checkPutOptions, checkTags, documentConflict } from '../document-rules.ts';
import { SortedRecords } from './sorted-records.ts';

const DEFAULT_PAGE = 100;

/**
 * A document as kept: its JSON text rather than the object, so that what comes back is what a SQL store would give
 * (a fresh object each time, `-0` as `0`, no `undefined` members), and no caller can reach the stored copy.
 */
interface StoredDocument {
  tenant: string;
  id: string;
  version: number;
  json: string;
  tags: Readonly<Record<string, string>>;
  updatedAt: number;
}

/** Documents in process memory; `whileOpen` throws once the storage is closed. */
export function memoryDocumentStore(whileOpen: () => void): DocumentStore {
  const collections = new Map<string, SortedRecords<StoredDocument>>();
  const collectionOf = (name: string): SortedRecords<StoredDocument> => {
    let records = collections.get(name);
    if (records === undefined) collections.set(name, (records = new SortedRecords()));
    return records;
  };
  const toRecord = (collection: string, stored: StoredDocument): DocumentRecord => ({
    collection,
    tenant: stored.tenant,
    id: stored.id,
    version: stored.version,
    doc: JSON.parse(stored.json) as JsonObject,
    tags: { ...stored.tags },
    updatedAt: stored.updatedAt,
  });

  return {
    async get(collection, tenant, id) {
      whileOpen();
      const stored = collections.get(collection)?.get(tenant, id);
      return stored === undefined ? undefined : toRecord(collection, stored);
    },
    async put(collection, tenant, id, doc, options = {}) {
      whileOpen();
      checkPutOptions(options);
      const records = collectionOf(collection);
      const current = records.get(tenant, id)?.version;
      const { expectedVersion } = options;
      if (expectedVersion !== undefined && !versionHolds(expectedVersion, current)) {
        throw documentConflict(collection, tenant, id, expectedVersion, current);
      }
      const version = (current ?? 0) + 1;
      records.put({
        tenant,
        id,
        version,
        json: JSON.stringify(doc),
        tags: { ...options.tags },
        updatedAt: options.now ?? Date.now(),
      });
      return version;
    },
    async delete(collection, tenant, id) {
      whileOpen();
      return collections.get(collection)?.delete(tenant, id) ?? false;
    },
    async list(query: DocumentQuery) {
      whileOpen();
      const limit = pageLimit(query.limit, DEFAULT_PAGE);
      checkTags(query.tags);
      const records = collections.get(query.collection) ?? new SortedRecords<StoredDocument>();
      const wanted = Object.entries(query.tags ?? {});
      const page = records.page(query.cursor, limit, (stored) => {
        if (query.tenant !== undefined && stored.tenant !== query.tenant) return false;
        if (query.idPrefix !== undefined && !stored.id.startsWith(query.idPrefix)) return false;
        return wanted.every(([key, value]) => Object.hasOwn(stored.tags, key) && stored.tags[key] === value);
      });
      return { ...page, items: page.items.map((stored) => toRecord(query.collection, stored)) };
    },
  };
}
