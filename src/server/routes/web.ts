import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, relative, resolve, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';

export interface WebRoutesOptions {
  /** The built dashboard (`web/dist`). */
  root: string;
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>twinflow</title>
<p>The dashboard is not built. Run <code>npm run build:web</code>; the API is at <a href="/api/registry/twins">/api</a>.</p>`;

/**
 * The dashboard as static files, looked up when requested so a rebuild of `web/dist` is served without a restart;
 * any other non-API GET without a file extension gets index.html so client-side routes can be bookmarked.
 */
export const webRoutes: FastifyPluginAsync<WebRoutesOptions> = async (app, options) => {
  const root = resolve(options.root);
  if (!existsSync(root)) {
    app.get('/', async (_request, reply) => reply.type('text/html').send(NOT_BUILT));
    return;
  }
  // Our own wildcard route rather than the plugin's (`wildcard: true`): the plugin's sends a missing file to the app's
  // JSON not-found handler, which this unprefixed plugin cannot replace, and the SPA fallback needs to decide first.
  await app.register(fastifyStatic, { root, serve: false, maxAge: '1h', immutable: false });
  app.get('/*', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const file = await fileIn(root, path);
    if (file !== undefined) return reply.sendFile(file);
    if (path.startsWith('/api/') || extname(path) !== '') {
      return reply.status(404).send({ error: { code: 'not_found', message: `no route GET ${path}` } });
    }
    // index.html names the hashed bundles of the current build, so it must not be cached like them.
    return reply.type('text/html').sendFile('index.html', { maxAge: 0 });
  });
};

/** The file a URL path names under `root`, relative to it; undefined for directories, misses and escapes. */
async function fileIn(root: string, urlPath: string): Promise<string | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const abs = resolve(root, `.${decoded}`);
  if (!abs.startsWith(root + sep)) return undefined;
  const found = await stat(abs).catch(() => undefined);
  return found?.isFile() === true ? relative(root, abs).split(sep).join('/') : undefined;
}
