/**
 * Storage in one SQLite file through better-sqlite3: the default store of `twinflow up` (DESIGN.md §6).
 * better-sqlite3 is synchronous, so every call finishes before its promise is returned; a transaction can read and
 * then write without another call of this process slipping in between.
 */
import Database from 'better-sqlite3';
import { ErrorCode, TwinflowError } from '../../core/errors.ts';
import { checkTelemetryPoints } from '../../core/telemetry/check-telemetry-points.ts';
import { checkDownsampleOptions, DEFAULT_AGGREGATE } from '../../core/telemetry/downsample.ts';
import type { Service, TelemetryPoint, Twin, TwinEvent } from '../../core/types.ts';
import {
  Aggregate,
  type EventLog,
  type EventQuery,
  type SeriesPoint,
  type Series,
  type Storage,
  type TelemetryQuery,
  type TelemetryStore,
  type TwinStore,
} from '../../ports.ts';
import { decodeCursor, pageLimit } from '../paging.ts';
import { fromColumns, toColumns } from '../telemetry-columns.ts';
import { versionConflict, versionHolds } from '../version-conflict.ts';
import { sqliteDocumentStore } from './document-store.ts';
import { sqliteRecordLog } from './record-log.ts';
import { startCheckpointer, type Checkpointer } from './checkpointer.ts';
import { afterCondition, guard, toPage, whereClause, type Prepare } from './sql.ts';

const DEFAULT_PAGE = 100;

/**
 * Each entry brings the schema from the previous version to the next; `PRAGMA user_version` records how many
 * have run. Entries are only ever appended.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE twins (
    tenant TEXT NOT NULL,
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    status TEXT NOT NULL,
    model TEXT,
    doc TEXT NOT NULL,
    PRIMARY KEY (tenant, id)
  ) WITHOUT ROWID;

  CREATE TABLE services (
    tenant TEXT NOT NULL,
    id TEXT NOT NULL,
    category TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (tenant, id)
  ) WITHOUT ROWID;

  -- A point's key is (tenant, twin_id, field, ts). The first three name a series, kept once here, so the points
  -- table below is keyed by a small integer and ts: rows a third the size, and cheaper key comparisons.
  CREATE TABLE telemetry_series (
    id INTEGER PRIMARY KEY,
    tenant TEXT NOT NULL,
    twin_id TEXT NOT NULL,
    field TEXT NOT NULL,
    UNIQUE (tenant, twin_id, field)
  );

  -- WITHOUT ROWID: the key is the table, so a point costs one B-tree insert instead of a row plus an index entry.
  CREATE TABLE telemetry (
    series INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    kind INTEGER NOT NULL CHECK (kind IN (0, 1, 2)),
    num REAL CHECK ((kind = 2) = (num IS NULL)),
    str TEXT CHECK ((kind = 2) = (str IS NOT NULL)),
    PRIMARY KEY (series, ts)
  ) WITHOUT ROWID;

  CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    type TEXT NOT NULL,
    tenant TEXT NOT NULL,
    twin_id TEXT,
    time INTEGER NOT NULL,
    data TEXT NOT NULL
  );
  CREATE INDEX events_by_tenant ON events (tenant, seq);
  `,
  `
  -- Documents can be large (a model, a workflow's state), so a rowid table: WITHOUT ROWID suits small rows only.
  CREATE TABLE documents (
    collection TEXT NOT NULL,
    tenant TEXT NOT NULL,
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    doc TEXT NOT NULL,
    tags TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (collection, tenant, id)
  );

  CREATE TABLE records (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    stream TEXT NOT NULL,
    tenant TEXT NOT NULL,
    key TEXT NOT NULL,
    time INTEGER NOT NULL,
    data TEXT NOT NULL
  );
  CREATE INDEX records_by_key_time ON records (stream, tenant, key, time);
  `,
];

/**
 * Page cache size in KiB (a negative `cache_size`): the hot tail pages of a few thousand series stay in memory. It
 * fills to its limit (the startup read of the twins table alone does), so it is resident memory, and 64 MiB cost
 * 40 MB of RSS at 100 000 twins (DESIGN §9) with no measurable gain in `npm run bench -- ingest` over 16 MiB.
 */
