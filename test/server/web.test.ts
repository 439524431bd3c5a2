import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installErrorHandler } from '../../src/server/errors.ts';
import { webRoutes } from '../../src/server/routes/web.ts';

let base: string;
let root: string;
let app: FastifyInstance;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'twinflow-web-'));
  root = join(base, 'dist');
  await mkdir(root);
  await writeFile(join(base, 'secret.txt'), 'not-for-the-web');
  await writeFile(join(root, 'index.html'), '<!doctype html><title>twinflow</title>');
  await mkdir(join(root, 'assets'));
  await writeFile(join(root, 'assets', 'app-1.js'), 'console.log(1)');
  app = Fastify({ logger: false });
  installErrorHandler(app);
  app.get('/api/registry/twins', async () => ({ items: [] }));
  await app.register(webRoutes, { root });
  await app.ready();
});
afterEach(async () => {
  await app.close();
  await rm(base, { recursive: true, force: true });
});

describe('dashboard files', () => {
  it('serves a file written into the root after the app started', async () => {
    expect((await app.inject({ url: '/assets/app-2.js' })).statusCode).toBe(404);
    // What a `vite build` running beside the server does.
    await writeFile(join(root, 'assets', 'app-2.js'), 'console.log(2)');
    const res = await app.inject({ url: '/assets/app-2.js' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('console.log(2)');
    expect(res.headers['content-type']).toMatch(/javascript/);
  });

  it('serves built files, and index.html uncached for / and for client-side routes', async () => {
    const asset = await app.inject({ url: '/assets/app-1.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=3600');
    for (const url of ['/', '/twins/pump-1', '/twins/pump-1?tab=state']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.body).toContain('<title>twinflow</title>');
      expect(res.headers['cache-control'], url).toBe('public, max-age=0');
    }
  });

  it('answers 404 JSON for unknown API paths and missing files, and keeps the API routes', async () => {
    expect((await app.inject({ url: '/api/registry/twins' })).json()).toEqual({ items: [] });
    for (const url of ['/api/nope', '/api/registry', '/assets/missing.js', '/favicon.ico']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json(), url).toMatchObject({ error: { code: 'not_found' } });
    }
  });

  it('serves nothing outside the root', async () => {
    for (const url of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e/%2e%2e/secret.txt', '/..%2fsecret.txt']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(res.body, url).not.toContain('not-for-the-web');
    }
  });
});
