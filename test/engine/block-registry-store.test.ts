import { describe, expect, it } from 'vitest';
import { createMemoryStorage } from '../../src/adapters/memory/storage.ts';
import type { BlockDefinition } from '../../src/core/blocks/model-block.ts';
import { BlockRegistry, BlockSource } from '../../src/engine/block-registry.ts';
import { BlockRegistryStore } from '../../src/engine/block-registry-store.ts';

const echo = (version: string): BlockDefinition => ({
  name: 'echo', version, description: `echo ${version}`, params: { gain: { default: 1, description: 'multiplier' } },
  create: () => ({ init() {}, process: (m) => ({ raw_value: m.value, twin_estimate: m.value, anomaly_flag: false }), shutdown() {} }),
});

describe('block registry metadata in storage.documents', () => {
  it('given versions registered from modules, when the registry restarts on the same store, then they are listed again with their metadata', async () => {
    const storage = createMemoryStorage();
    const store = new BlockRegistryStore(storage.documents);
    const saves: Promise<void>[] = [];
    const before = new BlockRegistry();
    before.onRegister((entry) => saves.push(store.save(entry)));
    before.register(echo('1.0.0'), BlockSource.Module, './blocks/echo.ts:Echo', 1_000);
    before.register(echo('1.2.0'), BlockSource.Module, './blocks/echo.ts:Echo', 2_000);
    await Promise.all(saves);

    const after = new BlockRegistry();
    const created: string[] = [];
    const restored = await new BlockRegistryStore(storage.documents).restoreInto(after, (meta) => {
      created.push(`${meta.modulePath}@${meta.version}`);
      return echo(meta.version).create;
    });
    expect(restored).toBe(2);
    expect(after.describe('echo')).toEqual(before.describe('echo'));
    expect(after.resolve('echo').definition.version).toBe('1.2.0');
    expect(created).toEqual(['./blocks/echo.ts:Echo@1.0.0', './blocks/echo.ts:Echo@1.2.0']);
    // Built-ins come with the code, not from the store.
    expect((await store.load()).map((m) => m.name)).toEqual(['echo', 'echo']);
    await storage.close();
  });
});
