import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventType, type TwinEvent } from '../../src/core/types.ts';
import { testApp } from '../support/app.ts';

let t: Awaited<ReturnType<typeof testApp>>;
let events: TwinEvent[];
beforeEach(async () => {
  t = await testApp();
  events = [];
  const sub = t.engine.bus.subscribe({});
  void (async () => {
    for await (const e of sub) events.push(e);
  })();
});
afterEach(() => t.close());

const lift = {
  '@id': 'lift-001',
  name: 'Lift 1',
  tenant: 'acme',
  model: 'lift',
  metadata: { domain: ['transport'], device_id: 'm5-01' },
  interfaces: { api: 'http://lift-001.local:3001', data_streams: ['tf/acme/lift-001/telemetry'] },
  dependencies: { static: ['building-7'], dynamic: ['energy-meter-3'] },
  dimensions: { building: 'b7', floor: 2 },
  groups: ['lifts'],
};

describe('registry API', () => {
  it('creates a twin from the seed document (201), then updates it (200), with an ETag and events', async () => {
    const created = await t.app.inject({ method: 'POST', url: '/api/registry/twins', payload: lift });
    expect(created.statusCode).toBe(201);
    expect(created.headers.etag).toBe('"1"');
    expect(created.json()).toMatchObject({ id: 'lift-001', tenant: 'acme', version: 1, status: 'active', dimensions: { floor: '2' } });

    const updated = await t.app.inject({ method: 'POST', url: '/api/registry/twins', payload: { ...lift, name: 'Lift One' } });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({ name: 'Lift One', version: 2 });
    await new Promise((r) => setImmediate(r));
    expect(events.map((e) => e.type)).toEqual([EventType.TwinCreate, EventType.TwinUpdate, EventType.TwinUpdate]);
    expect(events[2]?.data).toMatchObject({ changed: ['name'] });
  });

  it('lists with filters by status, model, group and dimension, scoped by tenant, with a cursor', async () => {
    for (let i = 0; i < 5; i++) {
      await t.app.inject({
        method: 'POST',
        url: '/api/registry/twins',
        headers: { 'x-tenant': 'acme' },
        payload: { id: `s-${i}`, model: i % 2 === 0 ? 'sensor' : 'meter', dimensions: { floor: String(i % 3) } },
      });
    }
    await t.app.inject({ method: 'POST', url: '/api/registry/twins', payload: { id: 'other-tenant', model: 'sensor' } });

    const sensors = await t.app.inject({ url: '/api/registry/twins?tenant=acme&model=sensor' });
    expect(sensors.json().items.map((x: { id: string }) => x.id)).toEqual(['s-0', 's-2', 's-4']);
    const floor1 = await t.app.inject({ url: '/api/registry/twins?dimension.floor=1', headers: { 'x-tenant': 'acme' } });
    expect(floor1.json().items.map((x: { id: string }) => x.id)).toEqual(['s-1', 's-4']);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await t.app.inject({ url: `/api/registry/twins?tenant=acme&limit=2${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}` });
      const body = page.json();
      seen.push(...body.items.map((x: { id: string }) => x.id));
      cursor = body.next;
    } while (cursor !== undefined);
    expect(seen).toEqual(['s-0', 's-1', 's-2', 's-3', 's-4']);
  });

  it('merge-patches with If-Match: 412 on a stale ETag, null removes a key', async () => {
    await t.app.inject({ method: 'POST', url: '/api/registry/twins', payload: { ...lift, tenant: undefined } });
    const get = await t.app.inject({ url: '/api/registry/twins/lift-001' });
    const etag = get.headers.etag as string;
    expect((await t.app.inject({ url: '/api/registry/twins/lift-001', headers: { 'if-none-match': etag } })).statusCode).toBe(304);

    const patched = await t.app.inject({
      method: 'PATCH',
      url: '/api/registry/twins/lift-001',
      headers: { 'if-match': etag },
      payload: { metadata: { device_id: null, firmware: '1.2' } },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json().metadata).toEqual({ domain: ['transport'], firmware: '1.2' });
    const stale = await t.app.inject({ method: 'PATCH', url: '/api/registry/twins/lift-001', headers: { 'if-match': etag }, payload: { name: 'x' } });
    expect(stale.statusCode).toBe(412);
    expect(stale.json().error.code).toBe('precondition_failed');
  });

  it('soft-deletes to deprecated and hard-deletes with twin.delete', async () => {
    await t.app.inject({ method: 'POST', url: '/api/registry/twins', payload: { id: 'gone' } });
    const soft = await t.app.inject({ method: 'DELETE', url: '/api/registry/twins/gone?soft=true' });
    expect(soft.json().status).toBe('deprecated');
    expect((await t.app.inject({ url: '/api/registry/twins?status=deprecated' })).json().items).toHaveLength(1);
    const hard = await t.app.inject({ method: 'DELETE', url: '/api/registry/twins/gone' });
    expect(hard.statusCode).toBe(204);
    expect((await t.app.inject({ url: '/api/registry/twins/gone' })).statusCode).toBe(404);
    await new Promise((r) => setImmediate(r));
    expect(events.at(-1)).toMatchObject({ type: EventType.TwinDelete, twinId: 'gone' });
  });

  it('answers 400 naming every wrong field, and 404 with a code for an unknown twin', async () => {
    const bad = await t.app.inject({ method: 'POST', url: '/api/registry/twins', payload: { id: 'bad id!', relationships: [{ name: 'x' }] } });
    expect(bad.statusCode).toBe(400);
    const paths = bad.json().error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['id', 'relationships[0].target']));
    const notObject = await t.app.inject({ method: 'POST', url: '/api/registry/twins', payload: [1] });
    expect(notObject.statusCode).toBe(400);
    const missing = await t.app.inject({ url: '/api/registry/twins/nope' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error).toEqual({ code: 'twin_not_found', message: 'twin "nope" does not exist in tenant "default"' });
    const badTenant = await t.app.inject({ url: '/api/registry/twins', headers: { 'x-tenant': 'NO!' } });
    expect(badTenant.statusCode).toBe(400);
    expect(badTenant.json().error.details[0].path).toBe('headers.x-tenant');
  });

  it('registers, patches and lists services with service.update events', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/registry/services',
      payload: { id: 'influx', category: 'timeseries', interfaces: { url: 'http://influx:8086' }, health: { status: 'up' } },
    });
    expect(created.statusCode).toBe(201);
    const patched = await t.app.inject({ method: 'PATCH', url: '/api/registry/services/influx', payload: { health: { status: 'down' } } });
    expect(patched.json()).toMatchObject({ health: { status: 'down' }, version: 2 });
    expect((await t.app.inject({ url: '/api/registry/services' })).json().items).toHaveLength(1);
    expect((await t.app.inject({ method: 'POST', url: '/api/registry/services', payload: { id: 'x' } })).statusCode).toBe(400);
    expect((await t.app.inject({ url: '/api/registry/services/none' })).statusCode).toBe(404);
    await new Promise((r) => setImmediate(r));
    expect(events.filter((e) => e.type === EventType.ServiceUpdate)).toHaveLength(2);
  });
});
