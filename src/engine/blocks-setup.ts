import { randomUUID } from 'node:crypto';
import { createMemorySessionStore } from '../adapters/memory/session-store.ts';
import type { DocumentStore, Logger, SessionStore } from '../ports.ts';
import { BlockRegistry } from './block-registry.ts';
import { BlockRegistryStore } from './block-registry-store.ts';
import { WorkerBlock } from './worker-block.ts';
import { BlockRunner } from './blocks.ts';
import type { Engine } from './engine.ts';
import { SimulationService } from './simulation.ts';

export interface BlocksSetup {
  registry: BlockRegistry;
  runner: BlockRunner;
  simulation: SimulationService;
  /** Resolves with how many stored block versions were put back into the registry (0 without `documents`). */
  restored: Promise<number>;
  close(): Promise<void>;
}

/** Model blocks on an engine's telemetry plus simulation sessions: what `twinflow up` adds to the engine. */
export function startBlocks(
  engine: Engine,
  options: { baseDir: string; ttlMs: number; logger: Logger; sessions?: SessionStore; documents?: DocumentStore },
): BlocksSetup {
  const registry = new BlockRegistry({ now: () => engine.clock.now() });
  let restored = Promise.resolve(0);
  if (options.documents !== undefined) {
    const store = new BlockRegistryStore(options.documents);
    const log = options.logger.child({ component: 'block-registry' });
    // Stored versions come back as worker-thread blocks on their module path: their code is untrusted like any module's.
    restored = store
      .restoreInto(registry, (meta) => () =>
        new WorkerBlock({ modulePath: meta.modulePath ?? meta.name, baseDir: options.baseDir, version: meta.version, clock: engine.clock, logger: log }),
      )
      .catch((err: unknown) => {
        log.error({ err }, 'block registry: stored versions could not be read; only built-ins are listed');
        return 0;
      })
      .finally(() => registry.onRegister((entry) => void store.save(entry).catch((err: unknown) => log.error({ err }, 'block registry: a version was not stored'))));
  }
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
    restored,
    close: async () => {
      await runner.close();
      await sessions.close();
    },
  };
}
