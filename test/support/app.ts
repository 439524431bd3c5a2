import type { FastifyInstance } from 'fastify';
import { createMemoryStorage } from '../../src/adapters/memory/storage.ts';
import { Engine } from '../../src/engine/engine.ts';
import { systemClock } from '../../src/engine/clock.ts';
import type { Clock } from '../../src/ports.ts';
import { buildServer } from '../../src/server/app.ts';
import { silentLogger } from './logger.ts';

/** An engine on in-memory storage with its HTTP app, for route tests through `inject`. */
export async function testApp(options: { unknownTwins?: 'reject' | 'register'; heartbeatMs?: number; clock?: Clock } = {}): Promise<{
  engine: Engine;
  app: FastifyInstance;
  close: () => Promise<void>;
}> {
  const storage = createMemoryStorage();
  const engine = new Engine({
    storage,
    logger: silentLogger,
    processMetrics: false,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ingest: { unknownTwins: options.unknownTwins ?? 'reject', maxDelayMs: 1 },
  });
  await engine.start();
  const app = await buildServer({ engine, ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }) });
  return {
    engine,
    app,
    close: async () => {
      await engine.close();
      await app.close();
      await storage.close();
    },
  };
}

/**
 * The wall clock, but never the same millisecond twice: tests that reconstruct state "at a time" need each change to
 * have its own time, however fast the machine runs them.
 */
export function strictlyIncreasingClock(): Clock {
  let last = 0;
  return { now: () => (last = Math.max(Date.now(), last + 1)), setTimeout: systemClock.setTimeout };
}
