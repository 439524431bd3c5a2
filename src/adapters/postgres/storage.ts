/**
 * Storage in PostgreSQL through a `pg` Pool: the store of a scaled-out deployment (DESIGN.md §7), shared by every
 * worker. Each statement is prepared once per connection (named after its text), and its text varies only with
 * which filters are present.
 */
import pg from 'pg';
import { ErrorCode, TwinflowError } from '../../core/errors.ts';
import { checkTelemetryPoints } from '../../core/telemetry/check-telemetry-points.ts';
import { checkDownsampleOptions, DEFAULT_AGGREGATE } from '../../core/telemetry/downsample.ts';
import type { Service, Twin, TwinEvent } from '../../core/types.ts';
import {
  Aggregate,
  type EventLog,
  type EventQuery,
  type Logger,
  type Series,
  type SeriesPoint,
  type Storage,
  type TelemetryQuery,
  type TelemetryStore,
  type TwinStore,
} from '../../ports.ts';
import { decodeCursor, pageLimit } from '../paging.ts';
import { fromColumns, toColumns } from '../telemetry-columns.ts';
import { versionConflict } from '../version-conflict.ts';
import { postgresDocumentStore } from './document-store.ts';
import { postgresRecordLog } from './record-log.ts';
import { afterCondition, Params, reason, toPage, whereClause, wrap, type Run, type Transact } from './sql.ts';

export interface PostgresStorageOptions {
  /** The schema holding twinflow's tables; created when absent. @default 'twinflow' */
  schema?: string;
  /** Told when a pooled connection fails while idle (the pool replaces it). @default a process warning */
  logger?: Logger;
}

