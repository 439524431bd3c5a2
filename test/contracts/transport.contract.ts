/**
 * The contract every `Transport` passes (DESIGN §2.1): devices publish with a real mqtt.js client and
 * the bytes reach `onMessage` unparsed; a QoS 1 message is acknowledged only after `ack()`; many
 * messages are in flight at once and may be acknowledged in any order; twinflow's own publishes reach
 * subscribers; status follows starting → up → down.
 *
 * How "acknowledged only after ack()" shows depends on the transport:
 * - `held-puback` (the embedded broker): the publisher's PUBACK itself waits for `ack()`;
 * - `redelivery` (an external broker): the broker acknowledges the device, and twinflow's delayed PUBACK
 *   makes the broker redeliver to the next session whatever was not acknowledged when twinflow died.
 */
import type { MqttClient } from 'mqtt';
import { afterEach, expect, it } from 'vitest';
import { ComponentStatus, type InboundMessage, type Transport } from '../../src/ports.ts';
import { eventually, Inbox } from '../support/inbox.ts';
import { connectDevice } from '../support/mqtt-device.ts';

/** What one test owns: its topics and its session. Unique per test, so tests share a broker safely. */
export interface TransportScope {
  /** Devices publish under `${prefix}/in/`, twinflow publishes under `${prefix}/out/`. */
  prefix: string;
  /** Filters the transport ingests: `${prefix}/in/#`. */
  topics: string[];
  clientId: string;
}

export interface TransportSubject {
  durability: 'held-puback' | 'redelivery';
  /** A transport, not started. Called again with the same scope to resume a session. */
  create(scope: TransportScope): Transport;
  /** Where devices publish. */
  deviceUrl(transport: Transport): string;
  /** `redelivery` only: twinflow dies, so its connection drops without DISCONNECT and nothing more is acked. */
  crash?(transport: Transport): Promise<void>;
}

const MANY = 1000;
const ACK_BATCH = 64;

