import type Database from 'better-sqlite3';
import type { JsonObject } from '../../core/types.ts';
import type { DocumentQuery, DocumentRecord, DocumentStore } from '../../ports.ts';
import { checkPutOptions, checkTags, documentConflict, prefixEnd } from '../document-rules.ts';
import { decodeCursor, pageLimit } from '../paging.ts';
import { versionHolds } from '../version-conflict.ts';
import { afterCondition, guard, toPage, whereClause, type Prepare } from './sql.ts';

const DEFAULT_PAGE = 100;

interface DocumentRow {
  tenant: string;
  id: string;
  version: number;
  doc: string;
  tags: string;
  updated_at: number;
}

const COLUMNS = 'tenant, id, version, doc, tags, updated_at';

/** The `documents` table (migration 2): JSON text columns, parsed afresh on every read. */
export function sqliteDocumentStore(db: Database.Database, stmt: Prepare): DocumentStore {
  const toRecord = (collection: string, row: DocumentRow): DocumentRecord => ({
    collection,
    tenant: row.tenant,
    id: row.id,
    version: row.version,
    doc: JSON.parse(row.doc) as JsonObject,
    tags: JSON.parse(row.tags) as Record<string, string>,
    updatedAt: row.updated_at,
  });

  // Read, check and write in one IMMEDIATE transaction: it holds the write lock from the read on, so another
  // process's writer cannot slip in between (within this process better-sqlite3 is synchronous anyway).
  const putChecked = db.transaction(
    (collection: string, tenant: string, id: string, doc: string, tags: string, expected?: number, now?: number) => {
      const current = stmt('SELECT version FROM documents WHERE collection = ? AND tenant = ? AND id = ?')
        .pluck()
        .get(collection, tenant, id) as number | undefined;
      if (expected !== undefined && !versionHolds(expected, current)) {
        throw documentConflict(collection, tenant, id, expected, current);
      }
      const version = (current ?? 0) + 1;
      stmt(`
        INSERT INTO documents (collection, tenant, id, version, doc, tags, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (collection, tenant, id) DO UPDATE SET
          version = excluded.version, doc = excluded.doc, tags = excluded.tags, updated_at = excluded.updated_at`).run(
        collection,
        tenant,
        id,
        version,
        doc,
        tags,
        now,
      );
      return version;
    },
  );

  return {
    async get(collection, tenant, id) {
      const row = guard(
        'get document',
        () =>
          stmt(`SELECT ${COLUMNS} FROM documents WHERE collection = ? AND tenant = ? AND id = ?`).get(
            collection,
            tenant,
            id,
          ) as DocumentRow | undefined,
      );
      return row === undefined ? undefined : toRecord(collection, row);
    },
    async put(collection, tenant, id, doc, options = {}) {
      checkPutOptions(options);
      const json = JSON.stringify(doc);
      const tags = JSON.stringify(options.tags ?? {});
      const now = options.now ?? Date.now();
      return guard('put document', () =>
        putChecked.immediate(collection, tenant, id, json, tags, options.expectedVersion, now),
      );
    },
    async delete(collection, tenant, id) {
      const { changes } = guard('delete document', () =>
        stmt('DELETE FROM documents WHERE collection = ? AND tenant = ? AND id = ?').run(collection, tenant, id),
      );
      return changes > 0;
    },
    async list(query: DocumentQuery) {
      const limit = pageLimit(query.limit, DEFAULT_PAGE);
      checkTags(query.tags);
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      const where = ['collection = @collection'];
      const params: Record<string, unknown> = { collection: query.collection, limit: limit + 1 };
      if (query.tenant !== undefined) {
        where.push('tenant = @tenant');
        params.tenant = query.tenant;
      }
      if (query.idPrefix !== undefined && query.idPrefix !== '') {
        where.push('id >= @prefix');
        params.prefix = query.idPrefix;
        const end = prefixEnd(query.idPrefix);
        if (end !== undefined) {
          where.push('id < @prefixEnd');
          params.prefixEnd = end;
        }
      }
      if (query.tags !== undefined && Object.keys(query.tags).length > 0) {
        // No wanted tag may be missing or different: one statement serves any number of tags, and json_each
        // compares keys as they are, where a JSON path would have to quote dots and quotes in them.
        where.push(`NOT EXISTS (
          SELECT 1 FROM json_each(@tags) AS want WHERE NOT EXISTS (
            SELECT 1 FROM json_each(documents.tags) AS have
            WHERE have.key = want.key AND have.type = 'text' AND have.value = want.value))`);
        params.tags = JSON.stringify(query.tags);
      }
      if (after !== undefined) where.push(afterCondition(after, query.tenant, params));
      const sql = `SELECT ${COLUMNS} FROM documents ${whereClause(where)} ORDER BY tenant, id LIMIT @limit`;
      const rows = guard('list documents', () => stmt(sql).all(params) as DocumentRow[]);
      return toPage(
        rows.map((row) => toRecord(query.collection, row)),
        limit,
      );
    },
  };
}
