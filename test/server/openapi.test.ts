import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testApp } from '../support/app.ts';

let t: Awaited<ReturnType<typeof testApp>>;
beforeEach(async () => (t = await testApp()));
afterEach(() => t.close());

describe('OpenAPI', () => {
  it('describes every route group at /docs/json and serves the browser at /docs', async () => {
    const doc = (await t.app.inject({ url: '/docs/json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/readyz', '/api/registry/twins/{id}', '/api/twins/{id}/telemetry', '/api/portal/stream', '/api/events']),
    );
    expect(doc.paths['/api/twins/{id}/telemetry'].get.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['from', 'to', 'every', 'agg', 'fields', 'limit']),
    );
    expect((await t.app.inject({ url: '/docs' })).statusCode).toBeLessThan(400);
  });
});
