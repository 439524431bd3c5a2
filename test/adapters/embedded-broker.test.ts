import { describe, expect, it } from 'vitest';
import { createEmbeddedBroker } from '../../src/adapters/mqtt/embedded-broker.ts';
import { TwinflowError } from '../../src/core/errors.ts';
import { ComponentStatus } from '../../src/ports.ts';
import { transportContract } from '../contracts/transport.contract.ts';
import { Inbox } from '../support/inbox.ts';
import { connectDevice } from '../support/mqtt-device.ts';
import { recordingLogger, silentLogger } from '../support/logger.ts';

const options = () => ({ host: '127.0.0.1', port: 0, logger: silentLogger });

describe('embedded broker Transport', () => {
  transportContract({
    durability: 'held-puback',
    create: () => createEmbeddedBroker(options()),
    deviceUrl: (transport) => transport.url,
  });
});

describe('embedded broker', () => {
  it('listens on a free port for port 0 and says so in its url', async () => {
    const broker = createEmbeddedBroker(options());
    await broker.start(() => {});
    try {
      expect(broker.port).toBeGreaterThan(0);
      expect(broker.url).toBe(`mqtt://127.0.0.1:${broker.port}`);
    } finally {
      await broker.close();
    }
  });

  it('fails to start with a TwinflowError whose cause is EADDRINUSE when the port is taken', async () => {
    const first = createEmbeddedBroker(options());
    await first.start(() => {});
    const second = createEmbeddedBroker({ ...options(), port: first.port });
    try {
      const failure = await second.start(() => {}).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(failure).toBeInstanceOf(TwinflowError);
      expect(failure).toMatchObject({ code: 'broker_failure', cause: { code: 'EADDRINUSE' } });
      expect(second.status()).toBe(ComponentStatus.Down);
    } finally {
      await second.close();
      await first.close();
    }
  });

  it('hands QoS 0 publishes over with an ack that does nothing, and forwards them at once', async () => {
    const broker = createEmbeddedBroker(options());
    const inbox = new Inbox();
    await broker.start(inbox.push);
    const device = await connectDevice(broker.url);
    const listener = await connectDevice(broker.url);
    try {
      await listener.subscribeAsync('plant/#', { qos: 0 });
      const forwarded = new Promise<string>((resolve) => listener.once('message', (_t, p) => resolve(p.toString())));
      await device.publishAsync('plant/line-1/speed', '42', { qos: 0 });
      const message = await inbox.next();
      expect(message).toMatchObject({ topic: 'plant/line-1/speed', qos: 0 });
      expect(await forwarded).toBe('42');
      message.ack();
    } finally {
      await device.endAsync(true);
      await listener.endAsync(true);
      await broker.close();
    }
  });

  it('forwards a QoS 1 publish to subscribers only after ack()', async () => {
    const broker = createEmbeddedBroker(options());
    const inbox = new Inbox();
    await broker.start(inbox.push);
    const device = await connectDevice(broker.url);
    const listener = await connectDevice(broker.url);
    try {
      await listener.subscribeAsync('plant/#', { qos: 1 });
      const got: string[] = [];
      const forwarded = new Promise<void>((resolve) =>
        listener.on('message', (_t, p) => {
          got.push(p.toString());
          resolve();
        }),
      );
      const published = device.publishAsync('plant/line-1/speed', '43', { qos: 1 });
      const message = await inbox.next();
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(got).toEqual([]);
      message.ack();
      await published;
      await forwarded;
      expect(got).toEqual(['43']);
    } finally {
      await device.endAsync(true);
      await listener.endAsync(true);
      await broker.close();
    }
  });

  it('logs a throwing handler and drops the publisher without a PUBACK, so it sends again', async () => {
    const logger = recordingLogger();
    const broker = createEmbeddedBroker({ ...options(), logger });
    await broker.start(() => {
      throw new Error('engine bug');
    });
    const device = await connectDevice(broker.url);
    try {
      const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
      void device.publishAsync('plant/a', 'x', { qos: 1 }).catch(() => {});
      await closed;
      expect(logger.records).toContainEqual(expect.objectContaining({ level: 'error', msg: 'inbound message handler failed' }));
    } finally {
      await device.endAsync(true);
      await broker.close();
    }
  });

  it('rejects publish() before start', async () => {
    const broker = createEmbeddedBroker(options());
    await expect(broker.publish('a/b', 'c')).rejects.toMatchObject({ code: 'broker_failure' });
    await broker.close();
  });
});
