import type { FastifyPluginAsync } from 'fastify';
import type { Engine } from '../../engine/engine.ts';
import { eventView } from '../../engine/views.ts';
import { invalid, listParam, tenantOf, timeParam } from '../request.ts';

export interface StreamRoutesOptions {
  engine: Engine;
  defaultTenant: string;
  /** @default 15000 */
  heartbeatMs?: number;
}

/** The live event stream (SSE) and the event log query. */
export const streamRoutes: FastifyPluginAsync<StreamRoutesOptions> = async (app, { engine, defaultTenant, heartbeatMs = 15_000 }) => {
  app.get('/api/portal/stream', async (request, reply) => {
    const q = request.query as { types?: string; twin?: string; lastEventId?: string };
    const types = listParam(q.types);
    const lastEventId = request.headers['last-event-id'] ?? q.lastEventId;
    let after: number | undefined;
    if (lastEventId !== undefined && lastEventId !== '') {
      after = Number(lastEventId);
      if (!Number.isSafeInteger(after) || after < 0) throw invalid('headers.last-event-id', `"${String(lastEventId)}" is not an event seq`);
    }
    const subscription = engine.bus.subscribe(
      {
        tenant: tenantOf(request, defaultTenant),
        ...(types === undefined ? {} : { types: new Set(types) }),
        ...(q.twin === undefined || q.twin === '' ? {} : { twinId: q.twin }),
      },
      after,
    );

    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.socket?.setNoDelay(true);
    // A fresh subscriber gets the current seq as its last event id at once, so a drop before its first event still
    // resumes from here; a resuming one keeps its own until the replay has moved it on.
    const start = after === undefined ? `id: ${engine.bus.lastSeq}\n` : '';
    res.write(`retry: 1000\n${start}: connected, last seq ${engine.bus.lastSeq}\n\n`);
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatMs);
    heartbeat.unref();
    const stop = () => subscription.close();
    request.raw.on('close', stop);
    res.on('error', stop);

    try {
      for await (const event of subscription) {
        const ok = res.write(`id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(eventView(event))}\n\n`);
        if (!ok) await new Promise<void>((resolve) => res.once('drain', resolve).once('close', resolve));
        if (res.destroyed) break;
      }
    } finally {
      clearInterval(heartbeat);
      request.raw.off('close', stop);
      res.end();
    }
  });

  app.get('/api/events', async (request) => {
    const q = request.query as { type?: string; twin?: string; since?: string; after?: string; cursor?: string; limit?: string; order?: string };
    const order = q.order ?? 'asc';
    if (order !== 'asc' && order !== 'desc') throw invalid('query.order', 'must be "asc" or "desc"');
    const descending = order === 'desc';
    // A cursor continues in the page's own direction: past the last seq returned, which is the smallest when newest
    // first. `after` stays a lower bound in either order.
    const cursor = seqParam(q.cursor, 'query.cursor');
    const after = descending ? seqParam(q.after, 'query.after') : (cursor ?? seqParam(q.after, 'query.after'));
    const before = descending ? cursor : undefined;
    const types = listParam(q.type);
    const since = timeParam(q.since, 'query.since');
    const limit = q.limit === undefined ? 100 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw invalid('query.limit', 'must be an integer 1-10000');
    await engine.bus.flush();
    const events = await engine.storage.events.read({
      tenant: tenantOf(request, defaultTenant),
      limit,
      ...(types === undefined ? {} : { types }),
      ...(q.twin === undefined ? {} : { twinId: q.twin }),
      ...(since === undefined ? {} : { since }),
      ...(after === undefined ? {} : { after }),
      ...(before === undefined ? {} : { before }),
      ...(descending ? { descending } : {}),
    });
    const items = events.map(eventView);
    const last = events[events.length - 1];
    return { items, ...(events.length === limit && last !== undefined ? { next: String(last.seq) } : {}) };
  });
};

function seqParam(value: string | undefined, path: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const seq = Number(value);
  if (!Number.isSafeInteger(seq) || seq < 0) throw invalid(path, `"${value}" is not an event seq`);
  return seq;
}
