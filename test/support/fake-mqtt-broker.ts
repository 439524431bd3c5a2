/**
 * A scripted MQTT peer for protocol edge cases a real broker cannot be made to show on demand
 * (refusals, lost PINGRESPs, a connection cut between a delivery and its ack). Each accepted connection
 * is a queue of the packets the client sent; the test answers with `send`.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { generate, parser as createParser, type Packet } from 'mqtt-packet';

export interface FakeConnection {
  /** The next packet the client sent, waiting for it if need be. */
  next(): Promise<Packet>;
  send(packet: Packet): void;
  /** Raw bytes: for malformed input, or many packets in one write. */
  write(bytes: Uint8Array): void;
  /** Cuts the connection, as a crashing broker or a dead network would. */
  drop(): void;
  /** Resolves when the socket has closed, from either side. */
  readonly closed: Promise<void>;
}

export interface FakeBroker {
  readonly url: string;
  /** The next connection the client opens. */
  nextConnection(): Promise<FakeConnection>;
  close(): Promise<void>;
}

class Queue<T> {
  #items: T[] = [];
  #waiters: ((item: T) => void)[] = [];

  push(item: T): void {
    const waiter = this.#waiters.shift();
    if (waiter === undefined) this.#items.push(item);
    else waiter(item);
  }

  shift(): Promise<T> {
    if (this.#items.length > 0) return Promise.resolve(this.#items.shift() as T);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}

export async function startFakeBroker(): Promise<FakeBroker> {
  const connections = new Queue<FakeConnection>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    const packets = new Queue<Packet>();
    const parser = createParser({ protocolVersion: 4 });
    parser.on('packet', (packet: Packet) => packets.push(packet));
    socket.on('data', (chunk: Buffer) => parser.parse(chunk));
    // The client under test may cut the connection at any time; that is not a failure of the fake.
    socket.on('error', () => {});
    const closed = new Promise<void>((resolve) =>
      socket.once('close', () => {
        sockets.delete(socket);
        resolve();
      }),
    );
    connections.push({
      next: () => packets.shift(),
      send: (packet) => void socket.write(generate(packet)),
      write: (bytes) => void socket.write(bytes),
      drop: () => void socket.destroy(),
      closed,
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = address !== null && typeof address === 'object' ? address.port : 0;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    nextConnection: () => connections.shift(),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Answers CONNECT and SUBSCRIBE the way a willing broker does; returns the CONNECT it got. */
export async function acceptSession(connection: FakeConnection, sessionPresent = false): Promise<Packet> {
  const connect = await connection.next();
  connection.send({ cmd: 'connack', returnCode: 0, sessionPresent });
  const subscribe = await connection.next();
  if (subscribe.cmd !== 'subscribe') throw new Error(`expected SUBSCRIBE, got ${subscribe.cmd}`);
  connection.send({ cmd: 'suback', messageId: subscribe.messageId ?? 0, granted: subscribe.subscriptions.map((s) => s.qos) });
  return connect;
}
