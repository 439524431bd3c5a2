/**
 * One TCP connection to an MQTT 3.1.1 broker, spoken with mqtt-packet (the codec mqtt.js and aedes use).
 *
 * It does the CONNECT/CONNACK handshake and keeps the connection alive; everything after CONNACK goes
 * to `onPacket` in arrival order, and the owner answers with `send`. Unlike mqtt.js, nothing here waits
 * for one packet's handling to finish before the next is read, so the owner can hold many PUBACKs back
 * at once and send them in any order.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { generate, parser as createParser, type IConnackPacket, type Packet } from 'mqtt-packet';
import { ErrorCode, TwinflowError } from '../../core/errors.ts';
import type { Clock, Timer } from '../../ports.ts';
import type { BrokerAddress } from './broker-address.ts';
import { ConnackRefusedError, ConnackReturnCode } from './broker-refusal-errors.ts';

/** Opens the TCP stream; tests pass their own to observe or break the socket. */
export type SocketFactory = (host: string, port: number) => Socket;

export const connectSocket: SocketFactory = (host, port) => netConnect({ host, port });

/** MQTT 3.1.1 is protocol level 4 (§3.1.2.2). */
const PROTOCOL_LEVEL = 4;

export interface MqttConnectionOptions {
  address: BrokerAddress;
  clientId: string;
  /** false asks the broker to keep (or resume) the session: subscriptions and unacknowledged deliveries. */
  clean: boolean;
  /** Seconds; 0 turns keepalive off. */
  keepalive: number;
  username: string | undefined;
  password: string | undefined;
  /** How long to wait for TCP connect plus CONNACK, in ms. */
  connectTimeout: number;
  clock: Clock;
  createSocket: SocketFactory;
}

export interface MqttConnectionHandlers {
  /** Every packet after CONNACK except PINGRESP, which the connection consumes. */
  onPacket(packet: Packet, connection: MqttConnection): void;
  /** The connection is gone after having been established; `error` says why when it was not our doing. */
  onClose(error: Error | undefined, connection: MqttConnection): void;
}

export interface Established {
  /** The broker still had a session for this client id. */
  sessionPresent: boolean;
}

export class MqttConnection {
  /** Resolves on CONNACK 0; rejects with a TwinflowError when the broker refuses or cannot be reached. */
  readonly established: Promise<Established>;

  readonly #options: MqttConnectionOptions;
  readonly #handlers: MqttConnectionHandlers;
  readonly #socket: Socket;
  #state: 'connecting' | 'open' | 'closed' = 'connecting';
  #error: Error | undefined;
  #corked = false;
  #lastSentAt = 0;
  #pingSentAt: number | undefined;
  #keepaliveTimer: Timer | undefined;
  #connectTimer: Timer | undefined;
  #settle: { resolve(value: Established): void; reject(error: Error): void } | undefined;

