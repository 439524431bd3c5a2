import type { JsonObject } from '../../core/types.ts';
import type { LogEntry, LogQuery, RecordLog } from '../../ports.ts';
import { checkLogEntries, checkLogQuery } from '../document-rules.ts';
import { pageLimit } from '../paging.ts';
import { Params, whereClause, type Run, type Transact } from './sql.ts';

const DEFAULT_LIMIT = 100;

/** The `records` table (migration 2); `s` is the quoted schema. */
export function postgresRecordLog(transact: Transact, run: Run, s: string): RecordLog {
  const lockKey = `twinflow:${s}:records`;
  return {
    async append(entries) {
      checkLogEntries(entries);
      if (entries.length === 0) return [];
      const data = entries.map((e) => JSON.stringify(e.data));
      const seqs = await transact('append records', async (tx) => {
        // Appends take turns, holding the lock until they commit: a seq is drawn only after every smaller one is
        // visible, so a reader resuming `after` the last seq it saw never skips an entry that commits late.
        await tx('append records', 'SELECT pg_advisory_xact_lock(hashtext($1))', [lockKey]);
        const { rows } = await tx<{ seq: number }>(
          'append records',
          `INSERT INTO ${s}.records (stream, tenant, key, time, data)
           SELECT stream, tenant, key, time, data
           FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::json[])
             WITH ORDINALITY AS e(stream, tenant, key, time, data, n)
           ORDER BY n
           RETURNING seq`,
          [
            entries.map((e) => e.stream),
            entries.map((e) => e.tenant),
            entries.map((e) => e.key),
            entries.map((e) => e.time),
            data,
          ],
        );
        // Seqs are drawn in insertion order, which ORDER BY n makes the caller's; RETURNING promises no order.
        return rows.map((r) => r.seq).sort((a, b) => a - b);
      });
      return entries.map((e, i) => ({
        seq: seqs[i] as number,
        stream: e.stream,
        tenant: e.tenant,
        key: e.key,
        time: e.time,
        data: JSON.parse(data[i] as string) as JsonObject,
      }));
    },
    async read(query: LogQuery) {
      const limit = pageLimit(query.limit, DEFAULT_LIMIT);
      checkLogQuery(query);
      const p = new Params();
      const where = [`stream = ${p.add(query.stream)}`, `tenant = ${p.add(query.tenant)}`];
      if (query.key !== undefined) where.push(`key = ${p.add(query.key)}`);
      if (query.from !== undefined) where.push(`time >= ${p.add(query.from, 'bigint')}`);
      if (query.to !== undefined) where.push(`time < ${p.add(query.to, 'bigint')}`);
      if (query.after !== undefined) where.push(`seq > ${p.add(query.after, 'bigint')}`);
      const order = query.descending === true ? 'DESC' : 'ASC';
      const sql = `SELECT seq, stream, tenant, key, time, data FROM ${s}.records ${whereClause(where)}
        ORDER BY seq ${order} LIMIT ${p.add(limit, 'int')}`;
      const { rows } = await run<LogEntry>('read records', sql, p.values);
      return rows;
    },
  };
}
