/**
 * The transport for a real broker (Mosquitto, EMQX…): twinflow connects as one MQTT 3.1.1 client.
 *
 * Ingest holds a persistent session (clean = false, fixed client id) and acknowledges each delivery
 * only when the engine calls `ack`, after its group commit (DESIGN §2.1 step 4). Whatever was not yet
 * acknowledged when twinflow died is redelivered by the broker on the next session; the engine absorbs
 * the duplicates. Many deliveries are in flight at once and acknowledged in any order, which mqtt.js
 * cannot do for a 3.1.1 session (it handles inbound packets one at a time), hence the connection of
 * our own on mqtt-packet.
 *
 * Outbound publishes use the same connection rather than a second mqtt.js client: one client id, one
 * session, one keepalive, one reconnect loop and one status, so "up" means both directions work and a
 * broker ACL keyed on the client id has one identity to allow. Unacknowledged QoS 1 publishes are kept
 * and sent again (DUP) after a reconnect, as MQTT asks of a client resuming its session.
 */
import type { IPublishPacket, Packet } from 'mqtt-packet';
import { ErrorCode, TwinflowError } from '../../core/errors.ts';
import { systemClock } from '../../engine/clock.ts';
import {
  ComponentStatus,
  type Clock,
  type InboundMessage,
  type Logger,
  type PublishOptions,
  type Timer,
  type Transport,
} from '../../ports.ts';
import { parseBrokerAddress } from './broker-address.ts';
import { SubscriptionRefusedError } from './broker-refusal-errors.ts';
import { connectSocket, MqttConnection, type SocketFactory } from './mqtt-connection.ts';
import { DEFAULT_RECONNECT, reconnectDelay, type ReconnectPolicy } from './reconnect-backoff.ts';

export interface ExternalTransportOptions {
  /** `mqtt://[user[:password]@]host[:port]`. */
  url: string;
  /**
   * Fixed client id of the persistent session. Two twinflow processes must not share one: the broker
   * would hand the session back and forth between them.
   */
  clientId: string;
  /** Topic filters to subscribe to, e.g. `tf/+/+/telemetry`. */
  topics: readonly string[];
  /** Maximum QoS of the subscription. @default 1 */
  qos?: 0 | 1;
  /** Overrides a user name in the URL. */
  username?: string;
  /** Overrides a password in the URL. */
  password?: string;
  /** Seconds. @default 30 */
  keepalive?: number;
  logger: Logger;
  /** @default systemClock */
  clock?: Clock;
  /** @default DEFAULT_RECONNECT */
  reconnect?: ReconnectPolicy;
  /** Milliseconds to wait for TCP connect plus CONNACK. @default 10000 */
  connectTimeout?: number;
  /**
   * Publishes waiting for a PUBACK or for the connection, beyond which `publish` fails at once
   * instead of growing memory while the broker is away. @default 10000
   */
  maxPendingPublishes?: number;
  /** @default node:net connect */
  createSocket?: SocketFactory;
  /** Source of reconnect jitter. @default Math.random */
  random?: () => number;
}

export const EXTERNAL_TRANSPORT_DEFAULTS = {
  qos: 1,
  keepalive: 30,
  connectTimeout: 10_000,
  maxPendingPublishes: 10_000,
} as const;

/** MQTT packet identifiers are 16-bit and never 0 (§2.3.1). */
const MAX_PACKET_ID = 0xffff;
/** SUBACK return code for a refused filter (§3.9.3). */
const SUBACK_FAILURE = 0x80;

interface PendingPublish {
  packet: IPublishPacket;
  /** Written on some connection already: a resend carries DUP. */
  sent: boolean;
  resolve(): void;
  reject(error: Error): void;
}

const noAck = (): void => {};