const CACHE_KIB = 16_384;
/** How often the background checkpointer copies the WAL back into the database. */
const CHECKPOINT_INTERVAL_MS = 100;
/**
 * WAL pages (4 KiB each) past which the writing connection checkpoints by itself. A background checkpoint beside a
 * writer that never pauses cannot catch up, and the WAL only starts over once one has; this bounds it then (and if
 * the checkpointer fails), at the cost of that commit's latency.
 */
const CHECKPOINT_PAGES = 8_000;
/** The WAL file is cut back to this size after a checkpoint, so one burst does not keep it large. */
const WAL_LIMIT_BYTES = 64 * 1024 * 1024;
/** Series ids kept in memory; past this many the cache starts over rather than grow with the fleet. */
const SERIES_CACHE_SIZE = 100_000;
/** How long a write waits for another process's lock before failing. */
const BUSY_TIMEOUT_MS = 5_000;

interface TelemetryRow {
  ts: number;
  kind: number;
  num: number | null;
  str: string | null;
}

interface FieldRow extends TelemetryRow {
  field: string;
}

interface EventRow {
  seq: number;
  id: string;
  type: TwinEvent['type'];
  tenant: string;
  twin_id: string | null;
  time: number;
  data: string;
}

/** Opens (creating or migrating) the database at `file`; `':memory:'` gives a private in-memory database. */
export function openSqliteStorage(file: string): Storage {
  const db = guard(`open ${file}`, () => new Database(file));
  try {
    configure(db);
    migrate(db, file);
  } catch (err) {
    db.close();
    throw err;
  }

  const statements = new Map<string, Database.Statement>();
  // Statements are prepared once per distinct SQL text; the text varies only with which filters are present.
  const stmt = (sql: string): Database.Statement => {
    let s = statements.get(sql);
    if (s === undefined) statements.set(sql, (s = db.prepare(sql)));
    return s;
  };

  const checkpointer: Checkpointer | undefined = db.memory
    ? undefined
    : startCheckpointer({
        file: db.name,
        intervalMs: CHECKPOINT_INTERVAL_MS,
        busyTimeoutMs: BUSY_TIMEOUT_MS,
        onError: (message) => process.emitWarning(message),
      });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      // The checkpointer's connection goes first, so that the last one to close folds the WAL into the database.
      await checkpointer?.stop();
      guard('close', () => db.close());
    })());

  return {
    kind: 'sqlite',
    twins: sqliteTwinStore(db, stmt, close),
    telemetry: sqliteTelemetryStore(db, stmt, close),
    events: sqliteEventLog(db, stmt, close),
    documents: sqliteDocumentStore(db, stmt),
    records: sqliteRecordLog(db, stmt),
    ping: async () => {
      guard('ping', () => stmt('SELECT 1').get());
    },
    close,
  };
}

function configure(db: Database.Database): void {
  guard('configure', () => {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // WAL lets readers run beside the writer. With synchronous=NORMAL a commit is in the WAL (the OS's page cache)
    // when it returns, so it survives a crash of the process; only an OS crash or power loss can take back the last
    // commits. That is the durability `append` promises, without an fsync per commit.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma(`wal_autocheckpoint = ${CHECKPOINT_PAGES}`);
    db.pragma(`journal_size_limit = ${WAL_LIMIT_BYTES}`);
    db.pragma(`cache_size = -${CACHE_KIB}`);
    db.pragma('temp_store = MEMORY');
  });
}

function migrate(db: Database.Database, file: string): void {
  guard('migrate', () => {
    // IMMEDIATE takes the write lock before reading user_version, so two processes opening a new file do not both
    // create the schema.
    db.transaction(() => {
      const current = db.pragma('user_version', { simple: true }) as number;
      if (current > MIGRATIONS.length) {
        throw new TwinflowError(
          ErrorCode.InvalidConfig,
          `${file} has schema version ${current}, newer than this twinflow knows (${MIGRATIONS.length})`,
        );
      }
      for (const sql of MIGRATIONS.slice(current)) db.exec(sql);
      if (current < MIGRATIONS.length) db.pragma(`user_version = ${MIGRATIONS.length}`);
    }).immediate();
  });
}

