import type { JsonObject } from '../../core/types.ts';
import type { DocumentQuery, DocumentRecord, DocumentStore } from '../../ports.ts';
import { checkPutOptions, checkTags, documentConflict, prefixEnd } from '../document-rules.ts';
import { decodeCursor, pageLimit } from '../paging.ts';
import { afterCondition, Params, toPage, whereClause, type Run } from './sql.ts';

const DEFAULT_PAGE = 100;

interface DocumentRow {
  tenant: string;
  id: string;
  version: number;
  doc: JsonObject;
  tags: Record<string, string>;
  updated_at: number;
}

const COLUMNS = 'tenant, id, version, doc, tags, updated_at';

/** The `documents` table (migration 2); `s` is the quoted schema. The driver parses json afresh on every read. */
export function postgresDocumentStore(run: Run, s: string): DocumentStore {
  const toRecord = (collection: string, row: DocumentRow): DocumentRecord => ({
    collection,
    tenant: row.tenant,
    id: row.id,
    version: row.version,
    doc: row.doc,
    tags: row.tags,
    updatedAt: row.updated_at,
  });
  const currentVersion = async (collection: string, tenant: string, id: string): Promise<number | undefined> => {
    const { rows } = await run<{ version: number }>(
      'put document',
      `SELECT version FROM ${s}.documents WHERE collection = $1 AND tenant = $2 AND id = $3`,
      [collection, tenant, id],
    );
    return rows[0]?.version;
  };

  return {
    async get(collection, tenant, id) {
      const { rows } = await run<DocumentRow>(
        'get document',
        `SELECT ${COLUMNS} FROM ${s}.documents WHERE collection = $1 AND tenant = $2 AND id = $3`,
        [collection, tenant, id],
      );
      const row = rows[0];
      return row === undefined ? undefined : toRecord(collection, row);
    },
    async put(collection, tenant, id, doc, options = {}) {
      checkPutOptions(options);
      const { expectedVersion } = options;
      const values = [
        collection,
        tenant,
        id,
        JSON.stringify(doc),
        JSON.stringify(options.tags ?? {}),
        options.now ?? Date.now(),
      ];
      const insert = `INSERT INTO ${s}.documents AS d (collection, tenant, id, version, doc, tags, updated_at)
        VALUES ($1, $2, $3, 1, $4::json, $5::jsonb, $6::bigint)`;
      // The condition is part of the write itself, so two writers expecting the same version cannot both win: the
      // second waits for the first's row lock, then finds the version moved on (or the row there) and writes nothing.
      const { rows } =
        expectedVersion === undefined
          ? await run<{ version: number }>(
              'put document',
              `${insert} ON CONFLICT (collection, tenant, id) DO UPDATE SET version = d.version + 1, doc = excluded.doc,
                 tags = excluded.tags, updated_at = excluded.updated_at
               RETURNING version`,
              values,
            )
          : expectedVersion === 0
            ? await run<{ version: number }>(
                'put document',
                `${insert} ON CONFLICT (collection, tenant, id) DO NOTHING RETURNING version`,
                values,
              )
            : await run<{ version: number }>(
                'put document',
                `UPDATE ${s}.documents
                 SET version = version + 1, doc = $4::json, tags = $5::jsonb, updated_at = $6::bigint
                 WHERE collection = $1 AND tenant = $2 AND id = $3 AND version = $7::bigint
                 RETURNING version`,
                [...values, expectedVersion],
              );
      const written = rows[0];
      if (written !== undefined) return written.version;
      const current = await currentVersion(collection, tenant, id);
      throw documentConflict(collection, tenant, id, expectedVersion as number, current);
    },
    async delete(collection, tenant, id) {
      const { rowCount } = await run(
        'delete document',
        `DELETE FROM ${s}.documents WHERE collection = $1 AND tenant = $2 AND id = $3`,
        [collection, tenant, id],
      );
      return rowCount > 0;
    },
    async list(query: DocumentQuery) {
      const limit = pageLimit(query.limit, DEFAULT_PAGE);
      checkTags(query.tags);
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      const p = new Params();
      const where = [`collection = ${p.add(query.collection)}`];
      if (query.tenant !== undefined) where.push(`tenant = ${p.add(query.tenant)}`);
      if (query.idPrefix !== undefined && query.idPrefix !== '') {
        where.push(`id >= ${p.add(query.idPrefix)}`);
        const end = prefixEnd(query.idPrefix);
        if (end !== undefined) where.push(`id < ${p.add(end)}`);
      }
      if (query.tags !== undefined && Object.keys(query.tags).length > 0) {
        where.push(`tags @> ${p.add(JSON.stringify(query.tags), 'jsonb')}`);
      }
      if (after !== undefined) where.push(afterCondition(after, query.tenant, p));
      const sql = `SELECT ${COLUMNS} FROM ${s}.documents ${whereClause(where)}
        ORDER BY tenant, id LIMIT ${p.add(limit + 1, 'int')}`;
      const { rows } = await run<DocumentRow>('list documents', sql, p.values);
      return toPage(
        rows.map((row) => toRecord(query.collection, row)),
        limit,
      );
    },
  };
}
