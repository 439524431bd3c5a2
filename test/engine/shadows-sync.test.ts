/** Twin sync (DESIGN §5.5) given / when / then, on a manual clock: mapping, throttling, conflicts, acks, healing. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryStorage } from '../../src/adapters/memory/storage.ts';
import { EventType, type TwinEvent } from '../../src/core/types.ts';
import { UpdateOrigin } from '../../src/core/twin/shadow-update.ts';
import { ManualClock } from '../../src/engine/clock.ts';
import { Engine } from '../../src/engine/engine.ts';
import { ComponentStatus, type InboundMessage, type Transport } from '../../src/ports.ts';
import { silentLogger } from '../support/logger.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');

function fakeTransport(): Transport & { sent: { topic: string; doc: any }[]; deliver: (topic: string, doc: unknown) => Promise<void> } {
  let onMessage: ((m: InboundMessage) => void) | undefined;
  const sent: { topic: string; doc: any }[] = [];
  return {
    url: 'mqtt://fake',
    sent,
    async start(handler) {
      onMessage = handler;
    },
    async publish(topic, payload) {
      sent.push({ topic, doc: JSON.parse(String(payload)) });
    },
    status: () => ComponentStatus.Up,
    async close() {},
    deliver(topic, doc) {
      return new Promise<void>((resolve) => onMessage!({ topic, payload: new TextEncoder().encode(JSON.stringify(doc)), receivedAt: T0, qos: 1, ack: () => resolve() }));
    },
  };
}

let clock: ManualClock;
let engine: Engine;
let transport: ReturnType<typeof fakeTransport>;
let events: TwinEvent[];
const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

beforeEach(async () => {
  clock = new ManualClock(T0);
  transport = fakeTransport();
  engine = new Engine({ storage: createMemoryStorage(), transport, clock, logger: silentLogger, processMetrics: false, ingest: { maxDelayMs: 0 } });
  await engine.start();
  events = [];
  const sub = engine.bus.subscribe({});
  void (async () => {
    for await (const e of sub) events.push(e);
  })();
  await engine.registry.upsert('default', { id: 'temp-sensor-001', groups: ['temperature_sensors'] }, 'test');
  await engine.registry.upsert('default', { id: 'hvac-ctrl-001', groups: ['hvac_controllers'] }, 'test');
  engine.shadows.onTwinSync('default', 'hvac_optimization', {
    temperature_sensors: { telemetry_mapping: { temperature: 'payload.temperature', battery: 'payload.battery' }, update_frequency: '1m', conflict_resolution: 'latest_timestamp' },
    hvac_controllers: {
      command_acknowledgment: { method: 'reported_properties', timeout: '30s', retry_strategy: 'exponential_backoff', max_retries: 2 },
      state_consistency: { validation: 'command_vs_reported', healing: 'auto' },
    },
  });
});
afterEach(async () => {
  await engine.close();
});

const cloud = (id: string, doc: unknown) => engine.shadows.update('default', id, doc, { source: 'test', origin: UpdateOrigin.Cloud });
const device = (id: string, doc: unknown) => engine.shadows.update('default', id, doc, { source: 'device', origin: UpdateOrigin.Device });

describe('twin sync', () => {
  it('given a telemetry mapping with update_frequency 1m, when readings stream in, then reported follows at most once a minute', async () => {
    engine.ingest.accept('default', 'temp-sensor-001', { temperature: 21.5, battery: 90, humidity: 40 });
    await settle();
    expect((await engine.shadows.get('default', 'temp-sensor-001')).state.reported).toEqual({ temperature: 21.5, battery: 90 });
    clock.advance(10_000);
    engine.ingest.accept('default', 'temp-sensor-001', { temperature: 22 });
    clock.advance(10_000);
    engine.ingest.accept('default', 'temp-sensor-001', { temperature: 22.5 });
    await settle();
    expect((await engine.shadows.get('default', 'temp-sensor-001')).version).toBe(1);
    clock.advance(40_000);
    await settle();
    const doc = await engine.shadows.get('default', 'temp-sensor-001');
    expect(doc.state.reported).toEqual({ temperature: 22.5, battery: 90 });
    expect(doc.version).toBe(2);
  });

  it('given latest_timestamp, when a report older than the stored leaf arrives, then state keeps the newer value and history keeps the old one', async () => {
    await device('temp-sensor-001', { state: { reported: { temperature: 25 } }, timestamp: T0 + 5000 });
    const late = await device('temp-sensor-001', { state: { reported: { temperature: 19, battery: 80 } }, timestamp: T0 + 1000 });
    expect(late.state).toEqual({ reported: { battery: 80 } });
    expect((await engine.shadows.get('default', 'temp-sensor-001')).state.reported).toEqual({ temperature: 25, battery: 80 });
    const history = await engine.shadows.history('default', 'temp-sensor-001', {});
    expect(history[1]).toMatchObject({ version: 2, ignored: ['reported.temperature'] });
  });

  it('given device_wins, when the device reports a value other than desired, then desired follows the device and no delta remains', async () => {
    engine.shadows.applyTwinSync('default', 'hvac_controllers', { conflict_resolution: 'device_wins' });
    await cloud('hvac-ctrl-001', { state: { desired: { mode: 'cool' } } });
    await device('hvac-ctrl-001', { state: { reported: { mode: 'heat' } } });
    const doc = await engine.shadows.get('default', 'hvac-ctrl-001');
    expect(doc.state).toEqual({ desired: { mode: 'heat' }, reported: { mode: 'heat' } });
  });

  it('given cloud_wins, when the device reports a diverging value, then desired stays and the delta is re-sent at once', async () => {
    engine.shadows.applyTwinSync('default', 'hvac_controllers', { conflict_resolution: 'cloud_wins' });
    await cloud('hvac-ctrl-001', { state: { desired: { mode: 'cool' } } });
    transport.sent.length = 0;
    await device('hvac-ctrl-001', { state: { reported: { mode: 'heat' } } });
    expect(transport.sent.filter((s) => s.topic === 'tf/default/hvac-ctrl-001/state/delta').map((s) => s.doc.state)).toEqual([{ mode: 'cool' }]);
  });

  it('given clear_desired_on_match, when reported converges, then the desired leaf is cleared', async () => {
    engine.shadows.applyTwinSync('default', 'hvac_controllers', { clear_desired_on_match: true });
    await cloud('hvac-ctrl-001', { state: { desired: { setpoint: 23.5, mode: 'cool' } } });
    await device('hvac-ctrl-001', { state: { reported: { setpoint: 23.5 } } });
    expect((await engine.shadows.get('default', 'hvac-ctrl-001')).state).toEqual({ desired: { mode: 'cool' }, reported: { setpoint: 23.5 }, delta: { mode: 'cool' } });
  });

  it('given healing auto, when the device does not converge, then desired is re-sent with backoff and twin.drift is raised when retries are spent', async () => {
    await cloud('hvac-ctrl-001', { state: { desired: { mode: 'cool' } } });
    const deltas = () => transport.sent.filter((s) => s.topic.endsWith('/state/delta')).length;
    expect(deltas()).toBe(1);
    clock.advance(30_000);
    expect(deltas()).toBe(2);
    clock.advance(30_000);
    expect(deltas()).toBe(2);
    clock.advance(30_000);
    expect(deltas()).toBe(3);
    clock.advance(120_000);
    await settle();
    const drift = events.filter((e) => e.type === EventType.TwinDrift);
    expect(drift).toHaveLength(1);
    expect(drift[0]?.data).toMatchObject({ delta: { mode: 'cool' }, attempts: 2 });
  });

  it('given healing auto, when reported converges before the timeout, then nothing is re-sent', async () => {
    await cloud('hvac-ctrl-001', { state: { desired: { mode: 'cool' } } });
    await device('hvac-ctrl-001', { state: { reported: { mode: 'cool' } } });
    clock.advance(600_000);
    expect(transport.sent.filter((s) => s.topic.endsWith('/state/delta'))).toHaveLength(1);
    expect(events.filter((e) => e.type === EventType.TwinDrift)).toHaveLength(0);
  });

  it('answers state/update on accepted and rejected topics with the clientToken, and publishes the delta', async () => {
    await transport.deliver('tf/default/hvac-ctrl-001/state/update', { state: { desired: { mode: 'auto' } }, clientToken: 'c1' });
    await transport.deliver('tf/default/hvac-ctrl-001/state/update', { state: { reported: { mode: 'off' } }, version: 9, clientToken: 'c2' });
    await settle();
    const accepted = transport.sent.find((s) => s.topic === 'tf/default/hvac-ctrl-001/state/update/accepted');
    expect(accepted?.doc).toMatchObject({ state: { desired: { mode: 'auto' } }, version: 1, clientToken: 'c1' });
    const rejected = transport.sent.find((s) => s.topic === 'tf/default/hvac-ctrl-001/state/update/rejected');
    expect(rejected?.doc).toMatchObject({ code: 409, clientToken: 'c2' });
    expect(transport.sent.find((s) => s.topic === 'tf/default/hvac-ctrl-001/state/delta')?.doc).toMatchObject({ state: { mode: 'auto' }, version: 1 });
  });

  it('refuses an invalid twin_sync section with every problem listed', () => {
    expect(() => engine.shadows.onTwinSync('default', 'w', { g: { update_frequency: 'soon', conflict_resolution: 'coin_toss' } })).toThrow(/update_frequency[\s\S]*conflict_resolution/);
  });
});
