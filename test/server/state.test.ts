import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventType, type TwinEvent } from '../../src/core/types.ts';
import { strictlyIncreasingClock, testApp } from '../support/app.ts';

let t: Awaited<ReturnType<typeof testApp>>;
let events: TwinEvent[];
beforeEach(async () => {
  t = await testApp({ clock: strictlyIncreasingClock() });
  events = [];
  const sub = t.engine.bus.subscribe({});
  void (async () => {
    for await (const e of sub) events.push(e);
  })();
  for (const [tenant, id] of [['default', 'hvac-1'], ['acme', 'hvac-1']]) {
    await t.app.inject({ method: 'POST', url: '/api/registry/twins', headers: { 'x-tenant': tenant! }, payload: { id, groups: ['hvac'] } });
  }
});
afterEach(() => t.close());

const patch = (payload: unknown, tenant = 'default') =>
  t.app.inject({ method: 'PATCH', url: '/api/twins/hvac-1/state', headers: { 'x-tenant': tenant }, payload: payload as object });

describe('state API (shadow document)', () => {
  it('given reported {temp: 20}, when desired {temp: 22}, then delta {temp: 22} and version 2; clientToken echoed', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/twins/hvac-1/state' })).statusCode).toBe(404);
    const first = await patch({ state: { reported: { temp: 20, mode: 'off' } } });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ state: { reported: { temp: 20 } }, version: 1 });
    const second = await patch({ state: { desired: { temp: 22, mode: 'off' } }, clientToken: 'abc' });
    expect(second.json()).toMatchObject({ version: 2, clientToken: 'abc', state: { desired: { temp: 22 } } });
    const doc = (await t.app.inject({ method: 'GET', url: '/api/twins/hvac-1/state' })).json();
    expect(doc.state).toEqual({ desired: { temp: 22, mode: 'off' }, reported: { temp: 20, mode: 'off' }, delta: { temp: 22 } });
    expect(doc.metadata.reported.temp.timestamp).toBeTypeOf('number');
    await t.engine.bus.flush();
    await new Promise((r) => setImmediate(r));
    expect(events.filter((e) => e.type === EventType.StateUpdate)).toHaveLength(2);
    expect(events.filter((e) => e.type === EventType.StateDelta).at(-1)?.data).toMatchObject({ delta: { temp: 22 }, version: 2 });
  });

  it('answers 409 on a version mismatch, 400 on a bad document, 413 over the size limit', async () => {
    await patch({ state: { reported: { a: 1 } } });
    const stale = await patch({ state: { desired: { a: 2 } }, version: 7 });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.code).toBe('conflict');
    const bad = await patch({ state: { delta: { a: 1 } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details[0].path).toBe('state.delta');
    let deep: Record<string, unknown> = { x: 1 };
    for (let i = 0; i < 9; i++) deep = { n: deep };
    expect((await patch({ state: { desired: deep } })).statusCode).toBe(400);
    const big = await patch({ state: { desired: { blob: 'x'.repeat(9000) } } });
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe('payload_too_large');
  });

  it('records history and reconstructs state at a version or a time; DELETE keeps the version counting', async () => {
    await patch({ state: { reported: { a: 1 } } });
    await patch({ state: { reported: { a: 2, b: [1, 2] } } });
    await patch({ state: { reported: { a: null } } });
    const history = (await t.app.inject({ method: 'GET', url: '/api/twins/hvac-1/history' })).json();
    expect(history.items.map((h: { version: number }) => h.version)).toEqual([1, 2, 3]);
    expect(history.items[2]).toMatchObject({ op: 'update', patch: { reported: { a: null } } });
    const v2 = (await t.app.inject({ method: 'GET', url: '/api/twins/hvac-1/state?at=2' })).json();
    expect(v2).toMatchObject({ version: 2, state: { reported: { a: 2, b: [1, 2] } } });
    const atTime = (await t.app.inject({ method: 'GET', url: `/api/twins/hvac-1/state?at=${encodeURIComponent(history.items[0].time)}` })).json();
    expect(atTime.state.reported.a).toBeDefined();
    expect((await t.app.inject({ method: 'DELETE', url: '/api/twins/hvac-1/state' })).json()).toMatchObject({ version: 4 });
    expect((await t.app.inject({ method: 'GET', url: '/api/twins/hvac-1/state' })).statusCode).toBe(404);
    expect((await patch({ state: { reported: { a: 9 } } })).json()).toMatchObject({ version: 5 });
    expect((await t.app.inject({ method: 'GET', url: '/api/twins/hvac-1/state?at=4' })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: '/api/twins/hvac-1/state?at=5' })).json().state).toEqual({ reported: { a: 9 } });
  });

  it('keeps tenants apart: a twin of tenant A is invisible to tenant B', async () => {
    await patch({ state: { reported: { secret: 1 } } }, 'acme');
    expect((await t.app.inject({ method: 'GET', url: '/api/twins/hvac-1/state' })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: '/api/twins/hvac-1/history' })).json().items).toEqual([]);
    expect((await t.app.inject({ method: 'GET', url: '/api/twins/hvac-1/state', headers: { 'x-tenant': 'acme' } })).json().state.reported).toEqual({ secret: 1 });
    expect((await t.app.inject({ method: 'GET', url: '/api/twins/nope/state' })).statusCode).toBe(404);
  });

  it('takes per-property acknowledgements from the device', async () => {
    await patch({ state: { desired: { setpoint: 22 } } });
    const acked = await patch({ state: { reported: { setpoint: 22 } }, ack: { setpoint: { desiredVersion: 1, code: 200, description: 'applied' } } });
    expect(acked.statusCode).toBe(200);
    const doc = (await t.app.inject({ method: 'GET', url: '/api/twins/hvac-1/state' })).json();
    expect(doc.ack.setpoint).toMatchObject({ desiredVersion: 1, ackVersion: 2, code: 200, description: 'applied' });
    expect(doc.state.delta).toBeUndefined();
  });
});
