import { afterEach, beforeEach, expect, it } from 'vitest';
import type { SessionStore } from '../../src/ports.ts';

export interface SessionStoreHarness {
  store: SessionStore;
  /** Lets `ms` of (store) time pass. */
  pass(ms: number): Promise<void>;
  close(): Promise<void>;
}

/** What every SessionStore does: the memory store runs it on a manual clock, Redis on its own expiry. */
export function sessionStoreContract(open: () => Promise<SessionStoreHarness>, ttlMs: number): void {
  let h: SessionStoreHarness;
  let n = 0;
  const id = () => `contract-${process.pid}-${Date.now().toString(36)}-${n++}`;
  beforeEach(async () => {
    h = await open();
  });
  afterEach(async () => {
    await h.close();
  });

  it('stores and returns a session document, isolated from later changes', async () => {
    const doc = { session_id: 'x', state: { time: 0, level: 1 }, history: [{ time: 0 }], nested: { a: [1, 2] } };
    const key = id();
    await h.store.put(key, doc, ttlMs);
    doc.state.level = 99;
    expect(await h.store.get(key, ttlMs)).toEqual({ ...doc, state: { time: 0, level: 1 } });
  });

  it('keeps sessions apart and deletes one without the other', async () => {
    const [a, b] = [id(), id()];
    await h.store.put(a, { v: 1 }, ttlMs);
    await h.store.put(b, { v: 2 }, ttlMs);
    expect(await h.store.delete(a)).toBe(true);
    expect(await h.store.delete(a)).toBe(false);
    expect(await h.store.get(a, ttlMs)).toBeUndefined();
    expect(await h.store.get(b, ttlMs)).toEqual({ v: 2 });
  });

  it('answers undefined for an unknown id', async () => {
    expect(await h.store.get(id(), ttlMs)).toBeUndefined();
  });

  it('expires a session after its idle time', async () => {
    const key = id();
    await h.store.put(key, { v: 1 }, ttlMs);
    await h.pass(ttlMs * 2);
    expect(await h.store.get(key, ttlMs)).toBeUndefined();
  });

  it('restarts the idle timer on every read, so a session in use lives on', async () => {
    const key = id();
    await h.store.put(key, { v: 1 }, ttlMs);
    for (let i = 0; i < 4; i++) {
      await h.pass(ttlMs * 0.5);
      expect(await h.store.get(key, ttlMs)).toEqual({ v: 1 });
    }
  });
}
