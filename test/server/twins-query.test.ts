import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testApp } from '../support/app.ts';

let t: Awaited<ReturnType<typeof testApp>>;
beforeEach(async () => {
  t = await testApp();
  for (const tenant of ['acme', 'other']) {
    for (let i = 0; i < 6; i++) {
      await t.app.inject({
        method: 'POST',
        url: '/api/registry/twins',
        headers: { 'x-tenant': tenant },
        payload: {
          id: `room-${i}`,
          model: i % 2 === 0 ? 'room' : 'meter',
          groups: ['building-7'],
          dimensions: { floor: String(i % 3) },
          relationships: [{ name: 'locatedIn', target: i < 3 ? 'floor-a' : 'floor-b' }, ...(i === 0 ? [{ name: 'feeds', target: 'room-1' }, { name: 'feeds', target: 'room-2' }] : [])],
        },
      });
      await t.app.inject({ method: 'PATCH', url: `/api/twins/room-${i}/state`, headers: { 'x-tenant': tenant }, payload: { state: { reported: { temperature: 20 + i }, desired: { temperature: 22 } } } });
    }
  }
});
afterEach(() => t.close());

const ids = (res: { json: () => any }) => res.json().items.map((x: { id: string }) => x.id);
const get = (url: string, tenant = 'acme') => t.app.inject({ method: 'GET', url, headers: { 'x-tenant': tenant } });

describe('twin queries', () => {
  it('filters by model, group, dimension and an expression on reported/desired state', async () => {
    expect(ids(await get('/api/twins?model=room&dimension.floor=2'))).toEqual(['room-2']);
    expect(ids(await get(`/api/twins?group=building-7&where=${encodeURIComponent('reported.temperature > 22 and desired.temperature == 22')}`))).toEqual(['room-3', 'room-4', 'room-5']);
    expect(ids(await get(`/api/twins?where=${encodeURIComponent('delta.temperature == 22')}`))).toEqual(['room-0', 'room-1', 'room-3', 'room-4', 'room-5']);
    const bad = await get(`/api/twins?where=${encodeURIComponent('reported.temperature >')}`);
    expect(bad.statusCode).toBe(400);
  });

  it('follows relationships in both directions', async () => {
    expect(ids(await get('/api/twins?related=locatedIn:floor-b'))).toEqual(['room-3', 'room-4', 'room-5']);
    expect(ids(await get('/api/twins?relatedFrom=feeds:room-0'))).toEqual(['room-1', 'room-2']);
    const rel = (await get('/api/twins/room-1/relationships')).json();
    expect(rel.incoming).toEqual([{ name: 'feeds', source: 'room-0' }]);
    expect(rel.outgoing).toEqual([{ name: 'locatedIn', target: 'floor-a' }]);
  });

  it('pages with a cursor, every twin once', async () => {
    const seen: string[] = [];
    let url = '/api/twins?limit=4&where=' + encodeURIComponent('reported.temperature >= 21');
    for (;;) {
      const page = (await get(url)).json();
      seen.push(...page.items.map((x: { id: string }) => x.id));
      if (page.next === undefined) break;
      url = `/api/twins?limit=4&where=${encodeURIComponent('reported.temperature >= 21')}&cursor=${page.next}`;
    }
    expect(seen).toEqual(['room-1', 'room-2', 'room-3', 'room-4', 'room-5']);
  });

  it('keeps tenants apart: a twin of tenant A is invisible to every query of tenant B', async () => {
    await t.app.inject({ method: 'POST', url: '/api/registry/twins', headers: { 'x-tenant': 'acme' }, payload: { id: 'secret-1', model: 'vault', relationships: [{ name: 'guards', target: 'room-0' }] } });
    for (const q of ['/api/twins', '/api/twins?model=vault', '/api/twins?related=guards:room-0', '/api/twins?relatedFrom=guards:secret-1', `/api/twins?where=${encodeURIComponent('id == "secret-1"')}`]) {
      expect(ids(await get(q, 'other'))).not.toContain('secret-1');
    }
    expect((await get('/api/twins/room-0/relationships', 'other')).json().incoming).toEqual([]);
    expect((await get('/api/twins/secret-1/state', 'other')).statusCode).toBe(404);
    expect(ids(await get('/api/twins?model=vault', 'acme'))).toEqual(['secret-1']);
  });
});