function sqliteTwinStore(db: Database.Database, stmt: Prepare, close: () => Promise<void>): TwinStore {
  const upsert = `
    INSERT INTO twins (tenant, id, version, status, model, doc) VALUES (@tenant, @id, @version, @status, @model, @doc)
    ON CONFLICT (tenant, id) DO UPDATE SET
      version = excluded.version, status = excluded.status, model = excluded.model, doc = excluded.doc`;
  const writeTwin = (twin: Twin): void => {
    stmt(upsert).run({
      tenant: twin.tenant,
      id: twin.id,
      version: twin.version,
      status: twin.status,
      model: twin.model ?? null,
      doc: JSON.stringify(twin),
    });
  };
  const currentVersion = (tenant: string, id: string): number | undefined =>
    (stmt('SELECT version FROM twins WHERE tenant = ? AND id = ?').pluck().get(tenant, id) as number | undefined) ??
    undefined;
  const putChecked = db.transaction((twin: Twin, expected: number) => {
    const current = currentVersion(twin.tenant, twin.id);
    if (!versionHolds(expected, current)) throw versionConflict(twin, expected, current);
    writeTwin(twin);
  });

  return {
    async getTwin(tenant, id) {
      const doc = guard('getTwin', () =>
        stmt('SELECT doc FROM twins WHERE tenant = ? AND id = ?').pluck().get(tenant, id),
      );
      return doc === undefined ? undefined : (JSON.parse(doc as string) as Twin);
    },
    async putTwin(twin, expectedVersion) {
      guard('putTwin', () =>
        expectedVersion === undefined ? writeTwin(twin) : putChecked.immediate(twin, expectedVersion),
      );
    },
    async deleteTwin(tenant, id) {
      const { changes } = guard('deleteTwin', () =>
        stmt('DELETE FROM twins WHERE tenant = ? AND id = ?').run(tenant, id),
      );
      return changes > 0;
    },
    async listTwins(query) {
      const limit = pageLimit(query.limit, DEFAULT_PAGE);
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      const dimensions = Object.entries(query.dimensions ?? {});
      const where: string[] = [];
      const params: Record<string, unknown> = { limit: limit + 1 };
      if (query.tenant !== undefined) {
        where.push('tenant = @tenant');
        params.tenant = query.tenant;
      }
      if (query.status !== undefined) {
        where.push('status = @status');
        params.status = query.status;
      }
      if (query.model !== undefined) {
        where.push('model = @model');
        params.model = query.model;
      }
      if (query.group !== undefined) {
        where.push(`EXISTS (SELECT 1 FROM json_each(twins.doc, '$.groups') AS g WHERE g.value = @group)`);
        params.group = query.group;
      }
      if (dimensions.length > 0) {
        // No wanted dimension may be missing or different: one statement serves any number of dimensions.
        where.push(`NOT EXISTS (
          SELECT 1 FROM json_each(@dimensions) AS want WHERE NOT EXISTS (
            SELECT 1 FROM json_each(twins.doc, '$.dimensions') AS have
            WHERE have.key = want.key AND have.type = 'text' AND have.value = want.value))`);
        params.dimensions = JSON.stringify(Object.fromEntries(dimensions));
      }
      if (after !== undefined) where.push(afterCondition(after, query.tenant, params));
      const sql = `SELECT doc FROM twins ${whereClause(where)} ORDER BY tenant, id LIMIT @limit`;
      const docs = guard('listTwins', () => stmt(sql).pluck().all(params) as string[]);
      return toPage(docs.map((doc) => JSON.parse(doc) as Twin), limit);
    },
    async getService(tenant, id) {
      const doc = guard('getService', () =>
        stmt('SELECT doc FROM services WHERE tenant = ? AND id = ?').pluck().get(tenant, id),
      );
      return doc === undefined ? undefined : (JSON.parse(doc as string) as Service);
    },
    async putService(service) {
      guard('putService', () =>
        stmt(`
          INSERT INTO services (tenant, id, category, doc) VALUES (@tenant, @id, @category, @doc)
          ON CONFLICT (tenant, id) DO UPDATE SET category = excluded.category, doc = excluded.doc`).run({
          tenant: service.tenant,
          id: service.id,
          category: service.category,
          doc: JSON.stringify(service),
        }),
      );
    },
    async listServices(query) {
      const limit = pageLimit(query.limit, DEFAULT_PAGE);
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      const where = ['tenant = @tenant'];
      const params: Record<string, unknown> = { tenant: query.tenant, limit: limit + 1 };
      if (query.category !== undefined) {
        where.push('category = @category');
        params.category = query.category;
      }
      if (after !== undefined) where.push(afterCondition(after, query.tenant, params));
      const sql = `SELECT doc FROM services ${whereClause(where)} ORDER BY tenant, id LIMIT @limit`;
      const docs = guard('listServices', () => stmt(sql).pluck().all(params) as string[]);
      return toPage(docs.map((doc) => JSON.parse(doc) as Service), limit);
    },
    close,
  };
}

