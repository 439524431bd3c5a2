import type { TelemetryValue, Twin } from '../api/types.ts';
import { type FieldSample, type LatestValues, mergeSamples } from './latest-values.ts';
import { SeriesBuffer, type SeriesSpec } from './series-buffer.ts';

export const LoadState = { Idle: 'idle', Loading: 'loading', Ready: 'ready', Error: 'error' } as const;
export type LoadState = typeof LoadState[keyof typeof LoadState];

export interface TwinListState {
  readonly status: LoadState;
  readonly error?: Error;
  /** Sorted by name, then id. */
  readonly twins: readonly Twin[];
}

export interface SeriesEntry {
  readonly key: string;
  readonly twinId: string;
  readonly field: string;
  readonly spec: SeriesSpec;
  readonly buffer: SeriesBuffer;
  readonly state: LoadState;
  readonly error?: Error;
  /** Bumped on every change, so views can tell a new frame from an old one. */
  readonly revision: number;
}

export interface SeriesHandle {
  readonly entry: SeriesEntry;
  release(): void;
}

/** Notification topics: the twin list, one twin (document and latest values), one series. */
export const topic = {
  list: 'list',
  twin: (id: string): string => `twin:${id}`,
  series: (key: string): string => `series:${key}`,
} as const;

export interface LiveStoreOptions {
  /** Runs the batched notification flush later (the browser passes a frame-aligned timer). */
  readonly schedule: (flush: () => void) => void;
  readonly now: () => number;
  /** Released series kept (and still fed live) for a quick return to a view. @default 200 */
  readonly keepReleasedSeries?: number;
  /** Deleted ids remembered so a snapshot taken before a deletion cannot resurrect the twin. @default 1000 */
  readonly keepTombstones?: number;
}

export interface LiveStore {
  twinList(): TwinListState;
  twin(id: string): Twin | undefined;
  /** True when the twin was deleted while the dashboard was watching. */
  wasDeleted(id: string): boolean;
  /** A counter of live registry changes; pass it back to `applySnapshot` to order a snapshot against events. */
  generation(): number;
  setListStatus(status: LoadState, error?: Error): void;
  /** Replaces the list with a snapshot begun at generation `since`, keeping what live events did meanwhile. */
  applySnapshot(twins: readonly Twin[], since: number): void;
  /** A single twin fetched at generation `since`. */
  applyFetched(twin: Twin, since: number): void;
  upsertTwin(twin: Twin): void;
  removeTwin(id: string): void;

  latest(id: string): LatestValues | undefined;
  latestState(id: string): LoadState;
  setLatestState(id: string, state: LoadState): void;
  mergeLatest(id: string, samples: readonly FieldSample[]): void;
  applyReadings(id: string, readings: readonly { readonly ts: number; readonly values: Readonly<Record<string, TelemetryValue>> }[]): void;

  acquireSeries(twinId: string, field: string, spec: SeriesSpec): SeriesHandle;
  setSeriesState(entry: SeriesEntry, state: LoadState, error?: Error): void;
  /** Adds loaded history points (epoch ms) to an entry. */
  addSeriesPoints(entry: SeriesEntry, points: readonly { readonly ts: number; readonly value: number }[]): void;

  subscribe(topic: string, listener: () => void): () => void;
  /** Twins some view currently shows, for a resync after a gap in the stream. */
  watchedTwinIds(): string[];
}

type MutableEntry = { -readonly [K in keyof SeriesEntry]: SeriesEntry[K] };

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
const byNameThenId = (a: Twin, b: Twin): number => collator.compare(a.name, b.name) || collator.compare(a.id, b.id);
const fieldKey = (twinId: string, field: string): string => `${twinId}\u0000${field}`;

