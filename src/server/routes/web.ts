import { existsSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';

export interface WebRoutesOptions {
  /** The built dashboard (`web/dist`). */
  root: string;
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>twinflow</title>
<p>The dashboard is not built. Run <code>npm run build:web</code>; the API is at <a href="/api/registry/twins">/api</a>.</p>`;

/** The dashboard as static files; any other non-API GET gets index.html so client-side routes can be bookmarked. */
export const webRoutes: FastifyPluginAsync<WebRoutesOptions> = async (app, { root }) => {
  if (!existsSync(root)) {
    app.get('/', async (_request, reply) => reply.type('text/html').send(NOT_BUILT));
    return;
  }
  await app.register(fastifyStatic, { root, prefix: '/', wildcard: false, maxAge: '1h', immutable: false });
  app.get('/*', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    if (path.startsWith('/api/') || path.includes('.')) {
      return reply.status(404).send({ error: { code: 'not_found', message: `no route GET ${path}` } });
    }
    return reply.type('text/html').sendFile('index.html', { maxAge: 0 });
  });
};