/** The rows a bucket reduces to, per aggregate; `bucket` and `ts` come from the subquery of `aggregateSql`. */
const AGGREGATE_SQL: Record<Aggregate, string> = {
  avg: '0 AS kind, avg(num) AS num, NULL AS str',
  min: '0 AS kind, min(num) AS num, NULL AS str',
  max: '0 AS kind, max(num) AS num, NULL AS str',
  sum: '0 AS kind, sum(num) AS num, NULL AS str',
  count: '0 AS kind, count(*) AS num, NULL AS str',
  // SQLite takes the bare columns of a min() or max() query from the row holding that extreme.
  first: 'min(ts) AS at, kind, num, str',
  last: 'max(ts) AS at, kind, num, str',
};

const NUMERIC_ONLY: ReadonlySet<Aggregate> = new Set([Aggregate.Avg, Aggregate.Min, Aggregate.Max, Aggregate.Sum]);

function sqliteTelemetryStore(db: Database.Database, stmt: Prepare, close: () => Promise<void>): TelemetryStore {
  /** Series ids by `tenant NUL twin NUL field`; ids never change, so the cache only has to forget rolled-back ones. */
  const seriesIds = new Map<string, number>();
  const seriesId = (tenant: string, twinId: string, field: string): number => {
    // `join`, not a template literal: V8 keeps a concatenated key as a rope plus a flat copy of it once it is hashed,
    // about twice the bytes of the flat string `join` builds (DESIGN §9).
    const key = [tenant, twinId, field].join('\u0000');
    let id = seriesIds.get(key);
    if (id !== undefined) return id;
    id = (stmt('SELECT id FROM telemetry_series WHERE tenant = ? AND twin_id = ? AND field = ?')
      .pluck()
      .get(tenant, twinId, field) ??
      stmt('INSERT INTO telemetry_series (tenant, twin_id, field) VALUES (?, ?, ?) RETURNING id')
        .pluck()
        .get(tenant, twinId, field)) as number;
    if (seriesIds.size >= SERIES_CACHE_SIZE) seriesIds.clear();
    seriesIds.set(key, id);
    return id;
  };
  const appendAll = db.transaction((points: readonly TelemetryPoint[]) => {
    const insert = stmt('INSERT OR IGNORE INTO telemetry (series, ts, kind, num, str) VALUES (?, ?, ?, ?, ?)');
    for (const p of points) {
      const v = toColumns(p.value);
      insert.run(seriesId(p.tenant, p.twinId, p.field), p.ts, v.kind, v.num, v.str);
    }
  });

  const seriesOf = (query: TelemetryQuery): { id: number; field: string }[] => {
    if (query.fields === undefined || query.fields.length === 0) {
      return stmt('SELECT id, field FROM telemetry_series WHERE tenant = ? AND twin_id = ?').all(
        query.tenant,
        query.twinId,
      ) as { id: number; field: string }[];
    }
    return stmt(`
      SELECT id, field FROM telemetry_series
      WHERE tenant = ? AND twin_id = ? AND field IN (SELECT value FROM json_each(?))`).all(
      query.tenant,
      query.twinId,
      JSON.stringify(query.fields),
    ) as { id: number; field: string }[];
  };

  return {
    async append(points) {
      checkTelemetryPoints(points);
      if (points.length === 0) return;
      guard('append', () => {
        try {
          appendAll.immediate(points);
        } catch (err) {
          // Series created by the rolled-back transaction are gone again.
          seriesIds.clear();
          throw err;
        }
      });
    },
    async query(query: TelemetryQuery) {
      checkDownsampleOptions(query);
      return guard('query', () => {
        const { sql, params } = seriesSql(query);
        const s = stmt(sql);
        const series: Series = {};
        for (const { id, field } of seriesOf(query)) {
          const rows = s.all({ ...params, series: id }) as TelemetryRow[];
          if (rows.length === 0) continue;
          // With a limit the latest rows are read first.
          if (query.limit !== undefined) rows.reverse();
          series[field] = rows.map((r) => ({ ts: r.ts, value: fromColumns(r.kind, r.num, r.str) }));
        }
        return series;
      });
    },
    async latest(tenant, twinId) {
      const rows = guard(
        'latest',
        () =>
          // CROSS JOIN fixes the order: the twin's series first, then one seek per series for its newest point.
          stmt(`
            SELECT s.field, p.ts, p.kind, p.num, p.str FROM telemetry_series AS s
            CROSS JOIN telemetry AS p ON p.series = s.id
              AND p.ts = (SELECT max(ts) FROM telemetry WHERE series = s.id)
            WHERE s.tenant = ? AND s.twin_id = ?`).all(tenant, twinId) as FieldRow[],
      );
      const out: Record<string, SeriesPoint> = {};
      for (const r of rows) out[r.field] = { ts: r.ts, value: fromColumns(r.kind, r.num, r.str) };
      return out;
    },
    close,
  };
}

