import type Database from 'better-sqlite3';
import type { JsonObject } from '../../core/types.ts';
import type { LogEntry, LogQuery, RecordLog } from '../../ports.ts';
import { checkLogEntries, checkLogQuery } from '../document-rules.ts';
import { pageLimit } from '../paging.ts';
import { guard, whereClause, type Prepare } from './sql.ts';

const DEFAULT_LIMIT = 100;

interface RecordRow {
  seq: number;
  stream: string;
  tenant: string;
  key: string;
  time: number;
  data: string;
}

/** The `records` table (migration 2); AUTOINCREMENT keeps seqs increasing even past the greatest one's removal. */
export function sqliteRecordLog(db: Database.Database, stmt: Prepare): RecordLog {
  const appendAll = db.transaction((entries: readonly Omit<LogEntry, 'seq'>[]): LogEntry[] => {
    const insert = stmt('INSERT INTO records (stream, tenant, key, time, data) VALUES (?, ?, ?, ?, ?) RETURNING seq');
    return entries.map((e) => {
      const data = JSON.stringify(e.data);
      const seq = insert.pluck().get(e.stream, e.tenant, e.key, e.time, data) as number;
      // Parsed back from the text stored, so the caller gets what a read would give, not its own object.
      const stored = JSON.parse(data) as JsonObject;
      return { seq, stream: e.stream, tenant: e.tenant, key: e.key, time: e.time, data: stored };
    });
  });

  return {
    async append(entries) {
      checkLogEntries(entries);
      if (entries.length === 0) return [];
      return guard('append records', () => appendAll.immediate(entries));
    },
    async read(query: LogQuery) {
      const limit = pageLimit(query.limit, DEFAULT_LIMIT);
      checkLogQuery(query);
      const where = ['stream = @stream', 'tenant = @tenant'];
      const params: Record<string, unknown> = { stream: query.stream, tenant: query.tenant, limit };
      if (query.key !== undefined) {
        where.push('key = @key');
        params.key = query.key;
      }
      if (query.from !== undefined) {
        where.push('time >= @from');
        params.from = query.from;
      }
      if (query.to !== undefined) {
        where.push('time < @to');
        params.to = query.to;
      }
      if (query.after !== undefined) {
        where.push('seq > @after');
        params.after = query.after;
      }
      const order = query.descending === true ? 'DESC' : 'ASC';
      const sql = `SELECT seq, stream, tenant, key, time, data FROM records ${whereClause(where)}
        ORDER BY seq ${order} LIMIT @limit`;
      const rows = guard('read records', () => stmt(sql).all(params) as RecordRow[]);
      return rows.map((row) => ({ ...row, data: JSON.parse(row.data) as JsonObject }));
    },
  };
}
