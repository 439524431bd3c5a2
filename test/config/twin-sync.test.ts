/** The config's top-level `twin_sync` section (DESIGN §5.5): checked at load, applied through `shadows.onTwinSync`. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryStorage } from '../../src/adapters/memory/storage.ts';
import { parseConfig } from '../../src/config/parse.ts';
import { ValidationError } from '../../src/core/errors.ts';
import { ConflictPolicy } from '../../src/core/twin/shadow-update.ts';
import { ManualClock } from '../../src/engine/clock.ts';
import { Engine } from '../../src/engine/engine.ts';
import { silentLogger } from '../support/logger.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const parse = (text: string) => parseConfig(text, { env: {}, sourcePath: '/etc/twinflow/twinflow.yaml', cwd: '/work/site' });

const SECTION = `
twin_sync:
  pumps:
    telemetry_mapping:
      temperature: payload.temperature
    update_frequency: 1m
    conflict_resolution: device_wins
    command_acknowledgment:
      method: reported_properties
      timeout: 30s
      retry_strategy: exponential_backoff
    state_consistency:
      healing: auto
  "*":
    telemetry_mapping:
      level: payload.level
`;

let engine: Engine;
beforeEach(async () => {
  engine = new Engine({ storage: createMemoryStorage(), clock: new ManualClock(T0), logger: silentLogger, processMetrics: false });
  await engine.start();
});
afterEach(() => engine.close());

describe('config twin_sync', () => {
  it('given no twin_sync section, then the config has none', () => {
    expect(parse('').twin_sync).toBeUndefined();
  });

  it('given a section in the workflow shape, when applied at start, then each group gets its settings and * covers the rest', async () => {
    const config = parse(SECTION);
    engine.shadows.onTwinSync(config.tenant, 'config', config.twin_sync);
    await engine.registry.upsert('default', { id: 'pump-1', groups: ['pumps'] }, 'test');
    await engine.registry.upsert('default', { id: 'tank-1' }, 'test');
    expect(engine.shadows.settingsFor('default', 'pump-1')).toMatchObject({
      telemetryMapping: { temperature: 'payload.temperature' },
      updateFrequencyMs: 60_000,
      conflictResolution: ConflictPolicy.DeviceWins,
      acknowledgment: { timeoutMs: 30_000 },
      healing: true,
    });
    expect(engine.shadows.settingsFor('default', 'tank-1')).toMatchObject({ telemetryMapping: { level: 'payload.level' }, healing: false });
  });

  it('given a mistake in a group, then loading the config fails naming the group and the setting', () => {
    let error: unknown;
    try {
      parse('twin_sync:\n  pumps:\n    update_frequency: soon\n    conflict_resolution: loudest\n');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const message = (error as Error).message;
    expect(message).toContain('twin_sync.pumps.update_frequency: must be a duration');
    expect(message).toContain('twin_sync.pumps.conflict_resolution: must be one of');
  });
});
