import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { createMemoryStorage } from '../../src/adapters/memory/storage.ts';
import { createMemorySessionStore } from '../../src/adapters/memory/session-store.ts';
import { BlockRegistry } from '../../src/engine/block-registry.ts';
import { BlockRunner } from '../../src/engine/blocks.ts';
import type { Clock, SessionStore } from '../../src/ports.ts';
import { Engine } from '../../src/engine/engine.ts';
import { SimulationService } from '../../src/engine/simulation.ts';
import { buildServer } from '../../src/server/app.ts';
import { silentLogger } from './logger.ts';

/** An engine on memory storage with the block runner, simulation sessions and their routes. */
export async function blocksApp(options: { clock?: Clock; sessions?: SessionStore; ttlMs?: number; timeoutMs?: number; baseDir?: string; restartBackoffMs?: readonly number[] } = {}) {
  const storage = createMemoryStorage();
  const engine = new Engine({
    storage,
    logger: silentLogger,
    processMetrics: false,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ingest: { unknownTwins: 'reject', maxDelayMs: 1 },
  });
  await engine.start();
  const registry = new BlockRegistry();
  const runner = new BlockRunner({
    ingest: engine.ingest,
    registry: engine.registry,
    blocks: registry,
    bus: engine.bus,
    clock: engine.clock,
    logger: silentLogger,
    metrics: engine.metrics.registry,
    baseDir: options.baseDir ?? process.cwd(),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.restartBackoffMs === undefined ? {} : { restartBackoffMs: options.restartBackoffMs }),
  });
  runner.start();
  const sessions = options.sessions ?? createMemorySessionStore(engine.clock);
  const simulation = new SimulationService({
    sessions,
    blocks: registry,
    clock: engine.clock,
    logger: silentLogger,
    registry: engine.registry,
    latest: (tenant, id) => engine.latest(tenant, id),
    runner,
    bus: engine.bus,
    newId: randomUUID,
    ...(options.ttlMs === undefined ? {} : { ttlMs: options.ttlMs }),
  });
  const app: FastifyInstance = await buildServer({ engine, simulation, blocks: { registry, runner } });
  return {
    engine,
    app,
    registry,
    runner,
    simulation,
    close: async () => {
      await runner.close();
      await engine.close();
      await app.close();
      await sessions.close();
      await storage.close();
    },
  };
}
