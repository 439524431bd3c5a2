import { describe, expect, it } from 'vitest';
import { createMemoryStorage } from '../../src/adapters/memory/storage.ts';
import { EventType, type NewEvent, type TwinEvent } from '../../src/core/types.ts';
import { ManualClock } from '../../src/engine/clock.ts';
import { EventBus, type Subscription } from '../../src/engine/event-bus.ts';
import { silentLogger } from '../support/logger.ts';

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function setup(ringSize = 100) {
  const storage = createMemoryStorage();
  const clock = new ManualClock(1_000);
  const bus = new EventBus({ log: storage.events, clock, logger: silentLogger, ringSize });
  return { storage, clock, bus };
}

const event = (type: NewEvent['type'], tenant = 'default', twinId = 't1'): NewEvent => ({ type, tenant, twinId, time: 0, data: { n: 1 } });

/** Reads `count` events from a subscription, failing if they do not come. */
async function take(sub: Subscription, count: number): Promise<TwinEvent[]> {
  const out: TwinEvent[] = [];
  const iterator = sub[Symbol.asyncIterator]();
  while (out.length < count) {
    const next = await Promise.race([iterator.next(), settle().then(settle).then(() => 'timeout' as const)]);
    if (next === 'timeout') throw new Error(`only ${out.length} of ${count} events arrived`);
    if (next.done === true) break;
    out.push(next.value);
  }
  return out;
}

describe('EventBus', () => {
  it('gives strictly increasing seqs that follow the clock, across a restart', async () => {
    const { storage, clock, bus } = setup();
    await bus.start();
    const a = bus.publish(event(EventType.TwinUpdate));
    const b = bus.publish(event(EventType.TwinUpdate));
    expect(a.seq).toBe(1_000_000);
    expect(b.seq).toBe(1_000_001);
    clock.advance(1);
    expect(bus.publish(event(EventType.Telemetry)).seq).toBe(1_001_000);
    await bus.close();
    const again = new EventBus({ log: storage.events, clock: new ManualClock(0), logger: silentLogger });
    await again.start();
    expect(again.publish(event(EventType.TwinUpdate)).seq).toBe(1_000_002);
  });

  it('writes durable types to the log and keeps live-only telemetry out of it', async () => {
    const { storage, bus } = setup();
    await bus.start();
    bus.publish(event(EventType.TwinUpdate));
    bus.publish(event(EventType.Telemetry));
    bus.publish(event(EventType.IngestRejected));
    await bus.flush();
    const logged = await storage.events.read({});
    expect(logged.map((e) => e.type)).toEqual([EventType.TwinUpdate, EventType.IngestRejected]);
  });

  it('delivers live events matching tenant, types and twin', async () => {
    const { bus } = setup();
    await bus.start();
    const sub = bus.subscribe({ tenant: 'acme', types: new Set([EventType.TwinUpdate]), twinId: 'x' });
    bus.publish(event(EventType.TwinUpdate, 'other', 'x'));
    bus.publish(event(EventType.Telemetry, 'acme', 'x'));
    bus.publish(event(EventType.TwinUpdate, 'acme', 'y'));
    const wanted = bus.publish(event(EventType.TwinUpdate, 'acme', 'x'));
    expect((await take(sub, 1)).map((e) => e.seq)).toEqual([wanted.seq]);
    sub.close();
  });

  it('resumes after a seq from the ring, live-only events included, without duplicates', async () => {
    const { bus } = setup();
    await bus.start();
    const first = bus.publish(event(EventType.Telemetry));
    const rest = [bus.publish(event(EventType.Telemetry)), bus.publish(event(EventType.TwinUpdate))];
    const sub = bus.subscribe({}, first.seq);
    const live = bus.publish(event(EventType.Telemetry));
    expect((await take(sub, 3)).map((e) => e.seq)).toEqual([...rest, live].map((e) => e.seq));
    sub.close();
  });

  it('resumes from the log once the ring has moved past the seq, then continues from the ring', async () => {
    const { bus } = setup(3);
    await bus.start();
    const published = Array.from({ length: 8 }, (_, i) => bus.publish(event(i % 2 === 0 ? EventType.TwinUpdate : EventType.Telemetry)));
    const after = published[0]!.seq;
    const sub = bus.subscribe({}, after);
    const live = bus.publish(event(EventType.TwinUpdate));
    // Telemetry that left the ring is gone (it was never logged); every durable event and the ring come back.
    const expected = [...published.slice(1).filter((e, i) => e.type === EventType.TwinUpdate || i + 1 >= 5), live];
    expect((await take(sub, expected.length)).map((e) => e.seq)).toEqual(expected.map((e) => e.seq));
    sub.close();
  });

  it('ends a subscriber that falls too far behind, marking it overflowed', async () => {
    const storage = createMemoryStorage();
    const bus = new EventBus({ log: storage.events, clock: new ManualClock(), logger: silentLogger, maxQueue: 2 });
    await bus.start();
    const sub = bus.subscribe({});
    for (let i = 0; i < 3; i++) bus.publish(event(EventType.Telemetry));
    expect(sub.overflowed).toBe(true);
    expect(bus.subscriberCount).toBe(0);
  });

  it('lists recent events and closes every subscriber on close', async () => {
    const { bus } = setup();
    await bus.start();
    const sub = bus.subscribe({});
    bus.publish(event(EventType.Telemetry, 'a'));
    bus.publish(event(EventType.Telemetry, 'b'));
    expect(bus.recent({ tenant: 'b' }, 10).map((e) => e.tenant)).toEqual(['b']);
    await bus.close();
    expect(await take(sub, 5)).toHaveLength(2);
  });
});