/** One series' query; the statement text depends only on which options are present, so it is prepared once. */
function seriesSql(query: TelemetryQuery): { sql: string; params: Record<string, unknown> } {
  const where = ['series = @series'];
  const params: Record<string, unknown> = {};
  if (query.from !== undefined) {
    where.push('ts >= @from');
    params.from = query.from;
  }
  if (query.to !== undefined) {
    where.push('ts < @to');
    params.to = query.to;
  }
  if (query.limit !== undefined) params.limit = query.limit;
  const orderBy = (key: string): string =>
    query.limit === undefined ? `ORDER BY ${key}` : `ORDER BY ${key} DESC LIMIT @limit`;
  if (query.every === undefined) {
    return { sql: `SELECT ts, kind, num, str FROM telemetry ${whereClause(where)} ${orderBy('ts')}`, params };
  }
  const agg = query.agg ?? DEFAULT_AGGREGATE;
  if (NUMERIC_ONLY.has(agg)) where.push('num IS NOT NULL');
  params.every = query.every;
  // floor(ts / every) · every, with % because SQLite's integer division truncates toward zero.
  const sql = `
    SELECT bucket AS ts, ${AGGREGATE_SQL[agg]}
    FROM (SELECT ts - (((ts % @every) + @every) % @every) AS bucket, ts, kind, num, str
          FROM telemetry ${whereClause(where)})
    GROUP BY bucket ${orderBy('bucket')}`;
  return { sql, params };
}

function sqliteEventLog(db: Database.Database, stmt: Prepare, close: () => Promise<void>): EventLog {
  const appendAll = db.transaction((events: readonly TwinEvent[]) => {
    const s = stmt(`
      INSERT OR IGNORE INTO events (seq, id, type, tenant, twin_id, time, data)
      VALUES (?, ?, ?, ?, ?, ?, ?)`);
    for (const e of events) s.run(e.seq, e.id, e.type, e.tenant, e.twinId ?? null, e.time, JSON.stringify(e.data));
  });
  return {
    async append(events) {
      if (events.length === 0) return;
      guard('append events', () => appendAll.immediate(events));
    },
    async read(query: EventQuery) {
      const limit = pageLimit(query.limit, DEFAULT_PAGE);
      const where: string[] = [];
      const params: Record<string, unknown> = { limit };
      if (query.after !== undefined) {
        where.push('seq > @after');
        params.after = query.after;
      }
      if (query.before !== undefined) {
        where.push('seq < @before');
        params.before = query.before;
      }
      if (query.tenant !== undefined) {
        where.push('tenant = @tenant');
        params.tenant = query.tenant;
      }
      if (query.types !== undefined && query.types.length > 0) {
        where.push('type IN (SELECT value FROM json_each(@types))');
        params.types = JSON.stringify(query.types);
      }
      if (query.twinId !== undefined) {
        where.push('twin_id = @twinId');
        params.twinId = query.twinId;
      }
      if (query.since !== undefined) {
        where.push('time >= @since');
        params.since = query.since;
      }
      const sql = `SELECT * FROM events ${whereClause(where)} ORDER BY seq ${query.descending === true ? 'DESC' : 'ASC'} LIMIT @limit`;
      const rows = guard('read events', () => stmt(sql).all(params) as EventRow[]);
      return rows.map(toEvent);
    },
    async lastSeq() {
      return guard('lastSeq', () => stmt('SELECT coalesce(max(seq), 0) FROM events').pluck().get() as number);
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
    data: JSON.parse(row.data) as TwinEvent['data'],
  };
  if (row.twin_id !== null) event.twinId = row.twin_id;
  return event;
}
