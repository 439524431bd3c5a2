import { describe, expect, it } from 'vitest';
import { createMemoryStorage } from '../../src/adapters/memory/storage.ts';
import { EventType, type TwinEvent } from '../../src/core/types.ts';
import { IoTWorkflow } from '../../src/core/workflow/builder.ts';
import { ManualClock } from '../../src/engine/clock.ts';
import { Engine } from '../../src/engine/engine.ts';
import { WorkflowEngine } from '../../src/engine/workflows.ts';
import { buildServer } from '../../src/server/app.ts';
import type { Storage } from '../../src/ports.ts';
import { silentLogger } from '../support/logger.ts';

const T0 = Date.UTC(2026, 0, 1);
const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise<void>((r) => setImmediate(r));
};

function workflow(): IoTWorkflow {
  return new IoTWorkflow('motor_watch')
    .addStreamProcessor('temperature_monitoring', {
      sources: [{ twins: ['m1', 'm2'] }],
      window: { type: 'tumbling', size: '1m' },
      processing: [
        { type: 'filter', expression: 'temperature > 0 and temperature < 150' },
        { type: 'aggregate', by: ['device_id'], functions: [
          { name: 'avg_temp', function: 'avg', field: 'temperature' },
          { name: 'max_temp', function: 'max', field: 'temperature' },
          { name: 'min_temp', function: 'min', field: 'temperature' },
        ] },
      ],
      patterns: [
        { name: 'high_temperature', condition: 'avg_temp > 80 for 2 consecutive windows clear when avg_temp < 70', actions: ['raise_alarm', 'log_anomaly', 'cool_down'] },
      ],
    })
    .addCommandSequence('cool_down', { steps: [{ command: 'set_fan', parameters: { speed: 'high' } }] })
    .addTelemetryAggregation('fleet', {
      sources: [{ twins: ['m1', 'm2', 'm3', 'm4', 'm5'] }],
      dimensions: ['zone'],
      metrics: [{ name: 'avg_t', function: 'avg', field: 'temperature' }, { name: 'p95_t', function: 'p95', field: 'temperature' }],
      windows: [{ name: 'real_time', duration: '1m' }],
      kpis: { spread: 'p95_t - avg_t' },
      outliers: { field: 'temperature', rules: ['mad'] },
    });
}

async function given(storage: Storage = createMemoryStorage(), clock = new ManualClock(T0)) {
  const engine = new Engine({ storage, logger: silentLogger, clock, processMetrics: false, ingest: { maxDelayMs: 1 } });
  await engine.start();
  for (const id of ['m1', 'm2', 'm3', 'm4', 'm5']) await engine.registry.upsert('default', { id, dimensions: { zone: id === 'm5' ? 'b' : 'a' } }, 'test');
  const sequences: string[] = [];
  const workflows = new WorkflowEngine({ engine, startSequence: async (_t, name, ctx) => (sequences.push(`${name}:${String(ctx.device_id)}`), 'run-1'), tickMs: 1000 });
  await workflows.start();
  const events: TwinEvent[] = [];
  const sub = engine.bus.subscribe({});
  void (async () => {
    for await (const e of sub) events.push(e);
  })();
  const send = (id: string, ts: number, temperature: number) => engine.ingest.accept('default', id, { ts, temperature });
  return { engine, workflows, events, sequences, clock, send, storage };
}

