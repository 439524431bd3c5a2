/**
 * Storage in process memory: the engine runs with no infrastructure, and it is the reference the contract suite
 * holds the SQL stores to. Records are copied in and out, so callers can no more change stored data by mutating
 * an object than they could with a database.
 */
import { ErrorCode, TwinflowError } from '../../core/errors.ts';
import { checkTelemetryPoints } from '../../core/telemetry/check-telemetry-points.ts';
import { checkDownsampleOptions, downsample, type TimedValue } from '../../core/telemetry/downsample.ts';
import type { Service, TelemetryPoint, Twin, TwinEvent } from '../../core/types.ts';
import type {
  EventLog,
  EventQuery,
  SeriesPoint,
  ServiceQuery,
  Series,
  Storage,
  TelemetryQuery,
  TelemetryStore,
  TwinQuery,
  TwinStore,
} from '../../ports.ts';
import { pageLimit } from '../paging.ts';
import { versionConflict, versionHolds } from '../version-conflict.ts';
import { memoryDocumentStore } from './document-store.ts';
import { memoryRecordLog } from './record-log.ts';
import { SortedRecords } from './sorted-records.ts';

const DEFAULT_PAGE = 100;

export function createMemoryStorage(): Storage {
  let closed = false;
  const whileOpen = (): void => {
    if (closed) throw new TwinflowError(ErrorCode.StoreFailure, 'memory storage is closed');
  };
  const close = async (): Promise<void> => {
    closed = true;
  };
  return {
    kind: 'memory',
    twins: memoryTwinStore(whileOpen, close),
    telemetry: memoryTelemetryStore(whileOpen, close),
    events: memoryEventLog(whileOpen, close),
    documents: memoryDocumentStore(whileOpen),
    records: memoryRecordLog(whileOpen),
    ping: async () => whileOpen(),
    close,
  };
}

function memoryTwinStore(whileOpen: () => void, close: () => Promise<void>): TwinStore {
  const twins = new SortedRecords<Twin>();
  const services = new SortedRecords<Service>();
  return {
    async getTwin(tenant, id) {
      whileOpen();
      const twin = twins.get(tenant, id);
      return twin === undefined ? undefined : structuredClone(twin);
    },
    async putTwin(twin, expectedVersion) {
      whileOpen();
      if (expectedVersion !== undefined) {
        const current = twins.get(twin.tenant, twin.id)?.version;
        if (!versionHolds(expectedVersion, current)) throw versionConflict(twin, expectedVersion, current);
      }
      twins.put(structuredClone(twin));
    },
    async deleteTwin(tenant, id) {
      whileOpen();
      return twins.delete(tenant, id);
    },
    async listTwins(query: TwinQuery) {
      whileOpen();
      const limit = pageLimit(query.limit, DEFAULT_PAGE);
      const page = twins.page(query.cursor, limit, (twin) => twinMatches(twin, query));
      return { ...page, items: page.items.map((twin) => structuredClone(twin)) };
    },
    async getService(tenant, id) {
      whileOpen();
      const service = services.get(tenant, id);
      return service === undefined ? undefined : structuredClone(service);
    },
    async putService(service) {
      whileOpen();
      services.put(structuredClone(service));
    },
    async listServices(query: ServiceQuery) {
      whileOpen();
      const limit = pageLimit(query.limit, DEFAULT_PAGE);
      const page = services.page(
        query.cursor,
        limit,
        (s) => s.tenant === query.tenant && (query.category === undefined || s.category === query.category),
      );
      return { ...page, items: page.items.map((s) => structuredClone(s)) };
    },
    close,
  };
}

function twinMatches(twin: Twin, query: TwinQuery): boolean {
  if (query.tenant !== undefined && twin.tenant !== query.tenant) return false;
  if (query.status !== undefined && twin.status !== query.status) return false;
  if (query.model !== undefined && twin.model !== query.model) return false;
  if (query.group !== undefined && !twin.groups.includes(query.group)) return false;
  for (const [key, value] of Object.entries(query.dimensions ?? {})) {
    if (!Object.hasOwn(twin.dimensions, key) || twin.dimensions[key] !== value) return false;
  }
  return true;
}