const DEFAULT_SCHEMA = 'twinflow';
const DEFAULT_PAGE = 100;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** How long a query waits for a pooled connection before failing, rather than hanging while the server is away. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Each entry brings the schema from the previous version to the next; `schema_version` records how many have run.
 * `S` stands for the quoted schema name. Entries are only ever appended.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE S.twins (
    tenant text COLLATE "C" NOT NULL,
    id text COLLATE "C" NOT NULL,
    version bigint NOT NULL,
    status text NOT NULL,
    model text,
    groups text[] NOT NULL,
    dimensions jsonb NOT NULL,
    -- json, not jsonb: the document comes back exactly as written, key order included.
    doc json NOT NULL,
    PRIMARY KEY (tenant, id)
  );

  CREATE TABLE S.services (
    tenant text COLLATE "C" NOT NULL,
    id text COLLATE "C" NOT NULL,
    category text NOT NULL,
    doc json NOT NULL,
    PRIMARY KEY (tenant, id)
  );

  CREATE TABLE S.telemetry (
    tenant text COLLATE "C" NOT NULL,
    twin_id text COLLATE "C" NOT NULL,
    field text COLLATE "C" NOT NULL,
    ts bigint NOT NULL,
    kind smallint NOT NULL CHECK (kind IN (0, 1, 2)),
    num double precision CHECK ((kind = 2) = (num IS NULL)),
    str text CHECK ((kind = 2) = (str IS NOT NULL)),
    PRIMARY KEY (tenant, twin_id, field, ts)
  );

  CREATE TABLE S.events (
    seq bigint PRIMARY KEY,
    id text NOT NULL,
    type text NOT NULL,
    tenant text NOT NULL,
    twin_id text,
    time bigint NOT NULL,
    data json NOT NULL
  );
  CREATE INDEX events_by_tenant ON S.events (tenant, seq);
  `,
  `
  CREATE TABLE S.documents (
    collection text COLLATE "C" NOT NULL,
    tenant text COLLATE "C" NOT NULL,
    id text COLLATE "C" NOT NULL,
    version bigint NOT NULL,
    -- json, not jsonb: the document comes back exactly as written, key order included.
    doc json NOT NULL,
    -- jsonb, so that a tag filter is one containment test (tags @> wanted) that this index can answer.
    tags jsonb NOT NULL,
    updated_at bigint NOT NULL,
    PRIMARY KEY (collection, tenant, id)
  );
  CREATE INDEX documents_by_tags ON S.documents USING gin (tags jsonb_path_ops);

  CREATE TABLE S.records (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stream text COLLATE "C" NOT NULL,
    tenant text COLLATE "C" NOT NULL,
    key text COLLATE "C" NOT NULL,
    time bigint NOT NULL,
    data json NOT NULL
  );
  CREATE INDEX records_by_key_time ON S.records (stream, tenant, key, time);
  `,
];

interface TelemetryRow {
  field: string;
  ts: number;
  kind: number;
  num: number | null;
  str: string | null;
}

interface EventRow {
  seq: number;
  id: string;
  type: TwinEvent['type'];
  tenant: string;
  twin_id: string | null;
  time: number;
  data: TwinEvent['data'];
}

/** Connects, creates or migrates the schema, and answers once the store is usable. */
export async function openPostgresStorage(url: string, options: PostgresStorageOptions = {}): Promise<Storage> {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  if (!SCHEMA_NAME.test(schema)) {
    throw new TwinflowError(
      ErrorCode.InvalidConfig,
      `postgres schema ${JSON.stringify(schema)} must be lower-case letters, digits and _ (at most 63)`,
    );
  }
  const types = new pg.TypeOverrides();
  // Times and seqs are bigint columns; epoch ms and seqs stay far below 2^53, so a number holds them exactly.
  types.setTypeParser(pg.types.builtins.INT8, (text: string) => Number(text));
  const pool = new pg.Pool({ connectionString: url, types, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  pool.on('error', (err) => {
    const message = `postgres: an idle pooled connection failed: ${reason(err)}`;
    if (options.logger !== undefined) options.logger.warn({ err }, message);
    else process.emitWarning(message);
  });

  try {
    await migrate(pool, schema);
  } catch (err) {
    await pool.end();
    throw wrap('open', err);
  }

  const names = new Map<string, string>();
  const runOn =
    (queryable: pg.Pool | pg.PoolClient): Run =>
    async (what, text, values) => {
      let name = names.get(text);
      if (name === undefined) names.set(text, (name = `twinflow_${names.size}`));
      try {
        const result = await queryable.query({ name, text, values: [...values] });
        return { rows: result.rows, rowCount: result.rowCount ?? 0 };
      } catch (err) {
        throw wrap(what, err);
      }
    };
  const run = runOn(pool);
  const transact: Transact = async (what, fn) => {
    const client = await pool.connect().catch((err: unknown) => {
      throw wrap(what, err);
    });
    try {
      await client.query('BEGIN');
      const result = await fn(runOn(client));
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (err) {
      // Destroying the connection aborts the transaction, with no ROLLBACK that could fail in turn.
      client.release(true);
      throw wrap(what, err);
    }
  };

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= pool.end().catch((err: unknown) => {
      throw wrap('close', err);
    }));
  const s = `"${schema}"`;
  return {
    kind: 'postgres',
    twins: postgresTwinStore(run, s, close),
    telemetry: postgresTelemetryStore(run, s, close),
    events: postgresEventLog(run, s, close),
    documents: postgresDocumentStore(run, s),
    records: postgresRecordLog(transact, run, s),
    ping: async () => {
      await run('ping', 'SELECT 1', []);
    },
    close,
  };
}

async function migrate(pool: pg.Pool, schema: string): Promise<void> {
  const s = `"${schema}"`;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // Workers starting together would otherwise race to create the same schema.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`twinflow:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${s}.schema_version (version integer NOT NULL)`);
    const found = await client.query<{ version: number }>(`SELECT version FROM ${s}.schema_version`);
    const current = found.rows[0]?.version ?? 0;
    if (current > MIGRATIONS.length) {
      throw new TwinflowError(
        ErrorCode.InvalidConfig,
        `postgres schema ${schema} has version ${current}, newer than this twinflow knows (${MIGRATIONS.length})`,
      );
    }
    for (const sql of MIGRATIONS.slice(current)) await client.query(sql.replaceAll('S.', `${s}.`));
    if (current < MIGRATIONS.length) {
      await client.query(`DELETE FROM ${s}.schema_version`);
      await client.query(`INSERT INTO ${s}.schema_version (version) VALUES ($1)`, [MIGRATIONS.length]);
    }
    await client.query('COMMIT');
  } catch (err) {
    // Destroying the connection aborts the transaction, with no ROLLBACK that could fail in turn.
    client.release(true);
    throw err;
  }
  client.release();
}

function postgresTwinStore(run: Run, s: string, close: () => Promise<void>): TwinStore {
  const columns = (twin: Twin): unknown[] => [
    twin.tenant,
    twin.id,
    twin.version,
    twin.status,
    twin.model ?? null,
    twin.groups,
    JSON.stringify(twin.dimensions),
    JSON.stringify(twin),
  ];
  const values = '$1, $2, $3, $4, $5, $6::text[], $7::jsonb, $8::json';
  const currentVersion = async (tenant: string, id: string): Promise<number | undefined> => {
    const { rows } = await run<{ version: number }>(
      'putTwin',
      `SELECT version FROM ${s}.twins WHERE tenant = $1 AND id = $2`,
      [tenant, id],
    );
    return rows[0]?.version;
  };

  return {
    async getTwin(tenant, id) {
      const { rows } = await run<{ doc: Twin }>('getTwin', `SELECT doc FROM ${s}.twins WHERE tenant = $1 AND id = $2`, [
        tenant,
        id,
      ]);
      return rows[0]?.doc;
    },
    async putTwin(twin, expectedVersion) {
      if (expectedVersion === undefined) {
        await run(
          'putTwin',
          `INSERT INTO ${s}.twins (tenant, id, version, status, model, groups, dimensions, doc) VALUES (${values})
           ON CONFLICT (tenant, id) DO UPDATE SET version = excluded.version, status = excluded.status,
             model = excluded.model, groups = excluded.groups, dimensions = excluded.dimensions, doc = excluded.doc`,
          columns(twin),
        );
        return;
      }
      // The condition is part of the write itself, so two writers expecting the same version cannot both win.
      const { rowCount } =
        expectedVersion === 0
          ? await run(
              'putTwin',
              `INSERT INTO ${s}.twins (tenant, id, version, status, model, groups, dimensions, doc) VALUES (${values})
               ON CONFLICT (tenant, id) DO NOTHING`,
              columns(twin),
            )
          : await run(
              'putTwin',
              `UPDATE ${s}.twins SET version = $3, status = $4, model = $5, groups = $6::text[],
                 dimensions = $7::jsonb, doc = $8::json
               WHERE tenant = $1 AND id = $2 AND version = $9`,
              [...columns(twin), expectedVersion],
            );
      if (rowCount === 0) throw versionConflict(twin, expectedVersion, await currentVersion(twin.tenant, twin.id));
    },
    async deleteTwin(tenant, id) {
      const { rowCount } = await run('deleteTwin', `DELETE FROM ${s}.twins WHERE tenant = $1 AND id = $2`, [
        tenant,
        id,
      ]);
      return rowCount > 0;
    },
    async listTwins(query) {
      const limit = pageLimit(query.limit, DEFAULT_PAGE);
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      const dimensions = query.dimensions ?? {};
      const p = new Params();
      const where: string[] = [];
      if (query.tenant !== undefined) where.push(`tenant = ${p.add(query.tenant)}`);
      if (query.status !== undefined) where.push(`status = ${p.add(query.status)}`);
      if (query.model !== undefined) where.push(`model = ${p.add(query.model)}`);
      if (query.group !== undefined) where.push(`${p.add(query.group, 'text')} = ANY (groups)`);
      if (Object.keys(dimensions).length > 0) where.push(`dimensions @> ${p.add(JSON.stringify(dimensions), 'jsonb')}`);
      if (after !== undefined) where.push(afterCondition(after, query.tenant, p));
      const page = `ORDER BY tenant, id LIMIT ${p.add(limit + 1, 'int')}`;
      const sql = `SELECT doc FROM ${s}.twins ${whereClause(where)} ${page}`;
      const { rows } = await run<{ doc: Twin }>('listTwins', sql, p.values);
      return toPage(
        rows.map((r) => r.doc),
        limit,
      );
    },
    async getService(tenant, id) {
      const { rows } = await run<{ doc: Service }>(
        'getService',
        `SELECT doc FROM ${s}.services WHERE tenant = $1 AND id = $2`,
        [tenant, id],
      );
      return rows[0]?.doc;
    },
    async putService(service) {
      await run(
        'putService',
        `INSERT INTO ${s}.services (tenant, id, category, doc) VALUES ($1, $2, $3, $4::json)
         ON CONFLICT (tenant, id) DO UPDATE SET category = excluded.category, doc = excluded.doc`,
        [service.tenant, service.id, service.category, JSON.stringify(service)],
      );
    },
    async listServices(query) {
      const limit = pageLimit(query.limit, DEFAULT_PAGE);
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      const p = new Params();
      const where = [`tenant = ${p.add(query.tenant)}`];
      if (query.category !== undefined) where.push(`category = ${p.add(query.category)}`);
      if (after !== undefined) where.push(afterCondition(after, query.tenant, p));
      const page = `ORDER BY tenant, id LIMIT ${p.add(limit + 1, 'int')}`;
      const sql = `SELECT doc FROM ${s}.services ${whereClause(where)} ${page}`;
      const { rows } = await run<{ doc: Service }>('listServices', sql, p.values);
      return toPage(
        rows.map((r) => r.doc),
        limit,
      );
    },
    close,
  };
}

/** What a bucket reduces to, per aggregate; `first` and `last` are answered with DISTINCT ON instead. */
const AGGREGATE_SQL: Record<Exclude<Aggregate, 'first' | 'last'>, string> = {
  avg: 'avg(num)',
  min: 'min(num)',
  max: 'max(num)',
  sum: 'sum(num)',
  count: 'count(*)::double precision',
};

const NUMERIC_ONLY: ReadonlySet<Aggregate> = new Set([Aggregate.Avg, Aggregate.Min, Aggregate.Max, Aggregate.Sum]);

function postgresTelemetryStore(run: Run, s: string, close: () => Promise<void>): TelemetryStore {
  // Walks the distinct fields of one twin through the primary key, one index probe per field.
  const allFields = `
    WITH RECURSIVE f(field) AS (
      SELECT min(field) FROM ${s}.telemetry WHERE tenant = $1 AND twin_id = $2
      UNION ALL
      SELECT (SELECT min(t.field) FROM ${s}.telemetry AS t WHERE t.tenant = $1 AND t.twin_id = $2 AND t.field > f.field)
      FROM f WHERE f.field IS NOT NULL
    )`;

  return {
    async append(points) {
      checkTelemetryPoints(points);
      if (points.length === 0) return;
      const n = points.length;
      const cols = {
        tenant: new Array<string>(n),
        twinId: new Array<string>(n),
        field: new Array<string>(n),
        ts: new Array<number>(n),
        kind: new Array<number>(n),
        num: new Array<number | null>(n),
        str: new Array<string | null>(n),
      };
      points.forEach((p, i) => {
        const v = toColumns(p.value);
        cols.tenant[i] = p.tenant;
        cols.twinId[i] = p.twinId;
        cols.field[i] = p.field;
        cols.ts[i] = p.ts;
        cols.kind[i] = v.kind;
        cols.num[i] = v.num;
        cols.str[i] = v.str;
      });
      // One statement per batch: arrays cost a handful of parameters however many rows they carry.
      await run(
        'append',
        `INSERT INTO ${s}.telemetry (tenant, twin_id, field, ts, kind, num, str)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::smallint[],
                              $6::double precision[], $7::text[])
         ON CONFLICT DO NOTHING`,
        [cols.tenant, cols.twinId, cols.field, cols.ts, cols.kind, cols.num, cols.str],
      );
    },
    async query(query: TelemetryQuery) {
      checkDownsampleOptions(query);
      const p = new Params();
      p.add(query.tenant);
      p.add(query.twinId);
      const fields =
        query.fields === undefined || query.fields.length === 0
          ? `${allFields}, g(field) AS (SELECT field FROM f WHERE field IS NOT NULL)`
          : `WITH g(field) AS (SELECT DISTINCT unnest(${p.add([...query.fields], 'text[]')}))`;
      const sql = `${fields}
        SELECT g.field, x.ts, x.kind, x.num, x.str FROM g CROSS JOIN LATERAL (${seriesSql(query, s, p)}) AS x
        ORDER BY x.ts`;
      const { rows } = await run<TelemetryRow>('query', sql, p.values);
      const series: Series = {};
      for (const r of rows) (series[r.field] ??= []).push({ ts: r.ts, value: fromColumns(r.kind, r.num, r.str) });
      return series;
    },
    async latest(tenant, twinId) {
      const { rows } = await run<TelemetryRow>(
        'latest',
        `${allFields}
         SELECT f.field, x.ts, x.kind, x.num, x.str FROM f CROSS JOIN LATERAL (
           SELECT ts, kind, num, str FROM ${s}.telemetry AS t
           WHERE t.tenant = $1 AND t.twin_id = $2 AND t.field = f.field ORDER BY ts DESC LIMIT 1
         ) AS x
         WHERE f.field IS NOT NULL`,
        [tenant, twinId],
      );
      const out: Record<string, SeriesPoint> = {};
      for (const r of rows) out[r.field] = { ts: r.ts, value: fromColumns(r.kind, r.num, r.str) };
      return out;
    },
    close,
  };
}

/** The rows of one field `g.field`, as the query asks; `$1` and `$2` are tenant and twin. */
function seriesSql(query: TelemetryQuery, s: string, p: Params): string {
  const where = ['t.tenant = $1', 't.twin_id = $2', 't.field = g.field'];
  if (query.from !== undefined) where.push(`t.ts >= ${p.add(query.from, 'bigint')}`);
  if (query.to !== undefined) where.push(`t.ts < ${p.add(query.to, 'bigint')}`);
  const limit = query.limit === undefined ? '' : `DESC LIMIT ${p.add(query.limit, 'bigint')}`;
  if (query.every === undefined) {
    return `SELECT t.ts, t.kind, t.num, t.str FROM ${s}.telemetry AS t ${whereClause(where)} ORDER BY t.ts ${limit}`;
  }
  const agg = query.agg ?? DEFAULT_AGGREGATE;
  if (NUMERIC_ONLY.has(agg)) where.push('t.num IS NOT NULL');
  const every = p.add(query.every, 'bigint');
  // floor(ts / every) · every, with % because integer division truncates toward zero.
  const bucketed = `SELECT t.ts - (((t.ts % ${every}) + ${every}) % ${every}) AS bucket, t.ts, t.kind, t.num, t.str
    FROM ${s}.telemetry AS t ${whereClause(where)}`;
  if (agg === Aggregate.First || agg === Aggregate.Last) {
    const order = agg === Aggregate.First ? 'ASC' : 'DESC';
    return `SELECT * FROM (
        SELECT DISTINCT ON (b.bucket) b.bucket AS ts, b.kind, b.num, b.str FROM (${bucketed}) AS b
        ORDER BY b.bucket, b.ts ${order}
      ) AS d ORDER BY d.ts ${limit}`;
  }
  return `SELECT b.bucket AS ts, 0 AS kind, ${AGGREGATE_SQL[agg]} AS num, NULL::text AS str FROM (${bucketed}) AS b
    GROUP BY b.bucket ORDER BY b.bucket ${limit}`;
}

function postgresEventLog(run: Run, s: string, close: () => Promise<void>): EventLog {
  return {
    async append(events) {
      if (events.length === 0) return;
      await run(
        'append events',
        `INSERT INTO ${s}.events (seq, id, type, tenant, twin_id, time, data)
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::json[])
         ON CONFLICT DO NOTHING`,
        [
          events.map((e) => e.seq),
          events.map((e) => e.id),
          events.map((e) => e.type),
          events.map((e) => e.tenant),
          events.map((e) => e.twinId ?? null),
          events.map((e) => e.time),
          events.map((e) => JSON.stringify(e.data)),
        ],
      );
    },
    async read(query: EventQuery) {
      const limit = pageLimit(query.limit, DEFAULT_PAGE);
      const p = new Params();
      const where: string[] = [];
      if (query.after !== undefined) where.push(`seq > ${p.add(query.after, 'bigint')}`);
      if (query.before !== undefined) where.push(`seq < ${p.add(query.before, 'bigint')}`);
      if (query.tenant !== undefined) where.push(`tenant = ${p.add(query.tenant)}`);
      if (query.types !== undefined && query.types.length > 0) {
        where.push(`type = ANY (${p.add([...query.types], 'text[]')})`);
      }
      if (query.twinId !== undefined) where.push(`twin_id = ${p.add(query.twinId)}`);
      if (query.since !== undefined) where.push(`time >= ${p.add(query.since, 'bigint')}`);
      const sql = `SELECT seq, id, type, tenant, twin_id, time, data FROM ${s}.events ${whereClause(where)}
        ORDER BY seq ${query.descending === true ? 'DESC' : 'ASC'} LIMIT ${p.add(limit, 'int')}`;
      const { rows } = await run<EventRow>('read events', sql, p.values);
      return rows.map(toEvent);
    },
    async lastSeq() {
      const { rows } = await run<{ seq: number }>(
        'lastSeq',
        `SELECT coalesce(max(seq), 0)::bigint AS seq FROM ${s}.events`,
        [],
      );
      return rows[0]?.seq ?? 0;
    },
    close,
  };
}

function toEvent(row: EventRow): TwinEvent {
  const event: TwinEvent = {
    seq: row.seq,
    id: row.id,
    type: row.type,
    tenant: row.tenant,
    time: row.time,
    data: row.data,
  };
  if (row.twin_id !== null) event.twinId = row.twin_id;
  return event;
}
