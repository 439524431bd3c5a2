import { describe, expect, it } from 'vitest';
import * as twinflow from '../src/index.ts';
import { createMemoryStorage, DeviceSimulator, Engine, IoTWorkflow } from '../src/index.ts';
import { silentLogger } from './support/logger.ts';

describe('the public API (src/index.ts)', () => {
  it("runs the iotflow seed's example through the package entry: twins, a workflow, the simulator, metrics", async () => {
    const engine = new Engine({ storage: createMemoryStorage(), logger: silentLogger, processMetrics: false, ingest: { maxDelayMs: 1 } });
    await engine.start();
    const sensors = Array.from({ length: 5 }, (_, i) => `temp-sensor-${String(i + 1).padStart(3, '0')}`);
    for (const id of sensors) await engine.registry.upsert('default', { id, groups: ['temperature_sensors'] }, 'test');

    const workflow = new IoTWorkflow('hvac_optimization').addStreamProcessor('temperature_monitoring', {
      sources: [{ group: 'temperature_sensors' }],
      window: { type: 'tumbling', size: '5m' },
      processing: [
        { type: 'filter', expression: 'temperature > 0 and temperature < 50' },
        {
          type: 'aggregate',
          by: ['device_id'],
          functions: [
            { name: 'avg_temp', function: 'avg', field: 'temperature' },
            { name: 'max_temp', function: 'max', field: 'temperature' },
            { name: 'min_temp', function: 'min', field: 'temperature' },
          ],
        },
      ],
      patterns: [{ name: 'high_temperature', condition: 'avg_temp > 30 for 3 consecutive windows', actions: ['log_anomaly'] }],
    });
    const execution = await engine.deploy(workflow);

    const simulator = new DeviceSimulator(sensors.map((id) => ({ id, group: 'temperature_sensors' })));
    const scenario = simulator.createScenario('summer_afternoon');
    scenario.add_temperature_pattern({ group: 'temperature_sensors', base_value: 33, random_variance: 0.5, time_pattern: 'constant' });
    scenario.interval = 60;
    const start = Date.UTC(2026, 6, 1, 12);
    const publisher = {
      publish: async (topic: string, payload: string) => {
        const [, tenant, twin] = topic.split('/');
        await engine.ingest.accept(tenant!, twin!, JSON.parse(payload)).durable;
      },
    };
    await simulator.runScenario(scenario, { duration: '1h', accelerated: true, start, sleep: async () => {}, publisher, seed: 3 });

    const metrics = execution.getMetrics();
    expect(metrics).toMatchObject({ events_processed: 5 * 60 });
    expect(metrics.patterns_detected).toBe(5);
    await engine.close();
  });

  it('exports what the design names and nothing wholesale', () => {
    expect(Object.keys(twinflow).sort()).toEqual(
      expect.arrayContaining(['Engine', 'WorkflowEngine', 'IoTWorkflow', 'DeviceSimulator', 'compileExpression', 'integrate', 'createMemoryStorage', 'openStorage', 'buildServer']),
    );
    const compiled = twinflow.compileExpression('max(a, 2) * 3');
    expect(compiled.ok && compiled.expression.evaluate((p) => (p === 'a' ? 5 : undefined))).toBe(15);
  });
});
