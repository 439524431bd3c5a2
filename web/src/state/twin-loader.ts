import type { ApiClient } from '../api/api-client.ts';
import { isAbortError } from '../api/api-error.ts';
import type { Twin } from '../api/types.ts';
import type { FieldSample } from './latest-values.ts';
import type { Limiter } from './limiter.ts';
import { LoadState, type LiveStore, type SeriesEntry } from './live-store.ts';

export interface TwinLoaderOptions {
  readonly api: ApiClient;
  readonly store: LiveStore;
  readonly limiter: Limiter;
  readonly now: () => number;
  /** Registry page size. @default 500 */
  readonly pageSize?: number;
  /** Stop paging after this many pages, so a huge registry cannot stall the first paint. @default 40 */
  readonly maxPages?: number;
}

/** Fetches snapshots into the store; live updates come from the event stream. */
export interface TwinLoader {
  /** Loads every twin page; concurrent calls share one load. */
  loadTwins(): Promise<void>;
  /** Fetches one twin into the store; rejects with the `ApiError` (404 included). */
  loadTwin(id: string, signal?: AbortSignal): Promise<Twin>;
  /** Loads a twin's latest values once; views call it when a twin becomes visible. */
  ensureLatest(id: string, opts?: { urgent?: boolean }): void;
  /** Loads history for the entries not loaded yet, one request per twin and spec. */
  ensureSeries(entries: readonly SeriesEntry[], opts?: { urgent?: boolean }): void;
  /** After a gap in the stream: reload the list and the latest values of what is on screen. */
  resync(): void;
}

const toError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

export function createTwinLoader(opts: TwinLoaderOptions): TwinLoader {
  const { api, store, limiter } = opts;
  const pageSize = opts.pageSize ?? 500;
  const maxPages = opts.maxPages ?? 40;
  let listLoad: Promise<void> | undefined;

  async function fetchAll(): Promise<void> {
    const since = store.generation();
    if (store.twinList().status !== LoadState.Ready) store.setListStatus(LoadState.Loading);
    try {
      const all: Twin[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < maxPages; page++) {
        const res = await api.listTwins({ limit: pageSize, cursor });
        all.push(...res.items);
        cursor = res.next;
        if (!cursor) break;
      }
      store.applySnapshot(all, since);
    } catch (err) {
      store.setListStatus(LoadState.Error, toError(err));
    }
  }

  const ensureLatest: TwinLoader['ensureLatest'] = (id, o = {}) => {
    if (store.latestState(id) !== LoadState.Idle) return;
    store.setLatestState(id, LoadState.Loading);
    limiter
      .run(() => api.latestTelemetry(id), o)
      .then((res) => {
        const samples: FieldSample[] = Object.entries(res.values).map(([field, p]) => ({ field, ts: Date.parse(p.ts), value: p.value }));
        store.mergeLatest(id, samples);
        store.setLatestState(id, LoadState.Ready);
      })
      .catch((err: unknown) => {
        // A twin that never reported has no latest values; that is data, not a failure.
        const status = (err as { status?: number }).status;
        store.setLatestState(id, status === 404 ? LoadState.Ready : LoadState.Error);
      });
  };

  const loadTwins = (): Promise<void> => {
    listLoad ??= fetchAll().finally(() => {
      listLoad = undefined;
    });
    return listLoad;
  };

  return {
    loadTwins,

    async loadTwin(id, signal) {
      const since = store.generation();
      const twin = await api.getTwin(id, signal);
      store.applyFetched(twin, since);
      return twin;
    },

    ensureLatest,

    ensureSeries(entries, o = {}) {
      const groups = new Map<string, SeriesEntry[]>();
      for (const e of entries) {
        if (e.state !== LoadState.Idle && e.state !== LoadState.Error) continue;
        const k = `${e.twinId}\u0000${e.spec.windowMs}/${e.spec.resolutionMs}`;
        groups.set(k, [...(groups.get(k) ?? []), e]);
      }
      for (const group of groups.values()) {
        const first = group[0] as SeriesEntry;
        const { windowMs, resolutionMs } = first.spec;
        for (const e of group) store.setSeriesState(e, LoadState.Loading);
        const to = opts.now();
        limiter
          .run(() => api.telemetry(first.twinId, {
            from: new Date(to - windowMs),
            to: new Date(to),
            fields: group.map((e) => e.field),
            everyMs: resolutionMs,
            agg: 'avg',
            limit: group.length * (Math.ceil(windowMs / resolutionMs) + 1),
          }), o)
          .then((res) => {
            for (const e of group) {
              const points = (res.series[e.field] ?? [])
                .filter((p) => typeof p.value === 'number' || typeof p.value === 'boolean')
                .map((p) => ({ ts: Date.parse(p.ts), value: Number(p.value) }));
              store.addSeriesPoints(e, points);
              store.setSeriesState(e, LoadState.Ready);
            }
          })
          .catch((err: unknown) => {
            if (isAbortError(err)) return;
            for (const e of group) store.setSeriesState(e, LoadState.Error, toError(err));
          });
      }
    },

    resync() {
      void loadTwins();
      for (const id of store.watchedTwinIds()) {
        store.setLatestState(id, LoadState.Idle);
        ensureLatest(id);
      }
    },
  };
}
