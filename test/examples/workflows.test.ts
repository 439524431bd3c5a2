import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseWorkflow } from '../../src/core/workflow/definition.ts';

describe('example workflows', () => {
  it('examples/workflows/motor-watch.yaml is a valid workflow', () => {
    const r = parseWorkflow(parse(readFileSync(new URL('../../examples/workflows/motor-watch.yaml', import.meta.url), 'utf8')));
    expect(r.ok ? [] : r.problems).toEqual([]);
  });
});

describe('the iotflow seed', () => {
  it("the seed's hvac_optimization dictionaries are a valid workflow, unchanged", async () => {
    const { IoTWorkflow } = await import('../../src/core/workflow/builder.ts');
    const w = new IoTWorkflow('hvac_optimization')
      .addStreamProcessor('temperature_monitoring', {
        sources: [{ group: 'temperature_sensors', topic: 'telemetry/+/temperature', mapping: { device_id: 'topic[1]', temperature: 'payload.value' } }],
        window: { type: 'tumbling', size: '5m' },
        processing: [
          { type: 'filter', expression: 'temperature > 0 and temperature < 50' },
          { type: 'aggregate', by: ['device_id'], functions: [
            { name: 'avg_temp', function: 'avg', field: 'temperature' },
            { name: 'max_temp', function: 'max', field: 'temperature' },
            { name: 'min_temp', function: 'min', field: 'temperature' },
          ] },
        ],
        patterns: [
          { name: 'temperature_anomaly', condition: 'max_temp - min_temp > 5 within 5m', actions: ['log_anomaly', 'update_twin'] },
          { name: 'high_temperature', condition: 'avg_temp > 30 for 3 consecutive windows', actions: ['activate_cooling'] },
        ],
      })
      .addCommandSequence('activate_cooling', {
        target: { group: 'hvac_controllers', selection: 'nearest', parameters: { to_device: 'context.device_id' } },
        steps: [{ command: 'set_mode', parameters: { mode: 'cool' } }, { command: 'set_temperature', parameters: { temperature: 23.5 } }, { command: 'set_fan_speed', parameters: { speed: 'auto' } }],
        error_handling: { strategy: 'retry', max_attempts: 3, backoff: 'exponential' },
      })
      .setEdgeDistribution({
        temperature_monitoring: { components: ['filter', 'aggregate'], edge_resources: { min_memory_mb: 64, min_cpu_ghz: 1.0 }, optimization: 'latency' },
        activate_cooling: { components: ['nearest_selection', 'command_execution'], edge_resources: { min_memory_mb: 32, min_cpu_ghz: 0.5 }, optimization: 'reliability' },
      })
      .addTelemetryAggregation('energy_monitoring', {
        sources: [{ group: 'power_meters', topic: 'telemetry/+/power', mapping: { device_id: 'topic[1]', power: 'payload.value' } }],
        dimensions: ['building', 'floor', 'zone'],
        metrics: [
          { name: 'total_power', function: 'sum', field: 'power' },
          { name: 'avg_power_per_device', function: 'avg', field: 'power' },
          { name: 'peak_power', function: 'max', field: 'power' },
        ],
        windows: [{ name: 'real_time', duration: '1m' }, { name: 'hourly', duration: '1h' }, { name: 'daily', duration: '1d' }],
      })
      .configureTwinSync({
        temperature_sensors: { telemetry_mapping: { temperature: 'payload.temperature' }, update_frequency: '1m', conflict_resolution: 'latest_timestamp' },
        hvac_controllers: { command_acknowledgment: { method: 'reported_properties', timeout: '30s', retry_strategy: 'exponential_backoff' }, state_consistency: { validation: 'command_vs_reported', healing: 'auto' } },
      });
    const r = parseWorkflow(w.toDocument());
    expect(r.ok ? [] : r.problems).toEqual([]);
    if (!r.ok) return;
    expect(r.workflow.processors[0]!.patterns.map((p) => p.actions.map((a) => a.type))).toEqual([['log_anomaly', 'update_twin'], ['sequence']]);
    expect(Object.keys(r.workflow.edgeDistribution)).toEqual(['temperature_monitoring', 'activate_cooling']);
    expect(Object.keys(r.workflow.twinSync)).toEqual(['temperature_sensors', 'hvac_controllers']);
  });
});