describe('workflow engine', () => {
  it('runs a deployed workflow on twin telemetry: one alarm and one sequence per episode, hysteresis, metrics', async () => {
    const { workflows, events, sequences, send, clock, engine } = await given();
    const exec = await workflows.deploy(workflow());
    const temps = [85, 86, 90, 75, 60, 85, 85];
    temps.forEach((t, i) => send('m1', T0 + i * 60_000 + 1000, t));
    send('m1', T0 + temps.length * 60_000 + 1000, 50);
    await settle();
    const detected = events.filter((e) => e.type === EventType.PatternDetected);
    expect(detected.map((e) => e.data.window)).toEqual([
      { start: new Date(T0 + 60_000).toISOString(), end: new Date(T0 + 120_000).toISOString() },
      { start: new Date(T0 + 360_000).toISOString(), end: new Date(T0 + 420_000).toISOString() },
    ]);
    expect(detected[0]!.twinId).toBe('m1');
    expect(sequences).toEqual(['cool_down:m1', 'cool_down:m1']);
    expect(events.filter((e) => e.type === EventType.AlarmRaised)).toHaveLength(2);
    expect(events.filter((e) => e.type === EventType.AlarmCleared)).toHaveLength(1);
    const alarms = await workflows.alarms('default', 'active');
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toMatchObject({ severity: 'major', status: 'active', acknowledged: false });
    await workflows.acknowledgeAlarm('default', String(alarms[0]!.id), 'op');
    expect((await workflows.alarms('default', 'active'))[0]).toMatchObject({ acknowledged: true, status: 'active' });
    const m = exec.getMetrics(clock.now());
    expect(m).toMatchObject({ events_processed: 16, patterns_detected: 2, detected_patterns: { high_temperature: 2 }, commands_issued: 2 });
    await workflows.close();
    await engine.close();
  });

  it('group statistics: per dimension and whole group, KPIs, MAD outliers as anomaly.detected', async () => {
    const { workflows, events, send, engine } = await given();
    await workflows.deploy(workflow());
    ['m1', 'm2', 'm3', 'm4'].forEach((id, i) => send(id, T0 + 1000, 20 + i * 0.5));
    send('m5', T0 + 2000, 95);
    send('m1', T0 + 61_000, 20);
    await settle();
    const r = workflows.aggregation('default', 'motor_watch', 'fleet', 'real_time');
    const all = r.groups.find((g) => g.group === '*')!;
    expect(all.values.avg_t).toBeCloseTo((20 + 20.5 + 21 + 21.5 + 95) / 5);
    expect(all.values.spread).toBeCloseTo((all.values.p95_t as number) - (all.values.avg_t as number));
    expect(r.groups.find((g) => g.group === 'zone=b')!.values.avg_t).toBe(95);
    const anomalies = events.filter((e) => e.type === EventType.AnomalyDetected);
    expect(anomalies.map((e) => [e.data.device, e.data.rule, e.data.metric])).toEqual([['m5', 'mad', 'temperature']]);
    await workflows.close();
    await engine.close();
  });

  it('allowed_lateness of a telemetry aggregation: a reading behind the newest still counts until the window closes', async () => {
    const { workflows, send, engine } = await given();
    await workflows.deploy({
      name: 'late_fleet',
      telemetry_aggregations: {
        fleet: { sources: [{ twins: ['m1', 'm2'] }], metrics: [{ name: 'n', function: 'count' }], windows: [{ name: 'm', duration: '1m' }], allowed_lateness: '30s' },
      },
    });
    send('m1', T0 + 50_000, 1);
    send('m1', T0 + 70_000, 1); // the watermark is now T0 + 40 s: [T0, T0 + 1 m) stays open
    send('m2', T0 + 55_000, 1); // 15 s behind: counted
    send('m2', T0 + 95_000, 1); // closes the first minute
    send('m2', T0 + 10_000, 1); // too late
    await settle();
    const r = workflows.aggregation('default', 'late_fleet', 'fleet');
    expect(r.groups.map((g) => [g.start - T0, g.values.n])).toEqual([[0, 2]]);
    expect(workflows.get('default', 'late_fleet').getMetrics(T0)).toMatchObject({ late: 1 });
    await workflows.close();
    await engine.close();
  });

  it('evaluation state survives a restart: an episode open before it is not reported again', async () => {
    const storage = createMemoryStorage();
    const first = await given(storage);
    await first.workflows.deploy(workflow());
    first.send('m1', T0 + 1000, 85);
    first.send('m1', T0 + 61_000, 85);
    first.send('m1', T0 + 121_000, 85);
    await settle();
    expect(first.events.filter((e) => e.type === EventType.PatternDetected)).toHaveLength(1);
    await first.workflows.close();
    await first.engine.close();
    const second = await given(storage, new ManualClock(T0 + 130_000));
    expect(second.workflows.list('default').map((e) => e.name)).toEqual(['motor_watch']);
    second.send('m1', T0 + 181_000, 85);
    second.send('m1', T0 + 241_000, 60);
    second.send('m1', T0 + 301_000, 60);
    await settle();
    expect(second.events.filter((e) => e.type === EventType.PatternDetected)).toHaveLength(0);
    expect(second.events.filter((e) => e.type === EventType.AlarmCleared)).toHaveLength(1);
    await second.workflows.close();
    await second.engine.close();
  });

  it('HTTP: refuses an invalid workflow with every problem and the column, deploys, lists, metrics, deletes', async () => {
    const { workflows, engine } = await given();
    const app = await buildServer({ engine, workflows });
    const bad = await app.inject({
      method: 'POST',
      url: '/api/workflows',
      payload: {
        name: 'w',
        stream_processors: {
          p: { sources: [{ topic: 'telemetry/+/temperature', mapping: { device_id: 'topic[1]', temperature: 'payload.value' } }], window: { type: 'tumbling', size: 'soon' },
            processing: [{ type: 'filter', expression: 'temperature >> 3' }], patterns: [{ name: 'x', condition: 'foo(1) for 2 consecutive windows', actions: ['activate_cooling'] }] },
        },
      },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details).toEqual([
      { path: 'stream_processors.p.window.size', message: 'must be a duration such as 30s, 5m or 1h, not "soon"' },
      { path: 'stream_processors.p.processing[0].expression', message: 'column 14: unexpected ">"' },
      { path: 'stream_processors.p.patterns[0].condition', message: 'column 1: unknown function "foo" (known: abs, min, max, round, floor, ceil, sqrt, exp, log, pow, clamp)' },
      { path: 'stream_processors.p.patterns[0].actions[0]', message: '"activate_cooling" is neither an action (log_anomaly, update_twin, publish, webhook, raise_alarm) nor a command sequence of this workflow' },
    ]);
    const ok = await app.inject({ method: 'POST', url: '/api/workflows', payload: workflow().toDocument() });
    expect(ok.statusCode).toBe(201);
    expect((await app.inject({ method: 'POST', url: '/api/workflows', payload: workflow().toDocument() })).statusCode).toBe(200);
    expect((await app.inject({ url: '/api/workflows' })).json().items.map((i: { name: string }) => i.name)).toEqual(['motor_watch']);
    expect((await app.inject({ url: '/api/workflows/motor_watch/metrics' })).json()).toMatchObject({ workflow: 'motor_watch', events_processed: 0 });
    expect((await app.inject({ url: '/api/workflows/motor_watch/aggregations/fleet?window=real_time' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'DELETE', url: '/api/workflows/motor_watch' })).statusCode).toBe(204);
    expect((await app.inject({ url: '/api/workflows/motor_watch' })).statusCode).toBe(404);
    await app.close();
    await workflows.close();
    await engine.close();
  });

  it('maps raw MQTT topics through topic[N] and payload paths, with payload event time', async () => {
    const { workflows, engine } = await given();
    const exec = await workflows.deploy({
      name: 'raw',
      stream_processors: {
        p: { sources: [{ topic: 'telemetry/+/temperature', mapping: { device_id: 'topic[1]', temperature: 'payload.value' } }], window: { type: 'tumbling', size: '1m' },
          processing: [{ type: 'aggregate', by: ['device_id'], functions: [{ name: 'n', function: 'count' }] }] },
      },
    });
    const msg = (topic: string, body: unknown) => ({ topic, payload: new TextEncoder().encode(JSON.stringify(body)), receivedAt: T0, qos: 1 as const, ack: () => undefined });
    engine.ingest.onMessage(msg('telemetry/s1/temperature', { value: 21, ts: T0 + 5 }));
    engine.ingest.onMessage(msg('telemetry/s1/humidity', { value: 50 }));
    engine.ingest.onMessage(msg('telemetry/s2/temperature', 'not json{'));
    expect(exec.processors.get('p')!.processor.counters.processed).toBe(2);
    await workflows.close();
    await engine.close();
  });
});
