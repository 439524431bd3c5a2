import { describe, expect, it } from 'vitest';
import { createMemoryStorage } from '../../src/adapters/memory/storage.ts';
import { EventType, type TwinEvent } from '../../src/core/types.ts';
import { ManualClock } from '../../src/engine/clock.ts';
import { Engine } from '../../src/engine/engine.ts';
import type { InboundMessage } from '../../src/ports.ts';
import { silentLogger } from '../support/logger.ts';

const T0 = Date.UTC(2026, 10, 22, 12);
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

async function given(options: { unknownTwins?: 'reject' | 'register'; twins?: string[]; maxBytes?: number } = {}) {
  const storage = createMemoryStorage();
  const clock = new ManualClock(T0);
  const engine = new Engine({
    storage,
    logger: silentLogger,
    clock,
    processMetrics: false,
    ingest: { unknownTwins: options.unknownTwins ?? 'reject', maxRows: 1000, maxDelayMs: 5, maxBytes: options.maxBytes ?? 1024 },
  });
  await engine.start();
  for (const id of options.twins ?? ['m1']) await engine.registry.upsert('default', { id }, 'test');
  const events: TwinEvent[] = [];
  const sub = engine.bus.subscribe({});
  void (async () => {
    for await (const e of sub) events.push(e);
  })();
  const acks: string[] = [];
  const send = (topic: string, payload: string, id = payload): void => {
    const message: InboundMessage = {
      topic,
      payload: new TextEncoder().encode(payload),
      receivedAt: clock.now(),
      qos: 1,
      ack: () => acks.push(id),
    };
    engine.ingest.onMessage(message);
  };
  const commit = async () => {
    await settle();
    clock.advance(5);
    await settle();
  };
  const rejected = () => events.filter((e) => e.type === EventType.IngestRejected).map((e) => e.data);
  const counter = async (reason: string) =>
    (await engine.metrics.ingestRejected.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;
  return { storage, clock, engine, events, acks, send, commit, rejected, counter };
}

describe('ingest', () => {
  it('given a registered twin, when a telemetry message arrives, then the point is stored, latest updated and acked only after the commit', async () => {
    const { storage, engine, send, acks, commit, clock, events } = await given();
    send('tf/default/m1/telemetry', JSON.stringify({ ts: T0 - 1000, temperature: 21.5, on: true }), 'first');
    await settle();
    expect(acks).toEqual([]);
    expect((await engine.latest('default', 'm1')).temperature).toEqual({ ts: T0 - 1000, value: 21.5 });
    await commit();
    expect(acks).toEqual(['first']);
    expect(await storage.telemetry.query({ tenant: 'default', twinId: 'm1' })).toEqual({
      on: [{ ts: T0 - 1000, value: true }],
      temperature: [{ ts: T0 - 1000, value: 21.5 }],
    });
    clock.advance(100);
    await settle();
    const live = events.filter((e) => e.type === EventType.Telemetry);
    expect(live.map((e) => e.data)).toEqual([
      { readings: [{ ts: new Date(T0 - 1000).toISOString(), values: { temperature: 21.5, on: true } }] },
    ]);
  });

  it('stamps readings without ts with arrival time, strictly increasing per twin so none collide', async () => {
    const { storage, send, commit } = await given();
    send('tf/default/m1/telemetry', '{"v": 1}');
    send('tf/default/m1/telemetry', '{"v": 2}');
    await commit();
    const series = await storage.telemetry.query({ tenant: 'default', twinId: 'm1' });
    expect(series.v).toEqual([
      { ts: T0, value: 1 },
      { ts: T0 + 1, value: 2 },
    ]);
  });

  it.each([
    ['{"a": 1', 'malformed_json'],
    ['[1, 2]', 'not_object'],
    ['{"a": {"b": 1}}', 'unsupported_type'],
    ['{"ts": "later", "a": 1}', 'invalid_timestamp'],
  ])('rejects %s as %s, counts it, reports it and acks it; the stream goes on', async (payload, reason) => {
    const { send, commit, acks, rejected, counter, storage } = await given();
    send('tf/default/m1/telemetry', payload, 'bad');
    send('tf/default/m1/telemetry', '{"ts": 1, "ok": 1}', 'good');
    await commit();
    expect(acks.sort()).toEqual(['bad', 'good']);
    expect(await counter(reason)).toBe(1);
    expect(rejected()).toEqual([expect.objectContaining({ reason, topic: 'tf/default/m1/telemetry', transport: 'mqtt' })]);
    expect((await storage.telemetry.query({ tenant: 'default', twinId: 'm1' })).ok).toHaveLength(1);
  });

  it('keeps the valid fields of a message whose other field is bad', async () => {
    const { send, commit, storage, rejected } = await given();
    send('tf/default/m1/telemetry', '{"ts": 5000, "good": 1, "bad": [1]}');
    await commit();
    expect(Object.keys(await storage.telemetry.query({ tenant: 'default', twinId: 'm1' }))).toEqual(['good']);
    expect(rejected()).toEqual([expect.objectContaining({ reason: 'unsupported_type', field: 'bad' })]);
  });

  it('rejects an unknown twin unless configured to register it', async () => {
    const rejecting = await given();
    rejecting.send('tf/default/ghost/telemetry', '{"a": 1}', 'ghost');
    await rejecting.commit();
    expect(rejecting.acks).toEqual(['ghost']);
    expect(await rejecting.counter('unknown_twin')).toBe(1);
    expect(rejecting.engine.registry.peek('default', 'ghost')).toBeUndefined();

    const registering = await given({ unknownTwins: 'register' });
    registering.send('tf/default/newbie/telemetry', '{"a": 1}', 'newbie');
    await registering.commit();
    expect(registering.acks).toEqual(['newbie']);
    expect((await registering.engine.registry.get('default', 'newbie')).name).toBe('newbie');
    expect(registering.events.map((e) => e.type)).toContain(EventType.TwinCreate);
  });

  it('rejects an over-long twin id, an invalid tenant and an over-size payload', async () => {
    const { send, commit, counter, acks } = await given({ maxBytes: 32 });
    send(`tf/default/${'x'.repeat(129)}/telemetry`, '{"a": 1}', 'long');
    send('tf/Bad_Tenant/m1/telemetry', '{"a": 1}', 'tenant');
    send('tf/default/m1/telemetry', JSON.stringify({ a: 'x'.repeat(40) }), 'big');
    await commit();
    expect(acks.sort()).toEqual(['big', 'long', 'tenant']);
    expect(await counter('invalid_id')).toBe(1);
    expect(await counter('invalid_tenant')).toBe(1);
    expect(await counter('too_large')).toBe(1);
  });

  it('drops a redelivered message by msgId and acks it', async () => {
    const { send, commit, storage, acks, engine } = await given();
    send('tf/default/m1/telemetry', '{"msgId": "m-1", "v": 1}', 'one');
    send('tf/default/m1/telemetry', '{"msgId": "m-1", "v": 1}', 'again');
    await commit();
    expect(acks.sort()).toEqual(['again', 'one']);
    expect((await storage.telemetry.query({ tenant: 'default', twinId: 'm1' })).v).toHaveLength(1);
    expect((await engine.metrics.ingestDuplicates.get()).values[0]?.value).toBe(1);
  });

  it('acks messages on other topics without looking at them', async () => {
    const { send, acks, counter } = await given();
    send('somewhere/else', 'not json', 'other');
    send('tf/default/m1/commands/response', 'not json', 'response');
    expect(acks).toEqual(['other', 'response']);
    expect(await counter('malformed_json')).toBe(0);
  });

  it('takes HTTP telemetry for a known twin and refuses an unknown one', async () => {
    const { engine, commit } = await given();
    const outcome = engine.ingest.accept('default', 'm1', [{ ts: 1000, a: 1 }, { ts: 2000, a: 2 }]);
    expect(outcome.points).toBe(2);
    await commit();
    await outcome.durable;
    expect(() => engine.ingest.accept('default', 'nobody', { a: 1 })).toThrow(/twin "nobody" is not registered/);
  });

  it('hands every accepted reading to listeners; one that throws disturbs nothing', async () => {
    const { engine, send, commit, storage } = await given();
    const seen: unknown[] = [];
    engine.ingest.addListener(() => {
      throw new Error('broken listener');
    });
    const remove = engine.ingest.addListener((r) => seen.push(r));
    send('tf/default/m1/telemetry', '{"ts": 1000, "a": 1}');
    await commit();
    expect(seen).toEqual([{ tenant: 'default', twinId: 'm1', ts: 1_000_000, values: { a: 1 }, source: 'mqtt' }]);
    expect((await storage.telemetry.query({ tenant: 'default', twinId: 'm1' })).a).toHaveLength(1);
    remove();
    send('tf/default/m1/telemetry', '{"ts": 2000, "a": 2}');
    await commit();
    expect(seen).toHaveLength(1);
  });

  it('stores derived telemetry like a device reading, and refuses it for an unknown twin', async () => {
    const { engine, commit, storage } = await given();
    const seen: string[] = [];
    engine.ingest.addListener((r) => seen.push(r.source));
    const done = engine.ingest.derived('default', 'm1', 5000, { 'temperature.estimate': 20.5 }, 'block:kalman');
    await commit();
    await done;
    expect(await storage.telemetry.query({ tenant: 'default', twinId: 'm1' })).toEqual({ 'temperature.estimate': [{ ts: 5000, value: 20.5 }] });
    expect(seen).toEqual(['block:kalman']);
    await expect(engine.ingest.derived('default', 'ghost', 1, { a: 1 }, 'x')).rejects.toThrow(/not registered/);
  });

  it('reports readiness per component and is ready once started', async () => {
    const { engine } = await given();
    expect(engine.readiness()).toEqual({ ready: true, components: { broker: 'up', store: 'up', registry: 'up' } });
  });
});