function memoryTelemetryStore(whileOpen: () => void, close: () => Promise<void>): TelemetryStore {
  /** tenant → twin → field → points ascending by ts. */
  const data = new Map<string, Map<string, Map<string, TimedValue[]>>>();
  const fieldsOf = (tenant: string, twinId: string): Map<string, TimedValue[]> | undefined =>
    data.get(tenant)?.get(twinId);

  const insert = (p: TelemetryPoint): void => {
    let twins = data.get(p.tenant);
    if (twins === undefined) data.set(p.tenant, (twins = new Map()));
    let fields = twins.get(p.twinId);
    if (fields === undefined) twins.set(p.twinId, (fields = new Map()));
    let points = fields.get(p.field);
    if (points === undefined) fields.set(p.field, (points = []));
    const last = points[points.length - 1];
    // Devices mostly report in time order, so appending at the end is the common case.
    if (last === undefined || last.ts < p.ts) {
      points.push({ ts: p.ts, value: p.value });
      return;
    }
    let lo = 0;
    let hi = points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((points[mid] as TimedValue).ts < p.ts) lo = mid + 1;
      else hi = mid;
    }
    if (points[lo]?.ts === p.ts) return;
    points.splice(lo, 0, { ts: p.ts, value: p.value });
  };

  return {
    async append(points) {
      whileOpen();
      checkTelemetryPoints(points);
      for (const p of points) insert(p);
    },
    async query(query: TelemetryQuery) {
      whileOpen();
      checkDownsampleOptions(query);
      const fields = fieldsOf(query.tenant, query.twinId);
      const series: Series = {};
      if (fields === undefined) return series;
      const names = query.fields === undefined || query.fields.length === 0 ? [...fields.keys()] : query.fields;
      for (const name of new Set(names)) {
        const points = fields.get(name);
        if (points === undefined) continue;
        const reduced = downsample(points, query);
        if (reduced.length > 0) series[name] = reduced.map((p) => ({ ts: p.ts, value: p.value }));
      }
      return series;
    },
    async latest(tenant, twinId) {
      whileOpen();
      const out: Record<string, SeriesPoint> = {};
      for (const [name, points] of fieldsOf(tenant, twinId) ?? []) {
        const last = points[points.length - 1];
        if (last !== undefined) out[name] = { ts: last.ts, value: last.value };
      }
      return out;
    },
    close,
  };
}

function memoryEventLog(whileOpen: () => void, close: () => Promise<void>): EventLog {
  const events: TwinEvent[] = [];
  const seqs = new Set<number>();
  return {
    async append(batch) {
      whileOpen();
      for (const event of batch) {
        if (seqs.has(event.seq)) continue;
        seqs.add(event.seq);
        const copy = structuredClone(event);
        const last = events[events.length - 1];
        if (last === undefined || last.seq < event.seq) {
          events.push(copy);
          continue;
        }
        events.splice(firstAfter(events, event.seq), 0, copy);
      }
    },
    async read(query: EventQuery) {
      whileOpen();
      const limit = pageLimit(query.limit, DEFAULT_PAGE);
      const types = query.types === undefined || query.types.length === 0 ? undefined : new Set(query.types);
      const out: TwinEvent[] = [];
      // [from, to) is the seq window (after, before); a descending read walks it from the top.
      const from = query.after === undefined ? 0 : firstAfter(events, query.after);
      const to = query.before === undefined ? events.length : firstAfter(events, query.before - 1);
      const step = query.descending === true ? -1 : 1;
      for (let i = step === 1 ? from : to - 1; i >= from && i < to; i += step) {
        if (out.length === limit) break;
        const e = events[i] as TwinEvent;
        if (query.tenant !== undefined && e.tenant !== query.tenant) continue;
        if (types !== undefined && !types.has(e.type)) continue;
        if (query.twinId !== undefined && e.twinId !== query.twinId) continue;
        if (query.since !== undefined && e.time < query.since) continue;
        out.push(structuredClone(e));
      }
      return out;
    },
    async lastSeq() {
      whileOpen();
      return events[events.length - 1]?.seq ?? 0;
    },
    close,
  };
}

function firstAfter(events: readonly TwinEvent[], seq: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((events[mid] as TwinEvent).seq <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