export function createExternalTransport(options: ExternalTransportOptions): Transport & AsyncDisposable {
  const address = parseBrokerAddress(options.url);
  if (options.topics.length === 0) {
    // An empty SUBSCRIBE is a protocol violation; the broker would drop every connection.
    throw new TwinflowError(ErrorCode.InvalidConfig, 'the MQTT transport needs at least one topic filter to ingest');
  }
  const clock = options.clock ?? systemClock;
  const policy = options.reconnect ?? DEFAULT_RECONNECT;
  const random = options.random ?? Math.random;
  const createSocket = options.createSocket ?? connectSocket;
  const subscriptionQos = options.qos ?? EXTERNAL_TRANSPORT_DEFAULTS.qos;
  const keepalive = options.keepalive ?? EXTERNAL_TRANSPORT_DEFAULTS.keepalive;
  const connectTimeout = options.connectTimeout ?? EXTERNAL_TRANSPORT_DEFAULTS.connectTimeout;
  // Leave room in the 16-bit identifier space for the SUBSCRIBE.
  const maxPending = Math.min(options.maxPendingPublishes ?? EXTERNAL_TRANSPORT_DEFAULTS.maxPendingPublishes, MAX_PACKET_ID - 1);
  const username = options.username ?? address.username;
  const password = options.password ?? address.password;
  const log = options.logger.child({ component: 'mqtt-client', broker: address.url, clientId: options.clientId });

  let status: ComponentStatus = ComponentStatus.Starting;
  let onMessage: ((message: InboundMessage) => void) | undefined;
  let connecting: MqttConnection | undefined;
  let current: MqttConnection | undefined;
  let subscribeId: number | undefined;
  let everUp = false;
  let attempt = 0;
  let reconnectTimer: Timer | undefined;
  let closing: Promise<void> | undefined;
  let startWaiter: { resolve(): void; reject(error: Error): void } | undefined;
  let nextId = 1;
  /** QoS 1 publishes awaiting PUBACK (or a connection), by packet id, in the order they were made. */
  const pending = new Map<number, PendingPublish>();
  /** QoS 0 publishes made while no connection was up. */
  let offline: PendingPublish[] = [];

  function allocateId(): number {
    for (;;) {
      const id = nextId;
      nextId = nextId === MAX_PACKET_ID ? 1 : nextId + 1;
      if (!pending.has(id) && id !== subscribeId) return id;
    }
  }

  function connect(): void {
    const connection = new MqttConnection(
      {
        address,
        clientId: options.clientId,
        clean: false,
        keepalive,
        username,
        password,
        connectTimeout,
        clock,
        createSocket,
      },
      { onPacket, onClose },
    );
    connecting = connection;
    connection.established.then(
      ({ sessionPresent }) => {
        connecting = undefined;
        if (closing !== undefined) {
          connection.destroy();
          return;
        }
        current = connection;
        log.debug({ sessionPresent }, 'MQTT session established');
        // Resubscribing on every connection costs one round trip and makes a changed topic list, or a
        // session the broker expired, take effect.
        subscribeId = allocateId();
        connection.send({
          cmd: 'subscribe',
          messageId: subscribeId,
          subscriptions: options.topics.map((topic) => ({ topic, qos: subscriptionQos })),
        });
        for (const entry of pending.values()) {
          connection.send(entry.sent ? { ...entry.packet, dup: true } : entry.packet);
          entry.sent = true;
        }
        const queued = offline;
        offline = [];
        for (const entry of queued) {
          connection.send(entry.packet);
          entry.resolve();
        }
      },
      (err: unknown) => {
        connecting = undefined;
        retry(err);
      },
    );
  }

  function retry(err: unknown): void {
    if (closing !== undefined) return;
    if (!everUp && !policy.retryOn(err)) {
      status = ComponentStatus.Down;
      log.error({ err }, 'MQTT broker refused twinflow');
      settleStart(err instanceof Error ? err : new TwinflowError(ErrorCode.BrokerFailure, String(err)));
      return;
    }
    const delay = reconnectDelay(policy, attempt, random);
    attempt += 1;
    log.warn({ err, delay, attempt }, 'MQTT broker unreachable, retrying');
    reconnectTimer = clock.setTimeout(() => {
      reconnectTimer = undefined;
      if (closing === undefined) connect();
    }, delay);
  }

  function settleStart(error?: Error): void {
    const waiter = startWaiter;
    startWaiter = undefined;
    if (waiter === undefined) return;
    if (error === undefined) waiter.resolve();
    else waiter.reject(error);
  }

  function onClose(error: Error | undefined, connection: MqttConnection): void {
    if (connection !== current) return;
    current = undefined;
    subscribeId = undefined;
    if (closing !== undefined) return;
    status = everUp ? ComponentStatus.Down : ComponentStatus.Starting;
    retry(error ?? new TwinflowError(ErrorCode.BrokerFailure, `MQTT broker ${address.url} closed the connection`));
  }

  function onPacket(packet: Packet, connection: MqttConnection): void {
    switch (packet.cmd) {
      case 'publish':
        deliver(packet, connection);
        return;
      case 'puback': {
        const entry = packet.messageId === undefined ? undefined : pending.get(packet.messageId);
        if (entry === undefined || packet.messageId === undefined) return;
        pending.delete(packet.messageId);
        entry.resolve();
        return;
      }
      case 'suback':
        if (packet.messageId === subscribeId) subscribed(packet.granted, connection);
        return;
      case 'pubrel':
        // Only a QoS 2 delivery gets here, which a QoS ≤ 1 subscription never receives; answer anyway,
        // or the broker would hold that message in flight forever.
        if (packet.messageId !== undefined) connection.send({ cmd: 'pubcomp', messageId: packet.messageId });
        return;
      default:
        log.debug({ cmd: packet.cmd }, 'unexpected MQTT packet ignored');
    }
  }

  function subscribed(granted: readonly unknown[], connection: MqttConnection): void {
    subscribeId = undefined;
    const refused = options.topics.filter((_, i) => granted[i] === SUBACK_FAILURE);
    if (refused.length > 0) {
      connection.destroy(new SubscriptionRefusedError(address.url, refused));
      return;
    }
    attempt = 0;
    everUp = true;
    status = ComponentStatus.Up;
    log.info({ topics: options.topics }, 'MQTT ingest subscribed');
    settleStart();
  }

  function deliver(packet: IPublishPacket, connection: MqttConnection): void {
    const handler = onMessage;
    if (handler === undefined) return;
    const { messageId, qos } = packet;
    let ack = noAck;
    if (qos > 0 && messageId !== undefined) {
      let acked = false;
      ack = () => {
        if (acked) return;
        acked = true;
        // On a connection that has since closed the PUBACK is dropped on purpose: the broker
        // redelivers the message on the new session, and that copy gets its own ack. Sending it on
        // the new connection instead could acknowledge a different message that reused the id.
        connection.send(qos === 1 ? { cmd: 'puback', messageId } : { cmd: 'pubrec', messageId });
      };
    }
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    try {
      handler({ topic: packet.topic, payload, receivedAt: clock.now(), qos, ack });
    } catch (err) {
      // A throwing handler is a twinflow bug. Leaving the delivery unacknowledged means the broker
      // redelivers it on the next session instead of it being lost.
      log.error({ err, topic: packet.topic }, 'inbound message handler failed');
    }
  }

  function start(handler: (message: InboundMessage) => void): Promise<void> {
    if (onMessage !== undefined || closing !== undefined) {
      return Promise.reject(new TwinflowError(ErrorCode.Internal, 'MQTT transport already started'));
    }
    onMessage = handler;
    status = ComponentStatus.Starting;
    const started = new Promise<void>((resolve, reject) => {
      startWaiter = { resolve, reject };
    });
    connect();
    return started;
  }

  function publish(topic: string, payload: string | Uint8Array, publishOptions: PublishOptions = {}): Promise<void> {
    if (closing !== undefined) {
      return Promise.reject(new TwinflowError(ErrorCode.BrokerFailure, `cannot publish to ${topic}: transport closed`));
    }
    if (pending.size + offline.length >= maxPending) {
      return Promise.reject(
        new TwinflowError(
          ErrorCode.BrokerFailure,
          `cannot publish to ${topic}: ${maxPending} publishes already wait for MQTT broker ${address.url}`,
        ),
      );
    }
    const qos = publishOptions.qos ?? 1;
    const packet: IPublishPacket = {
      cmd: 'publish',
      topic,
      payload: typeof payload === 'string' ? Buffer.from(payload) : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
      qos,
      retain: publishOptions.retain ?? false,
      dup: false,
    };
    if (qos === 0) {
      if (current?.send(packet) === true) return Promise.resolve();
      return new Promise((resolve, reject) => offline.push({ packet, sent: false, resolve, reject }));
    }
    const messageId = allocateId();
    packet.messageId = messageId;
    return new Promise((resolve, reject) => {
      const entry: PendingPublish = { packet, sent: false, resolve, reject };
      pending.set(messageId, entry);
      entry.sent = current?.send(packet) === true;
    });
  }

  function close(): Promise<void> {
    closing ??= (async () => {
      status = ComponentStatus.Down;
      reconnectTimer?.cancel();
      reconnectTimer = undefined;
      settleStart(new TwinflowError(ErrorCode.BrokerFailure, `MQTT transport closed before ${address.url} answered`));
      connecting?.destroy();
      const connection = current;
      current = undefined;
      if (connection !== undefined) await connection.end();
      const closed = new TwinflowError(ErrorCode.BrokerFailure, 'MQTT transport closed before the broker acknowledged');
      for (const entry of [...pending.values(), ...offline]) entry.reject(closed);
      pending.clear();
      offline = [];
      log.info('MQTT transport closed');
    })();
    return closing;
  }

  return {
    url: address.url,
    start,
    publish,
    status: () => status,
    close,
    [Symbol.asyncDispose]: close,
  };
}
