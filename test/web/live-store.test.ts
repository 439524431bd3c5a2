import { describe, expect, it } from 'vitest';
import type { Twin } from '../../web/src/api/types.ts';
import { applyPortalEvent } from '../../web/src/state/apply-event.ts';
import { mergeSamples } from '../../web/src/state/latest-values.ts';
import { createLiveStore, LoadState, topic } from '../../web/src/state/live-store.ts';

const twin = (id: string, name: string, version = 1): Twin => ({
  tenant: 'default', id, name, metadata: {}, interfaces: {}, dependencies: {}, relationships: [], groups: [],
  dimensions: {}, blocks: [], status: 'active', version, createdAt: '2024-01-01T00:00:00Z', updatedAt: '2024-01-01T00:00:00Z',
});

/** A store whose notifications run when the test says so. */
function manualStore() {
  const pending: (() => void)[] = [];
  let now = 1_000_000;
  const store = createLiveStore({ schedule: (f) => pending.push(f), now: () => now });
  return {
    store,
    flush: () => pending.splice(0).forEach((f) => f()),
    setNow: (t: number) => (now = t),
  };
}

describe('mergeSamples', () => {
  it('keeps the newer value per field and the order fields were first seen', () => {
    const a = mergeSamples(undefined, [{ field: 't', ts: 10, value: 1 }, { field: 'h', ts: 10, value: 40 }]);
    const b = mergeSamples(a, [{ field: 'h', ts: 5, value: 39 }, { field: 't', ts: 20, value: 2 }, { field: 'co2', ts: 15, value: 700 }]);
    expect(b?.fields).toEqual([{ field: 't', ts: 20, value: 2 }, { field: 'h', ts: 10, value: 40 }, { field: 'co2', ts: 15, value: 700 }]);
    expect(b?.lastSeen).toBe(20);
  });

  it('returns the same object when nothing changed', () => {
    const a = mergeSamples(undefined, [{ field: 't', ts: 10, value: 1 }]);
    expect(mergeSamples(a, [{ field: 't', ts: 10, value: 1 }, { field: 't', ts: 9, value: 0 }])).toBe(a);
  });
});

describe('LiveStore', () => {
  it('sorts twins by name with numbers in natural order', () => {
    const { store } = manualStore();
    store.applySnapshot([twin('b', 'Room 10'), twin('a', 'Room 2'), twin('c', 'AHU')], 0);
    expect(store.twinList().twins.map((t) => t.id)).toEqual(['c', 'a', 'b']);
    expect(store.twinList().status).toBe(LoadState.Ready);
  });

  it('batches notifications until the scheduled flush', () => {
    const { store, flush } = manualStore();
    let calls = 0;
    store.subscribe(topic.twin('a'), () => calls++);
    store.applyReadings('a', [{ ts: 1, values: { t: 1 } }]);
    store.applyReadings('a', [{ ts: 2, values: { t: 2 } }]);
    expect(calls).toBe(0);
    flush();
    expect(calls).toBe(1);
    expect(store.latest('a')?.fields).toEqual([{ field: 't', ts: 2, value: 2 }]);
  });

  it('given a snapshot begun before a live create and delete, when it lands, then the live changes win', () => {
    const { store } = manualStore();
    store.applySnapshot([twin('old', 'Old'), twin('gone', 'Gone')], 0);
    const since = store.generation();
    store.upsertTwin(twin('new', 'New'));
    store.removeTwin('gone');
    store.applySnapshot([twin('old', 'Old'), twin('gone', 'Gone')], since);
    expect(store.twinList().twins.map((t) => t.id)).toEqual(['new', 'old']);
    expect(store.wasDeleted('gone')).toBe(true);
  });

  it('drops twins a later snapshot no longer has, and never rolls a version back', () => {
    const { store } = manualStore();
    store.applySnapshot([twin('a', 'A'), twin('b', 'B')], 0);
    store.upsertTwin(twin('a', 'A v3', 3));
    store.applySnapshot([twin('a', 'A v2', 2)], store.generation());
    expect(store.twinList().twins.map((t) => t.name)).toEqual(['A v3']);
  });

  it('feeds live readings into acquired series and keeps released ones only up to the limit', () => {
    const pending: (() => void)[] = [];
    const store = createLiveStore({ schedule: (f) => pending.push(f), now: () => 10_000, keepReleasedSeries: 1 });
    const spec = { windowMs: 60_000, resolutionMs: 1000 };
    const h1 = store.acquireSeries('a', 't', spec);
    store.applyReadings('a', [{ ts: 9000, values: { t: 1, s: 'on' } }]);
    expect(h1.entry.buffer.ys).toEqual([1]);
    h1.release();
    const h2 = store.acquireSeries('b', 't', spec);
    h2.release();
    // 'a' was evicted when 'b' was released: a fresh acquire starts empty.
    expect(store.acquireSeries('a', 't', spec).entry.buffer.length).toBe(0);
    // 'b' was kept and is the same entry.
    expect(store.acquireSeries('b', 't', spec).entry).toBe(h2.entry);
  });

  it('applies stream events by type', () => {
    const { store } = manualStore();
    const base = { seq: 1, id: 'e1', tenant: 'default', time: '2024-01-01T00:00:00Z' };
    applyPortalEvent(store, { ...base, type: 'twin.create', data: { twin: twin('p', 'Pump') } });
    applyPortalEvent(store, { ...base, type: 'telemetry', twinId: 'p', data: { readings: [{ ts: '2024-01-01T00:00:01Z', values: { flow: 3 } }] } });
    expect(store.latest('p')?.fields[0]).toEqual({ field: 'flow', ts: Date.parse('2024-01-01T00:00:01Z'), value: 3 });
    applyPortalEvent(store, { ...base, type: 'twin.delete', data: { id: 'p' } });
    expect(store.twin('p')).toBeUndefined();
  });
});
