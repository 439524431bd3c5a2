import type { Socket } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createExternalTransport } from '../../src/adapters/mqtt/external-client.ts';
import { connectSocket } from '../../src/adapters/mqtt/mqtt-connection.ts';
import type { ReconnectPolicy } from '../../src/adapters/mqtt/reconnect-backoff.ts';
import { isRetryableConnectFailure } from '../../src/adapters/mqtt/reconnect-backoff.ts';
import { ComponentStatus, type Transport } from '../../src/ports.ts';
import { transportContract } from '../contracts/transport.contract.ts';
import { describeWith } from '../support/components.ts';
import { eventually, Inbox } from '../support/inbox.ts';
import { silentLogger } from '../support/logger.ts';
import { connectDevice } from '../support/mqtt-device.ts';
import { probeMosquitto, startMosquitto, type RunningMosquitto } from '../support/mosquitto.ts';

const describeMosquitto = await describeWith('Mosquitto', () => probeMosquitto());

/** Quick retries: a test waits for a restarted broker, not for a production backoff. */
const quickReconnect: ReconnectPolicy = { delays: [0, 20, 50, 100], jitter: 0.1, retryOn: isRetryableConnectFailure };

describeMosquitto('external MQTT Transport (Mosquitto)', () => {
  let mosquitto: RunningMosquitto;
  /** The sockets each transport opened, so a test can cut one as a crash would. */
  const sockets = new WeakMap<Transport, Socket[]>();

  beforeAll(async () => {
    mosquitto = await startMosquitto();
  });
  afterAll(async () => {
    await mosquitto?.stop();
  });

  function create(options: { clientId: string; topics: string[] }): Transport {
    const opened: Socket[] = [];
    const transport = createExternalTransport({
      url: mosquitto.url,
      clientId: options.clientId,
      topics: options.topics,
      qos: 1,
      keepalive: 10,
      logger: silentLogger,
      reconnect: quickReconnect,
      createSocket: (host, port) => {
        const socket = connectSocket(host, port);
        opened.push(socket);
        return socket;
      },
    });
    sockets.set(transport, opened);
    return transport;
  }

  transportContract({
    durability: 'redelivery',
    create,
    deviceUrl: () => mosquitto.url,
    async crash(transport) {
      // No DISCONNECT, no more PUBACKs: what the broker sees when the twinflow process dies.
      for (const socket of sockets.get(transport) ?? []) socket.destroy();
      await transport.close();
    },
  });

  it('comes back up after the broker is stopped and started again, and ingests again', async () => {
    const run = Math.random().toString(36).slice(2, 8);
    const inbox = new Inbox();
    const transport = create({ clientId: `tf-restart-${run}`, topics: [`tfr/${run}/#`] });
    try {
      await transport.start(inbox.push);
      expect(transport.status()).toBe(ComponentStatus.Up);

      await mosquitto.halt();
      await eventually(() => transport.status() === ComponentStatus.Down, 'the transport sees the broker gone');
      await mosquitto.start();
      await eventually(() => transport.status() === ComponentStatus.Up, 'the transport is up again');

      const device = await connectDevice(mosquitto.url);
      try {
        await device.publishAsync(`tfr/${run}/boiler/telemetry`, 'after restart', { qos: 1 });
        const message = await inbox.next();
        expect(Buffer.from(message.payload).toString()).toBe('after restart');
        message.ack();
      } finally {
        await device.endAsync(true);
      }
    } finally {
      await transport.close();
    }
  });

  it('keeps the session across a broker restart: unacknowledged deliveries come again', async () => {
    const run = Math.random().toString(36).slice(2, 8);
    const inbox = new Inbox();
    const transport = create({ clientId: `tf-persist-${run}`, topics: [`tfp/${run}/#`] });
    try {
      await transport.start(inbox.push);
      const device = await connectDevice(mosquitto.url);
      await device.publishAsync(`tfp/${run}/a`, 'kept', { qos: 1 });
      await device.endAsync(true);
      const first = await inbox.next();

      await mosquitto.halt();
      await mosquitto.start();
      const again = await inbox.next();
      expect(Buffer.from(again.payload).toString()).toBe('kept');
      expect(Buffer.from(first.payload).toString()).toBe('kept');
      again.ack();
      first.ack();
    } finally {
      await transport.close();
    }
  });
});
