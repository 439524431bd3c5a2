import { Redis } from 'ioredis';
import { ErrorCode, TwinflowError } from '../../core/errors.ts';
import type { JsonObject } from '../../core/types.ts';
import type { Logger, SessionStore } from '../../ports.ts';

export interface RedisSessionStoreOptions {
  /** `redis://host:port/db`. */
  url: string;
  /** Key prefix, so several deployments (or tests) can share one Redis. @default 'twinflow:sim:' */
  prefix?: string;
  logger?: Logger;
}

/**
 * Sessions in Redis (the dual-system seed's persistence): one JSON string per session, expiring server-side with
 * PX; GETEX restarts the idle timer atomically with the read (Redis ≥ 6.2).
 */
export async function createRedisSessionStore(options: RedisSessionStoreOptions): Promise<SessionStore> {
  const prefix = options.prefix ?? 'twinflow:sim:';
  const redis = new Redis(options.url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true });
  // ioredis reconnects by itself; the failures of requests meanwhile reach their callers as store_failure.
  redis.on('error', (err: Error) => options.logger?.warn({ err }, 'Redis session store: connection error'));
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new TwinflowError(ErrorCode.StoreFailure, `Redis at ${options.url} is unreachable`, { cause: err });
  }
  const wrap = async <T>(what: string, op: () => Promise<T>): Promise<T> => {
    try {
      return await op();
    } catch (err) {
      throw new TwinflowError(ErrorCode.StoreFailure, `Redis ${what} failed`, { cause: err });
    }
  };
  return {
    kind: 'redis',
    get: (id, ttlMs) =>
      wrap('GETEX', async () => {
        const json = await redis.getex(prefix + id, 'PX', Math.max(1, Math.round(ttlMs)));
        return json === null ? undefined : (JSON.parse(json) as JsonObject);
      }),
    put: (id, doc, ttlMs) =>
      wrap('SET', async () => {
        await redis.set(prefix + id, JSON.stringify(doc), 'PX', Math.max(1, Math.round(ttlMs)));
      }),
    delete: (id) => wrap('DEL', async () => (await redis.del(prefix + id)) > 0),
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
