import type { FastifyInstance } from 'fastify';
import { createMemoryStorage } from '../../src/adapters/memory/storage.ts';
import { Engine } from '../../src/engine/engine.ts';
import { buildServer } from '../../src/server/app.ts';
import { silentLogger } from './logger.ts';

/** An engine on in-memory storage with its HTTP app, for route tests through `inject`. */
export async function testApp(options: { unknownTwins?: 'reject' | 'register'; heartbeatMs?: number } = {}): Promise<{
  engine: Engine;
  app: FastifyInstance;
  close: () => Promise<void>;
}> {
  const storage = createMemoryStorage();
  const engine = new Engine({
    storage,
    logger: silentLogger,
    processMetrics: false,
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