export function createLiveStore(opts: LiveStoreOptions): LiveStore {
  const keepReleased = opts.keepReleasedSeries ?? 200;
  const keepTombstones = opts.keepTombstones ?? 1000;

  const twins = new Map<string, Twin>();
  const touched = new Map<string, number>();
  const tombstones = new Map<string, number>();
  let gen = 0;
  let listStatus: LoadState = LoadState.Idle;
  let listError: Error | undefined;
  let listSnapshot: TwinListState | undefined;

  const latest = new Map<string, LatestValues>();
  const latestStates = new Map<string, LoadState>();

  const entries = new Map<string, MutableEntry>();
  const refs = new Map<string, number>();
  const released = new Map<string, MutableEntry>();
  const byField = new Map<string, Set<MutableEntry>>();

  const listeners = new Map<string, Set<() => void>>();
  const dirty = new Set<string>();
  const dirtySeries = new Set<MutableEntry>();
  let scheduled = false;

  const flush = (): void => {
    scheduled = false;
    const now = opts.now();
    for (const e of dirtySeries) e.buffer.trim(now);
    dirtySeries.clear();
    const topics = [...dirty];
    dirty.clear();
    for (const t of topics) for (const l of [...(listeners.get(t) ?? [])]) l();
  };

  const mark = (t: string): void => {
    dirty.add(t);
    if (!scheduled) {
      scheduled = true;
      opts.schedule(flush);
    }
  };

  const listChanged = (): void => {
    listSnapshot = undefined;
    mark(topic.list);
  };

  const put = (twin: Twin): boolean => {
    const cur = twins.get(twin.id);
    if (cur && cur.version > twin.version) return false;
    twins.set(twin.id, twin);
    tombstones.delete(twin.id);
    mark(topic.twin(twin.id));
    listChanged();
    return true;
  };

  const drop = (id: string): void => {
    if (!twins.delete(id)) return;
    mark(topic.twin(id));
    listChanged();
  };

  const bumpSeries = (e: MutableEntry): void => {
    e.revision++;
    dirtySeries.add(e);
    mark(topic.series(e.key));
  };

  const evict = (e: MutableEntry): void => {
    entries.delete(e.key);
    refs.delete(e.key);
    released.delete(e.key);
    const set = byField.get(fieldKey(e.twinId, e.field));
    set?.delete(e);
    if (set && set.size === 0) byField.delete(fieldKey(e.twinId, e.field));
  };

  const mergeLatest = (id: string, samples: readonly FieldSample[]): void => {
    const prev = latest.get(id);
    const next = mergeSamples(prev, samples);
    if (next && next !== prev) {
      latest.set(id, next);
      mark(topic.twin(id));
    }
  };

  return {
    twinList() {
      listSnapshot ??= { status: listStatus, error: listError, twins: [...twins.values()].sort(byNameThenId) };
      return listSnapshot;
    },
    twin: (id) => twins.get(id),
    wasDeleted: (id) => tombstones.has(id),
    generation: () => gen,

    setListStatus(status, error) {
      listStatus = status;
      listError = error;
      listChanged();
    },

    applySnapshot(list, since) {
      const seen = new Set<string>();
      for (const t of list) {
        seen.add(t.id);
        if ((tombstones.get(t.id) ?? -1) > since) continue;
        put(t);
      }
      for (const id of [...twins.keys()]) {
        if (!seen.has(id) && (touched.get(id) ?? -1) <= since) drop(id);
      }
      listStatus = LoadState.Ready;
      listError = undefined;
      listChanged();
    },

    applyFetched(twin, since) {
      if ((tombstones.get(twin.id) ?? -1) > since) return;
      put(twin);
    },

    upsertTwin(twin) {
      gen++;
      touched.set(twin.id, gen);
      put(twin);
    },

    removeTwin(id) {
      gen++;
      touched.set(id, gen);
      tombstones.set(id, gen);
      if (tombstones.size > keepTombstones) {
        const oldest = tombstones.keys().next().value;
        if (oldest !== undefined) tombstones.delete(oldest);
      }
      drop(id);
      mark(topic.twin(id));
    },

    latest: (id) => latest.get(id),
    latestState: (id) => latestStates.get(id) ?? LoadState.Idle,
    setLatestState(id, state) {
      latestStates.set(id, state);
      mark(topic.twin(id));
    },

    mergeLatest,

    applyReadings(id, readings) {
      const samples: FieldSample[] = [];
      for (const r of readings) {
        for (const [field, value] of Object.entries(r.values)) {
          samples.push({ field, ts: r.ts, value });
          // Booleans (a block's anomaly flag) are charted as 0/1.
          const n = typeof value === 'number' ? value : typeof value === 'boolean' ? Number(value) : undefined;
          if (n === undefined) continue;
          const set = byField.get(fieldKey(id, field));
          if (!set) continue;
          for (const e of set) {
            e.buffer.add(r.ts, n);
            bumpSeries(e);
          }
        }
      }
      mergeLatest(id, samples);
    },

    acquireSeries(twinId, field, spec) {
      const key = `${fieldKey(twinId, field)}\u0000${spec.windowMs}/${spec.resolutionMs}`;
      let e = entries.get(key);
      if (!e) {
        e = { key, twinId, field, spec, buffer: new SeriesBuffer(spec), state: LoadState.Idle, revision: 0 };
        entries.set(key, e);
        const fk = fieldKey(twinId, field);
        const set = byField.get(fk) ?? new Set();
        set.add(e);
        byField.set(fk, set);
      }
      released.delete(key);
      refs.set(key, (refs.get(key) ?? 0) + 1);
      const entry = e;
      let done = false;
      return {
        entry,
        release() {
          if (done) return;
          done = true;
          const n = (refs.get(key) ?? 1) - 1;
          refs.set(key, n);
          if (n > 0) return;
          released.set(key, entry);
          if (released.size > keepReleased) {
            const oldest = released.values().next().value;
            if (oldest) evict(oldest);
          }
        },
      };
    },

    setSeriesState(entry, state, error) {
      const e = entries.get(entry.key);
      if (!e) return;
      e.state = state;
      e.error = error;
      bumpSeries(e);
    },

    addSeriesPoints(entry, points) {
      const e = entries.get(entry.key);
      if (!e) return;
      for (const p of points) e.buffer.add(p.ts, p.value);
      bumpSeries(e);
    },

    subscribe(t, listener) {
      const set = listeners.get(t) ?? new Set();
      set.add(listener);
      listeners.set(t, set);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(t);
      };
    },

    watchedTwinIds() {
      const ids: string[] = [];
      for (const t of listeners.keys()) if (t.startsWith('twin:')) ids.push(t.slice('twin:'.length));
      return ids;
    },
  };
}