export function transportContract(subject: TransportSubject): void {
  const run = Math.random().toString(36).slice(2, 8);
  let scopes = 0;
  let cleanups: (() => Promise<unknown>)[] = [];

  afterEach(async () => {
    const pending = cleanups.reverse();
    cleanups = [];
    for (const cleanup of pending) await cleanup();
  });

  function newScope(): TransportScope {
    const n = ++scopes;
    const prefix = `tfc/${run}/${n}`;
    return { prefix, topics: [`${prefix}/in/#`], clientId: `tf-contract-${run}-${n}` };
  }

  async function started(
    scope: TransportScope,
    inbox = new Inbox(),
    onMessage: (message: InboundMessage) => void = inbox.push,
  ): Promise<{ transport: Transport; inbox: Inbox }> {
    const transport = subject.create(scope);
    cleanups.push(() => transport.close());
    await transport.start(onMessage);
    return { transport, inbox };
  }

  async function device(transport: Transport): Promise<MqttClient> {
    const client = await connectDevice(subject.deviceUrl(transport));
    cleanups.push(() => client.endAsync(true));
    return client;
  }

  it('hands a QoS 1 publish to onMessage with its topic, payload bytes and qos', async () => {
    const scope = newScope();
    const { transport, inbox } = await started(scope);
    const client = await device(transport);
    const topic = `${scope.prefix}/in/boiler-1/telemetry`;

    const published = client.publishAsync(topic, '{"temperature":21.5}', { qos: 1 });
    const message = await inbox.next();

    expect(message.topic).toBe(topic);
    expect(message.payload).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(message.payload).toString('utf8')).toBe('{"temperature":21.5}');
    expect(message.qos).toBe(1);
    expect(typeof message.receivedAt).toBe('number');
    message.ack();
    await published;
  });

  it('hands a payload that is not JSON nor UTF-8 over as the same bytes', async () => {
    const scope = newScope();
    const { transport, inbox } = await started(scope);
    const client = await device(transport);
    const garbage = Buffer.from([0xff, 0x00, 0xfe, 0x7b, 0xc3, 0x28, 0x22, 0x0a]);

    const published = client.publishAsync(`${scope.prefix}/in/x/telemetry`, garbage, { qos: 1 });
    const message = await inbox.next();

    expect(Buffer.from(message.payload).equals(garbage)).toBe(true);
    message.ack();
    await published;
  });

  if (subject.durability === 'held-puback') {
    it("holds the publisher's PUBACK until ack() is called", async () => {
      const scope = newScope();
      const { transport, inbox } = await started(scope);
      const publisher = await device(transport);
      const other = await device(transport);
      let completed = false;

      const published = publisher
        .publishAsync(`${scope.prefix}/in/a/telemetry`, 'held', { qos: 1 })
        .then(() => void (completed = true));
      const held = await inbox.next();
      // A full QoS 1 round trip of another client, acknowledged at once: had the first PUBACK been
      // written when the message arrived, the publisher would have had it by now.
      const second = other.publishAsync(`${scope.prefix}/in/b/telemetry`, 'quick', { qos: 1 });
      (await inbox.next()).ack();
      await second;
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(completed).toBe(false);

      held.ack();
      await published;
      expect(completed).toBe(true);
    });
  }

  if (subject.durability === 'redelivery') {
    it('redelivers what was not acknowledged to the next session of the same client id, and only that', async () => {
      const scope = newScope();
      const first = await started(scope);
      const client = await device(first.transport);
      await client.publishAsync(`${scope.prefix}/in/a/telemetry`, 'before crash', { qos: 1 });
      const lost = await first.inbox.next();
      expect(Buffer.from(lost.payload).toString()).toBe('before crash');
      await subject.crash?.(first.transport);

      const second = await started(scope);
      const again = await second.inbox.next();
      expect(again.topic).toBe(lost.topic);
      expect(Buffer.from(again.payload).toString()).toBe('before crash');
      again.ack();
      await second.transport.close();

      const third = await started(scope);
      await client.publishAsync(`${scope.prefix}/in/a/telemetry`, 'after restart', { qos: 1 });
      const next = await third.inbox.next();
      expect(Buffer.from(next.payload).toString()).toBe('after restart');
      next.ack();
    });
  }

  it('does not hand over an acknowledged message again', async () => {
    const scope = newScope();
    const { transport, inbox } = await started(scope);
    const client = await device(transport);

    const one = client.publishAsync(`${scope.prefix}/in/a/telemetry`, 'one', { qos: 1 });
    (await inbox.next()).ack();
    await one;
    const two = client.publishAsync(`${scope.prefix}/in/a/telemetry`, 'two', { qos: 1 });
    const next = await inbox.next();
    next.ack();
    await two;

    expect(Buffer.from(next.payload).toString()).toBe('two');
    expect(inbox.received.map((m) => Buffer.from(m.payload).toString())).toEqual(['one', 'two']);
  });

  it(`delivers ${MANY} QoS 1 messages with many in flight, acknowledged in batches out of order`, async () => {
    const scope = newScope();
    const unacked: InboundMessage[] = [];
    let maxInFlight = 0;
    let flushScheduled = false;
    const flush = (): void => {
      flushScheduled = false;
      // Reverse order: the transport must not assume acks come in delivery order.
      for (const message of unacked.splice(0).reverse()) message.ack();
    };
    const inbox = new Inbox();
    const { transport } = await started(scope, inbox, (message) => {
      inbox.push(message);
      unacked.push(message);
      maxInFlight = Math.max(maxInFlight, unacked.length);
      // Like the engine's group commit: a batch is acknowledged when full or after a few ms.
      if (unacked.length >= ACK_BATCH) flush();
      else if (!flushScheduled) {
        flushScheduled = true;
        setTimeout(flush, 2);
      }
    });
    const client = await device(transport);

    const publishes = Array.from({ length: MANY }, (_, i) =>
      client.publishAsync(`${scope.prefix}/in/d${i % 10}/telemetry`, String(i), { qos: 1 }),
    );
    await Promise.all(publishes);
    await inbox.waitForCount(MANY);

    const seen = new Set(inbox.received.map((m) => Buffer.from(m.payload).toString()));
    expect(seen.size).toBe(MANY);
    expect(inbox.received.every((m) => m.qos === 1)).toBe(true);
    expect(maxInFlight).toBeGreaterThan(10);

    if (subject.durability === 'redelivery') {
      // Every one of them was acknowledged: the next session starts empty.
      await eventually(() => unacked.length === 0, 'the last batch is acknowledged');
      await transport.close();
      const after = await started(scope);
      await client.publishAsync(`${scope.prefix}/in/marker`, 'marker', { qos: 1 });
      const first = await after.inbox.next();
      expect(Buffer.from(first.payload).toString()).toBe('marker');
      first.ack();
    }
  });

  it("publish() reaches an mqtt.js subscriber, QoS 1 and 0, string and bytes", async () => {
    const scope = newScope();
    const { transport } = await started(scope);
    const subscriber = await device(transport);
    const received: { topic: string; payload: Buffer }[] = [];
    const two = new Promise<void>((resolve) =>
      subscriber.on('message', (topic, payload) => {
        received.push({ topic, payload });
        if (received.length === 2) resolve();
      }),
    );
    await subscriber.subscribeAsync(`${scope.prefix}/out/#`, { qos: 1 });

    await transport.publish(`${scope.prefix}/out/pump-1/commands/start`, '{"id":"c1"}', { qos: 1 });
    await transport.publish(`${scope.prefix}/out/pump-1/state/delta`, new Uint8Array([1, 2, 3]), { qos: 0 });
    await two;

    expect(received[0]?.topic).toBe(`${scope.prefix}/out/pump-1/commands/start`);
    expect(received[0]?.payload.toString()).toBe('{"id":"c1"}');
    expect(received[1]?.topic).toBe(`${scope.prefix}/out/pump-1/state/delta`);
    expect([...(received[1]?.payload ?? [])]).toEqual([1, 2, 3]);
  });

  it('reports starting, then up once started, then down once closed (twice is fine)', async () => {
    const transport = subject.create(newScope());
    cleanups.push(() => transport.close());
    expect(transport.status()).toBe(ComponentStatus.Starting);
    await transport.start(() => {});
    expect(transport.status()).toBe(ComponentStatus.Up);
    expect(transport.url).toMatch(/^mqtt:\/\/.+:\d+$/);
    await transport.close();
    expect(transport.status()).toBe(ComponentStatus.Down);
    await transport.close();
    await expect(transport.publish('x/y', 'z')).rejects.toMatchObject({ code: 'broker_failure' });
  });
}
