/**
 * The external transport against a scripted broker: the protocol cases a real Mosquitto cannot be made
 * to show on demand. The Mosquitto-backed contract runs in external-client.int.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConnackRefusedError, SubscriptionRefusedError } from '../../src/adapters/mqtt/broker-refusal-errors.ts';
import { createExternalTransport, type ExternalTransportOptions } from '../../src/adapters/mqtt/external-client.ts';
import {
  DEFAULT_RECONNECT,
  isRetryableConnectFailure,
  reconnectDelay,
  type ReconnectPolicy,
} from '../../src/adapters/mqtt/reconnect-backoff.ts';
import { TwinflowError } from '../../src/core/errors.ts';
import { ManualClock } from '../../src/engine/clock.ts';
import { ComponentStatus, type Transport } from '../../src/ports.ts';
import { acceptSession, startFakeBroker, type FakeBroker } from '../support/fake-mqtt-broker.ts';
import { eventually, Inbox } from '../support/inbox.ts';
import { recordingLogger, silentLogger } from '../support/logger.ts';

const immediateRetry: ReconnectPolicy = { delays: [0], jitter: 0, retryOn: isRetryableConnectFailure };

describe('external MQTT transport (scripted broker)', () => {
  let broker: FakeBroker;
  let transports: Transport[];

  beforeEach(async () => {
    broker = await startFakeBroker();
    transports = [];
  });
  afterEach(async () => {
    for (const transport of transports) await transport.close();
    await broker.close();
  });

  function create(overrides: Partial<ExternalTransportOptions> = {}): Transport {
    const transport = createExternalTransport({
      url: broker.url,
      clientId: 'twinflow-test',
      topics: ['tf/+/+/telemetry', 'plant/#'],
      logger: silentLogger,
      reconnect: immediateRetry,
      ...overrides,
    });
    transports.push(transport);
    return transport;
  }

  it('connects with a persistent session under its fixed client id and subscribes at QoS 1', async () => {
    const transport = create({ username: 'ingest', password: 's3cret', keepalive: 15 });
    const started = transport.start(() => {});
    const connection = await broker.nextConnection();

    const connect = await connection.next();
    expect(connect).toMatchObject({
      cmd: 'connect',
      protocolVersion: 4,
      clientId: 'twinflow-test',
      clean: false,
      keepalive: 15,
      username: 'ingest',
    });
    expect(connect.cmd === 'connect' && connect.password?.toString()).toBe('s3cret');
    expect(transport.status()).toBe(ComponentStatus.Starting);
    connection.send({ cmd: 'connack', returnCode: 0, sessionPresent: false });

    const subscribe = await connection.next();
    expect(subscribe).toMatchObject({
      cmd: 'subscribe',
      subscriptions: [
        { topic: 'tf/+/+/telemetry', qos: 1 },
        { topic: 'plant/#', qos: 1 },
      ],
    });
    connection.send({ cmd: 'suback', messageId: subscribe.messageId ?? 0, granted: [1, 1] });
    await started;
    expect(transport.status()).toBe(ComponentStatus.Up);
    expect(transport.url).toBe(broker.url);
  });

  it('keeps many deliveries in flight and acknowledges each when, and in the order, ack() is called', async () => {
    const transport = create();
    const inbox = new Inbox();
    const started = transport.start(inbox.push);
    const connection = await broker.nextConnection();
    await acceptSession(connection);
    await started;

    for (let id = 1; id <= 5; id++) {
      connection.send({ cmd: 'publish', topic: `plant/m${id}`, payload: Buffer.from([id]), qos: 1, dup: false, retain: false, messageId: id });
    }
    await inbox.waitForCount(5);
    const byId = inbox.received;
    for (const index of [3, 1, 4, 0, 2]) byId[index]?.ack();
    byId[3]?.ack(); // a second call changes nothing

    const acks = [];
    for (let i = 0; i < 5; i++) acks.push(await connection.next());
    expect(acks.map((p) => [p.cmd, p.messageId])).toEqual([
      ['puback', 4],
      ['puback', 2],
      ['puback', 5],
      ['puback', 1],
      ['puback', 3],
    ]);
    expect(byId.map((m) => [m.topic, [...m.payload]])).toEqual([1, 2, 3, 4, 5].map((id) => [`plant/m${id}`, [id]]));
  });

  it('fails start with a typed error when the broker refuses the credentials', async () => {
    const transport = create({ username: 'nobody' });
    const started = transport.start(() => {});
    const connection = await broker.nextConnection();
    await connection.next();
    connection.send({ cmd: 'connack', returnCode: 4, sessionPresent: false });

    const failure = await started.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(ConnackRefusedError);
    expect(failure).toBeInstanceOf(TwinflowError);
    expect(failure).toMatchObject({ code: 'broker_failure', returnCode: 4, reason: 'bad user name or password' });
    expect(transport.status()).toBe(ComponentStatus.Down);
  });

  it('retries a broker that says it is unavailable', async () => {
    const transport = create();
    const started = transport.start(() => {});
    const first = await broker.nextConnection();
    await first.next();
    first.send({ cmd: 'connack', returnCode: 3, sessionPresent: false });

    await acceptSession(await broker.nextConnection());
    await started;
    expect(transport.status()).toBe(ComponentStatus.Up);
  });

  it('fails start when the broker refuses a subscription', async () => {
    const transport = create();
    const started = transport.start(() => {});
    const connection = await broker.nextConnection();
    await connection.next();
    connection.send({ cmd: 'connack', returnCode: 0, sessionPresent: false });
    const subscribe = await connection.next();
    connection.send({ cmd: 'suback', messageId: subscribe.messageId ?? 0, granted: [1, 0x80] });

    await expect(started).rejects.toBeInstanceOf(SubscriptionRefusedError);
    await expect(started).rejects.toMatchObject({ topics: ['plant/#'] });
  });

  it('drops an ack of a delivery whose connection has closed: the broker redelivers it instead', async () => {
    const transport = create();
    const inbox = new Inbox();
    const started = transport.start(inbox.push);
    const first = await broker.nextConnection();
    await acceptSession(first);
    await started;
    first.send({ cmd: 'publish', topic: 'plant/a', payload: Buffer.from('old'), qos: 1, dup: false, retain: false, messageId: 7 });
    const stale = await inbox.next();
    first.drop();

    const second = await broker.nextConnection();
    await acceptSession(second, true);
    stale.ack();
    second.send({ cmd: 'publish', topic: 'plant/a', payload: Buffer.from('new'), qos: 1, dup: false, retain: false, messageId: 8 });
    (await inbox.next()).ack();

    expect(await second.next()).toMatchObject({ cmd: 'puback', messageId: 8 });
  });

  it('sends unacknowledged publishes again with DUP after a reconnect, and those made while down once up', async () => {
    const transport = create();
    const started = transport.start(() => {});
    const first = await broker.nextConnection();
    await acceptSession(first);
    await started;

    const command = transport.publish('tf/acme/pump-1/commands/start', '{"id":"c1"}');
    const sent = await first.next();
    expect(sent).toMatchObject({ cmd: 'publish', qos: 1, dup: false, topic: 'tf/acme/pump-1/commands/start' });
    first.drop();
    await eventually(() => transport.status() === ComponentStatus.Down, 'the transport notices');
    const whileDown = transport.publish('tf/acme/pump-1/state/delta', 'd', { qos: 0 });

    const second = await broker.nextConnection();
    await second.next();
    second.send({ cmd: 'connack', returnCode: 0, sessionPresent: true });
    const afterConnect = [await second.next(), await second.next(), await second.next()];
    expect(afterConnect.map((p) => p.cmd)).toEqual(['subscribe', 'publish', 'publish']);
    expect(afterConnect[1]).toMatchObject({ dup: true, messageId: sent.messageId, topic: 'tf/acme/pump-1/commands/start' });
    expect(afterConnect[2]).toMatchObject({ qos: 0, topic: 'tf/acme/pump-1/state/delta' });
    await whileDown;

    second.send({ cmd: 'puback', messageId: sent.messageId ?? 0 });
    await command;
  });

  it('rejects publishes still waiting for a PUBACK when closed, and says DISCONNECT', async () => {
    const transport = create();
    const started = transport.start(() => {});
    const connection = await broker.nextConnection();
    await acceptSession(connection);
    await started;

    const waiting = transport.publish('plant/x', 'y').then(
      () => undefined,
      (err: unknown) => err,
    );
    await connection.next();
    await transport.close();

    expect(await waiting).toMatchObject({ code: 'broker_failure' });
    expect(await connection.next()).toMatchObject({ cmd: 'disconnect' });
    expect(transport.status()).toBe(ComponentStatus.Down);
  });

  it('rejects start when closed before the broker answers', async () => {
    const transport = create();
    const started = transport.start(() => {});
    await (await broker.nextConnection()).next();
    await transport.close();
    await expect(started).rejects.toMatchObject({ code: 'broker_failure' });
  });

  it('pings when quiet for half the keepalive, and reconnects when no PINGRESP comes', async () => {
    const clock = new ManualClock(1_000_000);
    const transport = create({ clock, keepalive: 10 });
    const inbox = new Inbox();
    const started = transport.start(inbox.push);
    const first = await broker.nextConnection();
    await acceptSession(first);
    await started;

    clock.advance(5_000);
    expect(await first.next()).toMatchObject({ cmd: 'pingreq' });
    first.send({ cmd: 'pingresp' });
    // A delivery behind the PINGRESP on the same socket shows when the answer has been read.
    first.send({ cmd: 'publish', topic: 'plant/p', payload: Buffer.from('p'), qos: 1, dup: false, retain: false, messageId: 1 });
    (await inbox.next()).ack();
    expect(await first.next()).toMatchObject({ cmd: 'puback' });

    clock.advance(5_000);
    expect(await first.next()).toMatchObject({ cmd: 'pingreq' });
    clock.advance(5_000);
    clock.advance(5_000);
    await first.closed;
    expect(transport.status()).toBe(ComponentStatus.Down);

    clock.advance(0);
    await acceptSession(await broker.nextConnection(), true);
    await eventually(() => transport.status() === ComponentStatus.Up, 'up again');
  });

  it('drops a connection that sends a malformed packet and connects again', async () => {
    const transport = create();
    const started = transport.start(() => {});
    const first = await broker.nextConnection();
    await acceptSession(first);
    await started;

    first.write(Uint8Array.from([0x00, 0x00]));
    await first.closed;
    await acceptSession(await broker.nextConnection(), true);
    await eventually(() => transport.status() === ComponentStatus.Up, 'up again');
  });

  it('leaves a delivery unacknowledged, and logs, when the handler throws', async () => {
    const logger = recordingLogger();
    const transport = create({ logger });
    const started = transport.start((message) => {
      if (Buffer.from(message.payload).toString() === 'bad') throw new Error('engine bug');
      message.ack();
    });
    const connection = await broker.nextConnection();
    await acceptSession(connection);
    await started;

    connection.send({ cmd: 'publish', topic: 'plant/a', payload: Buffer.from('bad'), qos: 1, dup: false, retain: false, messageId: 1 });
    connection.send({ cmd: 'publish', topic: 'plant/a', payload: Buffer.from('good'), qos: 1, dup: false, retain: false, messageId: 2 });

    expect(await connection.next()).toMatchObject({ cmd: 'puback', messageId: 2 });
    expect(logger.records).toContainEqual(expect.objectContaining({ level: 'error', msg: 'inbound message handler failed' }));
  });

  it('needs at least one topic', () => {
    expect(() => create({ topics: [] })).toThrow(expect.objectContaining({ code: 'invalid_config' }));
  });

  it('refuses a URL it cannot speak to', () => {
    expect(() =>
      createExternalTransport({ url: 'mqtts://broker:8883', clientId: 'x', topics: ['#'], logger: silentLogger }),
    ).toThrow(expect.objectContaining({ code: 'invalid_config' }));
  });

  it('takes credentials from the URL and shows the URL without them', () => {
    const transport = createExternalTransport({
      url: 'mqtt://ingest:pw@broker.example:1884',
      clientId: 'x',
      topics: ['#'],
      logger: silentLogger,
    });
    expect(transport.url).toBe('mqtt://broker.example:1884');
  });
});

describe('reconnect backoff', () => {
  it('walks the delay table, then stays on its last entry', () => {
    const noJitter = { ...DEFAULT_RECONNECT, jitter: 0 };
    expect([0, 1, 2, 3, 4, 5, 6, 50].map((n) => reconnectDelay(noJitter, n))).toEqual([0, 250, 500, 1000, 2000, 5000, 5000, 5000]);
  });

  it('adds up to the jitter fraction of the delay', () => {
    expect(reconnectDelay(DEFAULT_RECONNECT, 3, () => 0)).toBe(1000);
    expect(reconnectDelay(DEFAULT_RECONNECT, 3, () => 0.999)).toBe(1200);
  });

  it('retries network failures and an unavailable server, not refused credentials', () => {
    expect(isRetryableConnectFailure(new Error('ECONNREFUSED'))).toBe(true);
    expect(isRetryableConnectFailure(new ConnackRefusedError('mqtt://b:1883', 3))).toBe(true);
    expect(isRetryableConnectFailure(new ConnackRefusedError('mqtt://b:1883', 5))).toBe(false);
  });
});
