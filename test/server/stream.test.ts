import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testApp } from '../support/app.ts';
import { openSse } from '../support/sse.ts';

let t: Awaited<ReturnType<typeof testApp>>;
let base: string;
beforeEach(async () => {
  t = await testApp({ heartbeatMs: 50 });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});
afterEach(() => t.close());

describe('live stream (SSE)', () => {
  it('sends every event with id = seq, filtered by type and twin, and resumes after Last-Event-ID', async () => {
    const sse = await openSse(`${base}/api/portal/stream?types=twin.create,twin.delete`);
    await t.app.inject({ method: 'POST', url: '/api/registry/twins', payload: { id: 'a' } });
    await t.app.inject({ method: 'POST', url: '/api/registry/twins', payload: { id: 'b' } });
    const [first, second] = await sse.take(2);
    expect(first).toMatchObject({ event: 'twin.create', data: { type: 'twin.create', twinId: 'a', tenant: 'default' } });
    expect(Number(first!.id)).toBe(first!.data.seq);
    expect(second!.data.twinId).toBe('b');
    sse.close();

    await t.app.inject({ method: 'DELETE', url: '/api/registry/twins/a' });
    const resumed = await openSse(`${base}/api/portal/stream?types=twin.create,twin.delete`, first!.id);
    const replay = await resumed.take(2);
    expect(replay.map((e) => [e.event, e.data.twinId])).toEqual([
      ['twin.create', 'b'],
      ['twin.delete', 'a'],
    ]);
    resumed.close();
  });

  it('carries telemetry readings, scoped by tenant, and sends heartbeats', async () => {
    await t.app.inject({ method: 'POST', url: '/api/registry/twins', payload: { id: 'm1' } });
    await t.app.inject({ method: 'POST', url: '/api/registry/twins', headers: { 'x-tenant': 'other' }, payload: { id: 'm1' } });
    const sse = await openSse(`${base}/api/portal/stream?types=telemetry&twin=m1`);
    await t.app.inject({ method: 'POST', url: '/api/twins/m1/telemetry', headers: { 'x-tenant': 'other' }, payload: { ts: 1e12, x: 9 } });
    await t.app.inject({ method: 'POST', url: '/api/twins/m1/telemetry', payload: { ts: 1e12, x: 1 } });
    const [event] = await sse.take(1);
    expect(event!.data).toMatchObject({ tenant: 'default', data: { readings: [{ ts: new Date(1e12).toISOString(), values: { x: 1 } }] } });
    await sse.waitForComment('heartbeat');
    sse.close();
  });

  it('gives a fresh subscriber the current seq as its last event id, so a drop before any event loses nothing', async () => {
    await t.app.inject({ method: 'POST', url: '/api/registry/twins', payload: { id: 'before' } });
    const res = await fetch(`${base}/api/portal/stream?types=twin.create`);
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    const id = /^id: (\d+)$/m.exec(first)?.[1];
    expect(Number(id)).toBe(t.engine.bus.lastSeq);
    await t.app.inject({ method: 'POST', url: '/api/registry/twins', payload: { id: 'after' } });
    const resumed = await openSse(`${base}/api/portal/stream?types=twin.create`, id);
    expect((await resumed.take(1))[0]!.data.twinId).toBe('after');
    resumed.close();
  });

  it('refuses a Last-Event-ID that is not a seq', async () => {
    const res = await fetch(`${base}/api/portal/stream`, { headers: { 'last-event-id': 'abc' } });
    expect(res.status).toBe(400);
  });
});

describe('event log API', () => {
  it('lists durable events by type and twin with a cursor', async () => {
    for (const id of ['a', 'b', 'c']) await t.app.inject({ method: 'POST', url: '/api/registry/twins', payload: { id } });
    const page = (await t.app.inject({ url: '/api/events?type=twin.create&limit=2' })).json();
    expect(page.items.map((e: { twinId: string }) => e.twinId)).toEqual(['a', 'b']);
    const next = (await t.app.inject({ url: `/api/events?type=twin.create&limit=2&cursor=${page.next}` })).json();
    expect(next.items.map((e: { twinId: string }) => e.twinId)).toEqual(['c']);
    expect((await t.app.inject({ url: '/api/events?twin=b' })).json().items.map((e: { type: string }) => e.type)).toEqual(['twin.create', 'twin.update']);
  });

  it('lists newest first with order=desc, the cursor paging towards older events', async () => {
    for (const id of ['a', 'b', 'c', 'd']) await t.app.inject({ method: 'POST', url: '/api/registry/twins', payload: { id } });
    const twinsOf = (page: { items: { twinId: string }[] }) => page.items.map((e) => e.twinId);
    const latest = (await t.app.inject({ url: '/api/events?type=twin.create&order=desc&limit=2' })).json();
    expect(twinsOf(latest)).toEqual(['d', 'c']);
    expect(Number(latest.next)).toBe(latest.items[1].seq);
    const older = (await t.app.inject({ url: `/api/events?type=twin.create&order=desc&limit=2&cursor=${latest.next}` })).json();
    expect(twinsOf(older)).toEqual(['b', 'a']);
    const last = (await t.app.inject({ url: `/api/events?type=twin.create&order=desc&limit=2&cursor=${older.next}` })).json();
    expect(last).toEqual({ items: [] });
    const bounded = (await t.app.inject({ url: `/api/events?type=twin.create&order=desc&after=${older.items[0].seq}` })).json();
    expect(twinsOf(bounded)).toEqual(['d', 'c']);
    expect((await t.app.inject({ url: '/api/events?order=sideways' })).statusCode).toBe(400);
    expect((await t.app.inject({ url: '/api/events?cursor=x' })).statusCode).toBe(400);
  });
});
