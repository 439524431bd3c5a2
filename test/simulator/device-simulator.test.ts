import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCsvSink } from '../../src/adapters/sinks/csv.ts';
import { toLine } from '../../src/adapters/sinks/influx.ts';
import { DeviceSimulator } from '../../src/simulator/device-simulator.ts';
import { loadScenarioFile } from '../../src/simulator/scenario-file.ts';
import { silentLogger } from '../support/logger.ts';

const collect = () => {
  const sent: { topic: string; doc: Record<string, number> }[] = [];
  return { sent, publisher: { publish: async (topic: string, payload: string) => void sent.push({ topic, doc: JSON.parse(payload) }) } };
};
const noSleep = async () => {};

describe('DeviceSimulator (iotflow seed)', () => {
  it("runs the seed's summer_afternoon scenario, accelerated, reproducibly", async () => {
    const devices = [{ id: 's1', group: 'temperature_sensors' }, { id: 's2', group: 'temperature_sensors' }, { id: 'm1', group: 'motors' }];
    const run = async () => {
      const simulator = new DeviceSimulator(devices);
      const scenario = simulator.create_scenario('summer_afternoon');
      scenario.add_temperature_pattern({ group: 'temperature_sensors', base_value: 28.5, random_variance: 1.5, time_pattern: 'sine_wave', period: '24h', amplitude: 5.0 });
      scenario.interval = 60;
      const { sent, publisher } = collect();
      const summary = await simulator.run_scenario(scenario, { duration: '1h', accelerated: true, start: 0, sleep: noSleep, publisher, seed: 7 });
      return { sent, summary };
    };
    const a = await run();
    const b = await run();
    expect(a.summary).toMatchObject({ messages: 120, devices: 3, simulated_seconds: 3600 });
    expect(a.sent[0]!.topic).toBe('tf/default/s1/telemetry');
    expect(a.sent.every((m) => !m.topic.includes('/m1/'))).toBe(true);
    expect(b.sent).toEqual(a.sent);
    const mean = a.sent.reduce((s, m) => s + m.doc.temperature!, 0) / a.sent.length;
    expect(mean).toBeGreaterThan(28.5);
    expect(mean).toBeLessThan(31);
  });

  it('makes steps, drifts, spikes and dropouts', async () => {
    const simulator = new DeviceSimulator([{ id: 'd' }]);
    const scenario = simulator.createScenario('x')
      .addPattern({ field: 'step', time_pattern: 'step', base_value: 0, amplitude: 10, step_at: '30s' })
      .addPattern({ field: 'drift', time_pattern: 'drift', base_value: 0, drift_per_hour: 3600 })
      .addPattern({ field: 'spiky', time_pattern: 'constant', base_value: 1, spike_probability: 0.5, spike_size: 100 })
      .addPattern({ field: 'lossy', time_pattern: 'random_walk', base_value: 0, amplitude: 1, dropout_probability: 0.5 });
    const { sent, publisher } = collect();
    const summary = await simulator.runScenario(scenario, { duration: '60s', accelerated: true, start: 0, sleep: noSleep, publisher });
    expect(sent[29]!.doc.step).toBe(0);
    expect(sent[30]!.doc.step).toBe(10);
    expect(sent[10]!.doc.drift).toBe(10);
    expect(summary.spikes).toBeGreaterThan(10);
    expect(summary.dropouts).toBeGreaterThan(10);
    expect(sent.filter((m) => m.doc.lossy === undefined).length).toBe(summary.dropouts);
    expect(() => scenario.addPattern({ time_pattern: 'square' })).toThrow(/time_pattern/);
  });

  it('loads the example scenario files', async () => {
    const { simulator, scenario } = await loadScenarioFile('examples/scenarios/demo.yaml');
    expect(simulator.devices.map((d) => d.id)).toEqual(['motor-001', 'hvac-ahu-01']);
    expect(scenario.patterns).toHaveLength(3);
  });
});

describe('sinks', () => {
  it('CSV: header once per file, appends, rotates by size', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'twinflow-csv-'));
    try {
      const path = join(dir, 'out.csv');
      const record = { ts: 0, twin_id: 't', asset_id: 'a', topic: 's/t', model_version: '1', raw_value: 1, twin_estimate: 1, anomaly_flag: false, residual: 0 };
      const sink = createCsvSink({ path, maxBytes: 250, maxFiles: 2, logger: silentLogger });
      for (let i = 0; i < 12; i++) {
        await sink.write([{ ...record, ts: i }]);
        await sink.flush();
      }
      await sink.close();
      const files = (await readdir(dir)).sort();
      expect(files).toEqual(['out.csv', 'out.csv.1', 'out.csv.2']);
      for (const f of files) {
        const lines = (await readFile(join(dir, f), 'utf8')).trim().split('\n');
        expect(lines[0]).toMatch(/^ts,time,/);
        expect(lines.filter((l) => l.startsWith('ts,'))).toHaveLength(1);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('InfluxDB line protocol escapes tags and strings', () => {
    expect(toLine('twin', { ts: 5, twin_id: 'a b,c', asset_id: '', topic: 'x"y', model_version: '1.0', raw_value: 2, twin_estimate: 1.5, anomaly_flag: true, residual: 0.5 })).toBe(
      'twin,twin_id=a\\ b\\,c,asset_id=-,model_version=1.0 raw_value=2,twin_estimate=1.5,anomaly_flag=true,residual=0.5,topic="x\\"y" 5',
    );
  });
});