  constructor(options: MqttConnectionOptions, handlers: MqttConnectionHandlers) {
    this.#options = options;
    this.#handlers = handlers;
    this.established = new Promise<Established>((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    const { address, clock } = options;
    const socket = options.createSocket(address.host, address.port);
    this.#socket = socket;
    // PUBACKs are 4 bytes: with Nagle on, each waits for the previous segment's ACK (DESIGN §9).
    socket.setNoDelay(true);

    this.#connectTimer = clock.setTimeout(() => {
      this.destroy(
        new TwinflowError(
          ErrorCode.BrokerFailure,
          `no CONNACK from MQTT broker ${address.url} within ${options.connectTimeout} ms`,
        ),
      );
    }, options.connectTimeout);

    const parser = createParser({ protocolVersion: PROTOCOL_LEVEL });
    parser.on('packet', (packet: Packet) => this.#receive(packet));
    parser.on('error', (err: unknown) => {
      this.destroy(new TwinflowError(ErrorCode.BrokerFailure, `malformed packet from MQTT broker ${address.url}`, { cause: err }));
    });
    socket.on('data', (chunk: Buffer) => parser.parse(chunk));
    socket.on('connect', () => {
      this.#write(
        generate({
          cmd: 'connect',
          protocolId: 'MQTT',
          protocolVersion: PROTOCOL_LEVEL,
          clientId: options.clientId,
          clean: options.clean,
          keepalive: options.keepalive,
          ...(options.username === undefined ? {} : { username: options.username }),
          ...(options.password === undefined ? {} : { password: Buffer.from(options.password) }),
        }),
      );
    });
    socket.on('error', (err) => {
      this.#error ??= new TwinflowError(ErrorCode.BrokerFailure, `MQTT broker ${address.url}: ${err.message}`, {
        cause: err,
      });
    });
    socket.on('close', () => this.#closed());
  }

  /** True between CONNACK and close. */
  get open(): boolean {
    return this.#state === 'open';
  }

  /**
   * Queues a packet. Packets sent in the same tick leave in one write, so a batch of acknowledgements
   * costs one syscall and, with TCP_NODELAY, one segment. Returns false when the connection is gone:
   * the packet is dropped, which for a PUBACK is right (the broker redelivers on the next session).
   */
  send(packet: Packet): boolean {
    if (this.#state !== 'open') return false;
    this.#write(generate(packet));
    return true;
  }

  /** Says DISCONNECT (the broker then keeps a persistent session but drops the will) and closes. */
  end(): Promise<void> {
    if (this.#state === 'closed') return Promise.resolve();
    const closed = new Promise<void>((resolve) => this.#socket.once('close', () => resolve()));
    if (this.#state === 'open' && !this.#socket.destroyed) {
      this.#write(generate({ cmd: 'disconnect' }));
      // Destroy once our bytes are handed to the kernel rather than waiting for the broker's FIN:
      // a broker that never closes its side must not hold up shutdown.
      this.#socket.end(() => this.#socket.destroy());
    } else {
      this.#socket.destroy();
    }
    return closed;
  }

  /** Drops the connection at once; `error` is what `onClose` / `established` report. */
  destroy(error?: Error): void {
    if (error !== undefined) this.#error ??= error;
    this.#socket.destroy();
  }

  #write(buffer: Buffer): void {
    if (!this.#corked) {
      this.#corked = true;
      this.#socket.cork();
      process.nextTick(() => {
        this.#corked = false;
        this.#socket.uncork();
      });
    }
    this.#socket.write(buffer);
    this.#lastSentAt = this.#options.clock.now();
  }

  #receive(packet: Packet): void {
    if (this.#state === 'connecting') {
      if (packet.cmd !== 'connack') {
        this.destroy(
          new TwinflowError(ErrorCode.BrokerFailure, `MQTT broker ${this.#options.address.url} sent ${packet.cmd} before CONNACK`),
        );
        return;
      }
      this.#connack(packet);
      return;
    }
    if (this.#state !== 'open') return;
    if (packet.cmd === 'pingresp') {
      this.#pingSentAt = undefined;
      return;
    }
    this.#handlers.onPacket(packet, this);
  }

  #connack(packet: IConnackPacket): void {
    this.#connectTimer?.cancel();
    this.#connectTimer = undefined;
    const code = packet.returnCode ?? ConnackReturnCode.Accepted;
    if (code !== ConnackReturnCode.Accepted) {
      this.destroy(new ConnackRefusedError(this.#options.address.url, code));
      return;
    }
    this.#state = 'open';
    this.#scheduleKeepalive();
    this.#settle?.resolve({ sessionPresent: packet.sessionPresent });
    this.#settle = undefined;
  }

  /**
   * MQTT wants some packet from us within each keepalive period (the broker gives 1.5×). Checking every
   * half period and pinging when we have been quiet for half a period keeps the longest silence under one
   * period; an unanswered ping after a whole period means the broker or the path is gone.
   */
  #scheduleKeepalive(): void {
    const periodMs = this.#options.keepalive * 1000;
    if (periodMs <= 0) return;
    const { clock } = this.#options;
    const tick = (): void => {
      if (this.#state !== 'open') return;
      const now = clock.now();
      if (this.#pingSentAt !== undefined && now - this.#pingSentAt >= periodMs) {
        this.destroy(
          new TwinflowError(ErrorCode.BrokerFailure, `no PINGRESP from MQTT broker ${this.#options.address.url} within ${periodMs} ms`),
        );
        return;
      }
      if (this.#pingSentAt === undefined && now - this.#lastSentAt >= periodMs / 2) {
        this.#pingSentAt = now;
        this.#write(generate({ cmd: 'pingreq' }));
      }
      this.#keepaliveTimer = clock.setTimeout(tick, periodMs / 2);
    };
    this.#keepaliveTimer = clock.setTimeout(tick, periodMs / 2);
  }

  #closed(): void {
    const wasOpen = this.#state === 'open';
    this.#state = 'closed';
    this.#connectTimer?.cancel();
    this.#keepaliveTimer?.cancel();
    if (wasOpen) {
      this.#handlers.onClose(this.#error, this);
      return;
    }
    this.#settle?.reject(
      this.#error ??
        new TwinflowError(ErrorCode.BrokerFailure, `MQTT broker ${this.#options.address.url} closed the connection before CONNACK`),
    );
    this.#settle = undefined;
  }
}
