import { randomUUID } from 'node:crypto';
import { createMemorySessionStore } from '../adapters/memory/session-store.ts';
import type { Logger, SessionStore } from '../ports.ts';
import { BlockRegistry } from './block-registry.ts';
import { BlockRunner } from './blocks.ts';
import type { Engine } from './engine.ts';
import { SimulationService } from './simulation.ts';

export interface BlocksSetup {
  registry: BlockRegistry;
  runner: BlockRunner;
  simulation: SimulationService;
  close(): Promise<void>;
}

/** Model blocks on an engine's telemetry plus simulation sessions: what `twinflow up` adds to the engine. */
export function startBlocks(engine: Engine, options: { baseDir: string; ttlMs: number; logger: Logger; sessions?: SessionStore }): BlocksSetup {
  const registry = new BlockRegistry({ now: () => engine.clock.now() });
  const runner = new BlockRunner({
    ingest: engine.ingest,
    registry: engine.registry,
    blocks: registry,
    bus: engine.bus,
    clock: engine.clock,
    logger: options.logger.child({ component: 'blocks' }),
    metrics: engine.metrics.registry,
    baseDir: options.baseDir,
  });
  runner.start();
  const sessions = options.sessions ?? createMemorySessionStore(engine.clock);
  const simulation = new SimulationService({
    sessions,
    blocks: registry,
    clock: engine.clock,
    logger: options.logger.child({ component: 'simulation' }),
    ttlMs: options.ttlMs,
    registry: engine.registry,
    latest: (tenant, id) => engine.latest(tenant, id),
    runner,
    bus: engine.bus,
    newId: randomUUID,
  });
  return {
    registry,
    runner,
    simulation,
    close: async () => {
      await runner.close();
      await sessions.close();
    },
  };
}
