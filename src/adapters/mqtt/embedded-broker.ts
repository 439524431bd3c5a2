/**
 * The embedded MQTT broker: aedes in this process, on node:net. Devices connect to it directly, and
 * every PUBLISH they send is handed to the engine before aedes acknowledges or forwards it.
 *
 * The acknowledgement rides on aedes' `authorizePublish` callback: for QoS 1 aedes writes the PUBACK
 * (and forwards the message to subscribers) only once it is called, and it reads a client's next
 * socket chunk only when every packet of the current one has been called back. Handing that callback
 * to the engine as `ack` therefore gives DESIGN §2.1 step 4 for free: the publisher's PUBACK waits for
 * the group commit, a whole chunk of publishes shares one commit, and a slow store slows the
 * publishers instead of growing memory.
 */
import type { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { Aedes, type Client, type PublishPacket } from 'aedes';
import { ErrorCode, TwinflowError } from '../../core/errors.ts';
import { systemClock } from '../../engine/clock.ts';
import {
  ComponentStatus,
  type Clock,
  type InboundMessage,
  type Logger,
  type PublishOptions,
  type Transport,
} from '../../ports.ts';

export interface EmbeddedBrokerOptions {
  /** Interface to listen on. */
  host: string;
  /** TCP port; 0 picks a free one (read it back from `port` after `start`). */
  port: number;
  logger: Logger;
  /** Source of `receivedAt`. @default systemClock */
  clock?: Clock;
}

export type EmbeddedBroker = Transport &
  AsyncDisposable & {
  /** The port actually listened on; the requested one until `start` has resolved. */
  readonly port: number;
};

/** Broker-internal topics; clients may not publish there (aedes' own default rule, kept). */
const SYS_PREFIX = '$SYS/';

type AuthorizeCallback = (error?: Error | null) => void;

const noAck = (): void => {};

export function createEmbeddedBroker(options: EmbeddedBrokerOptions): EmbeddedBroker {
  const { host } = options;
  const clock = options.clock ?? systemClock;
  const log = options.logger.child({ component: 'mqtt-broker' });

  let status: ComponentStatus = ComponentStatus.Starting;
  let port = options.port;
  let broker: Aedes | undefined;
  let server: Server | undefined;
  let closing: Promise<void> | undefined;
  const sockets = new Set<Socket>();

  function authorizePublish(onMessage: (m: InboundMessage) => void) {
    return (client: Client | null, packet: PublishPacket, callback: AuthorizeCallback): void => {
      if (packet.topic.startsWith(SYS_PREFIX)) {
        callback(new Error(`${SYS_PREFIX} topics are reserved for the broker`));
        return;
      }
      const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
      let acked = false;
      const ack =
        packet.qos === 0
          ? noAck
          : (): void => {
              // The engine promises one call; a second would make aedes write a second PUBACK.
              if (acked) return;
              acked = true;
              callback(null);
            };
      try {
        onMessage({ topic: packet.topic, payload, receivedAt: clock.now(), qos: packet.qos, ack });
      } catch (err) {
        // A throwing handler is a twinflow bug. Failing the publish makes aedes drop the connection
        // without a PUBACK, so the device sends the message again instead of it being lost.
        log.error({ err, topic: packet.topic, clientId: client?.id }, 'inbound message handler failed');
        if (!acked) {
          acked = true;
          callback(err instanceof Error ? err : new Error(String(err)));
        }
        return;
      }
      // QoS 0 has no acknowledgement to hold back: let aedes forward it at once.
      if (packet.qos === 0) callback(null);
    };
  }

  async function start(onMessage: (message: InboundMessage) => void): Promise<void> {
    if (broker !== undefined || closing !== undefined) {
      throw new TwinflowError(ErrorCode.Internal, 'embedded broker already started');
    }
    const aedes = await Aedes.createBroker({ authorizePublish: authorizePublish(onMessage) });
    broker = aedes;
    // aedes reports per-connection trouble as events; a client vanishing is routine, so debug.
    aedes.on('clientError', (client, err) => log.debug({ err, clientId: client.id }, 'client error'));
    aedes.on('connectionError', (_client, err) => log.debug({ err }, 'connection error'));
    // aedes emits 'error' when its persistence fails, although its typings do not list the event;
    // unheard, it would take the process down.
    const emitter: EventEmitter = aedes;
    emitter.on('error', (err: unknown) => log.error({ err }, 'broker error'));

    const srv = createServer((socket) => {
      // Without this Nagle holds every small PUBACK back ~40 ms on loopback (DESIGN §9).
      socket.setNoDelay(true);
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      aedes.handle(socket);
    });
    server = srv;
    try {
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(options.port, host, () => {
          srv.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      status = ComponentStatus.Down;
      server = undefined;
      await closeAedes(aedes);
      broker = undefined;
      const inUse = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
      throw new TwinflowError(
        ErrorCode.BrokerFailure,
        inUse
          ? `MQTT port ${options.port} on ${host} is already in use`
          : `embedded MQTT broker cannot listen on ${host}:${options.port}`,
        { cause: err },
      );
    }
    srv.on('error', (err) => log.error({ err }, 'broker listener error'));
    const address = srv.address();
    if (address !== null && typeof address === 'object') port = address.port;
    status = ComponentStatus.Up;
    log.info({ url: url() }, 'embedded MQTT broker listening');
  }

  function url(): string {
    // An IPv6 literal needs brackets in a URL.
    return `mqtt://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  function publish(topic: string, payload: string | Uint8Array, publishOptions: PublishOptions = {}): Promise<void> {
    const aedes = broker;
    if (aedes === undefined || closing !== undefined) {
      return Promise.reject(new TwinflowError(ErrorCode.BrokerFailure, `cannot publish to ${topic}: broker not running`));
    }
    const packet: PublishPacket = {
      cmd: 'publish',
      topic,
      payload: typeof payload === 'string' ? Buffer.from(payload) : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
      qos: publishOptions.qos ?? 1,
      retain: publishOptions.retain ?? false,
      dup: false,
    };
    return new Promise((resolve, reject) => {
      aedes.publish(packet, (err) => {
        if (err) reject(new TwinflowError(ErrorCode.BrokerFailure, `publish to ${topic} failed`, { cause: err }));
        else resolve();
      });
    });
  }

  function close(): Promise<void> {
    closing ??= (async () => {
      status = ComponentStatus.Down;
      const srv = server;
      const aedes = broker;
      // Stop accepting first, so no client slips in while the others are being disconnected.
      const serverClosed =
        srv === undefined ? Promise.resolve() : new Promise<void>((resolve) => srv.close(() => resolve()));
      if (aedes !== undefined) await closeAedes(aedes);
      // aedes closes the clients it knows; a socket still before CONNECT is not one of them.
      for (const socket of sockets) socket.destroy();
      await serverClosed;
      if (srv !== undefined) log.info('embedded MQTT broker closed');
    })();
    return closing;
  }

  return {
    get url() {
      return url();
    },
    get port() {
      return port;
    },
    start,
    publish,
    status: () => status,
    close,
    [Symbol.asyncDispose]: close,
  };
}

function closeAedes(aedes: Aedes): Promise<void> {
  return new Promise((resolve) => aedes.close(() => resolve()));
}
