import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testApp } from '../support/app.ts';

let t: Awaited<ReturnType<typeof testApp>>;
beforeEach(async () => {
  t = await testApp();
  await t.app.inject({ method: 'POST', url: '/api/registry/twins', payload: { id: 'm1' } });
});
afterEach(() => t.close());

const base = Date.UTC(2026, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();

describe('telemetry API', () => {
  it('accepts readings over HTTP (202) once durable and serves the series and latest values', async () => {
    const readings = Array.from({ length: 6 }, (_, i) => ({ ts: iso(base + i * 10_000), temperature: 20 + i, door: i % 2 === 0 ? 'open' : 'closed' }));
    const post = await t.app.inject({ method: 'POST', url: '/api/twins/m1/telemetry', payload: readings });
    expect(post.statusCode).toBe(202);
    expect(post.json()).toEqual({ accepted: 12, rejected: [] });

    const series = (await t.app.inject({ url: `/api/twins/m1/telemetry?fields=temperature&from=${iso(base + 10_000)}&to=${base + 40_000}` })).json();
    expect(series.series).toEqual({ temperature: [21, 22, 23].map((v, i) => ({ ts: iso(base + (i + 1) * 10_000), value: v })) });

    const buckets = (await t.app.inject({ url: '/api/twins/m1/telemetry?fields=temperature&every=30s&agg=max' })).json();
    expect(buckets.series.temperature).toEqual([
      { ts: iso(base), value: 22 },
      { ts: iso(base + 30_000), value: 25 },
    ]);
    expect(buckets).toMatchObject({ every: '30s', agg: 'max' });

    const latest = (await t.app.inject({ url: '/api/twins/m1/telemetry/latest' })).json();
    expect(latest).toEqual({
      twinId: 'm1',
      values: { temperature: { ts: iso(base + 50_000), value: 25 }, door: { ts: iso(base + 50_000), value: 'closed' } },
    });
  });

  it('keeps the good fields and reports the bad ones; a body with nothing good is a 400 naming the field', async () => {
    const mixed = await t.app.inject({ method: 'POST', url: '/api/twins/m1/telemetry', payload: { a: 1, b: { c: 2 } } });
    expect(mixed.statusCode).toBe(202);
    expect(mixed.json()).toEqual({ accepted: 1, rejected: [expect.objectContaining({ field: 'b', reason: 'unsupported_type' })] });
    const bad = await t.app.inject({ method: 'POST', url: '/api/twins/m1/telemetry', payload: { b: null } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details).toEqual([{ path: 'body.b', message: expect.stringContaining('null is not a supported value') }]);
  });

  it('answers 404 for an unknown twin and 400 for bad query parameters', async () => {
    expect((await t.app.inject({ method: 'POST', url: '/api/twins/ghost/telemetry', payload: { a: 1 } })).statusCode).toBe(404);
    expect((await t.app.inject({ url: '/api/twins/ghost/telemetry' })).statusCode).toBe(404);
    const badFrom = await t.app.inject({ url: '/api/twins/m1/telemetry?from=yesterday' });
    expect(badFrom.statusCode).toBe(400);
    expect(badFrom.json().error.details[0].path).toBe('query.from');
    const badAgg = await t.app.inject({ url: '/api/twins/m1/telemetry?every=1m&agg=mode' });
    expect(badAgg.statusCode).toBe(400);
    expect(badAgg.json().error.details[0].path).toBe('querystring.agg');
    expect((await t.app.inject({ url: '/api/twins/m1/telemetry?every=soon' })).json().error.details[0].path).toBe('query.every');
    const malformed = await t.app.inject({ method: 'POST', url: '/api/twins/m1/telemetry', headers: { 'content-type': 'application/json' }, payload: '{"a":' });
    expect(malformed.statusCode).toBe(400);
  });
});

describe('health API', () => {
  it('is live, ready once started, and exposes Prometheus text and JSON metrics', async () => {
    expect((await t.app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await t.app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', components: { broker: 'up', store: 'up', registry: 'up' } });
    await t.app.inject({ method: 'POST', url: '/api/twins/m1/telemetry', payload: { a: [1] } });
    const text = (await t.app.inject({ url: '/metrics' })).body;
    expect(text).toContain('twinflow_ingest_rejected_total{reason="unsupported_type"} 1');
    expect(text).toContain('twinflow_ingest_messages_total{transport="http"} 1');
    expect(text).toContain('twinflow_sse_clients 0');
    const json = (await t.app.inject({ url: '/metrics', headers: { accept: 'application/json' } })).json();
    expect(json.map((m: { name: string }) => m.name)).toContain('twinflow_ingest_rate_per_second');
  });

  it('is not ready (503, per component) before the engine has started', async () => {
    const { Engine } = await import('../../src/engine/engine.ts');
    const { createMemoryStorage } = await import('../../src/adapters/memory/storage.ts');
    const { buildServer } = await import('../../src/server/app.ts');
    const { silentLogger } = await import('../support/logger.ts');
    const engine = new Engine({ storage: createMemoryStorage(), logger: silentLogger, processMetrics: false });
    const app = await buildServer({ engine });
    const res = await app.inject({ url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'not_ready', components: { broker: 'up', store: 'starting', registry: 'starting' } });
    await app.close();
  });
});
