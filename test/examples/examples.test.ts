import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { scanTwinFiles } from '../../src/registry/scan.ts';
import type { TwinSpec } from '../../src/core/types.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const EXAMPLES = join(ROOT, 'examples');

describe('the examples', () => {
  it('every example twin.yaml parses without problems', async () => {
    const scanned = await scanTwinFiles(join(EXAMPLES, 'twins'));

    const problems = scanned.flatMap((s) => (s.result.ok ? [] : s.result.problems.map((p) => `${p.path}: ${p.message}`)));
    expect(problems).toEqual([]);
    expect(scanned.length).toBeGreaterThanOrEqual(3);
  });

  it('the example twins are the demo’s: motor-001 with its Kalman block, a lift, an HVAC unit, an energy meter', async () => {
    const specs = await exampleSpecs();
    const byId = new Map(specs.map((s) => [s.id, s]));

    expect(byId.get('motor-001')).toMatchObject({
      model: 'motor_sensor',
      blocks: [{ use: 'kalman', input: 'temperature', params: { process_noise: 0.01, measurement_noise: 0.1 } }],
    });
    expect(byId.get('lift-001')?.model).toBe('lift');
    expect(byId.get('hvac-ahu-01')?.model).toBe('hvac_unit');
    expect(byId.get('energy-meter-3')?.model).toBe('energy_meter');
  });

  it('every relationship target and dependency names an example twin', async () => {
    const specs = await exampleSpecs();
    const ids = new Set(specs.map((s) => s.id));

    const dangling = specs.flatMap((s) =>
      [...s.relationships.map((r) => r.target), ...(s.dependencies.static ?? []), ...(s.dependencies.dynamic ?? [])]
        .filter((target) => !ids.has(target))
        .map((target) => `${s.id} → ${target}`),
    );
    expect(dangling).toEqual([]);
  });

  it('the demo config validates, with the embedded broker, the store in ./data of the working directory, and registration of unknown twins', async () => {
    const cwd = '/somewhere/the/repo';
    const config = await loadConfig({ file: join(EXAMPLES, 'twinflow.yaml'), env: {}, cwd });

    expect(config.mqtt.embedded).toBe(true);
    expect(config.storage.url).toBe(`sqlite:${cwd}/data/twinflow.db`);
    expect(config.twins).toEqual([join(EXAMPLES, 'twins')]);
    expect(config.ingest.unknown_twins).toBe('register');
    expect(config.simulator.enabled).toBe(true);
    expect(config.http).toEqual({ host: '127.0.0.1', port: 8080 });
  });
});

async function exampleSpecs(): Promise<TwinSpec[]> {
  const scanned = await scanTwinFiles(join(EXAMPLES, 'twins'));
  return scanned.flatMap((s) => (s.result.ok ? [s.result.spec] : []));
}
