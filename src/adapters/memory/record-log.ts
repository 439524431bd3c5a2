import type { JsonObject } from '../../core/types.ts';
import type { LogEntry, LogQuery, RecordLog } from '../../ports.ts';
import { pageLimit } from '../paging.ts';
import { checkLogEntries, checkLogQuery } from '../document-rules.ts';

const DEFAULT_LIMIT = 100;

/** An entry as kept: data as JSON text, for the same reasons as a memory document (see document-store.ts). */
interface StoredEntry extends Omit<LogEntry, 'data'> {
  json: string;
}

/** Log entries in process memory, in seq order; `whileOpen` throws once the storage is closed. */
export function memoryRecordLog(whileOpen: () => void): RecordLog {
  const entries: StoredEntry[] = [];
  let lastSeq = 0;
  const toEntry = (stored: StoredEntry): LogEntry => ({
    seq: stored.seq,
    stream: stored.stream,
    tenant: stored.tenant,
    key: stored.key,
    time: stored.time,
    data: JSON.parse(stored.json) as JsonObject,
  });
  const matches = (e: StoredEntry, query: LogQuery): boolean =>
    e.stream === query.stream &&
    e.tenant === query.tenant &&
    (query.key === undefined || e.key === query.key) &&
    (query.from === undefined || e.time >= query.from) &&
    (query.to === undefined || e.time < query.to) &&
    (query.after === undefined || e.seq > query.after);

  return {
    async append(batch) {
      whileOpen();
      checkLogEntries(batch);
      const stored = batch.map((e) => ({
        seq: ++lastSeq,
        stream: e.stream,
        tenant: e.tenant,
        key: e.key,
        time: e.time,
        json: JSON.stringify(e.data),
      }));
      entries.push(...stored);
      return stored.map(toEntry);
    },
    async read(query) {
      whileOpen();
      const limit = pageLimit(query.limit, DEFAULT_LIMIT);
      checkLogQuery(query);
      const out: LogEntry[] = [];
      const descending = query.descending === true;
      for (let n = 0; n < entries.length && out.length < limit; n++) {
        const e = entries[descending ? entries.length - 1 - n : n] as StoredEntry;
        if (matches(e, query)) out.push(toEntry(e));
      }
      return out;
    },
  };
}
