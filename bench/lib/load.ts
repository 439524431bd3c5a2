import mqtt, { type MqttClient } from 'mqtt';

export interface LoadOptions {
  url: string;
  /** Publishing connections, each with its share of the messages. */
  clients: number;
  total: number;
  /** Unacknowledged QoS 1 publishes per connection. */
  window: number;
  topic: (i: number) => string;
  payload: (i: number) => string;
}

/** Opens an mqtt.js connection with TCP_NODELAY (DESIGN §9: Nagle costs ~40 ms per round trip on loopback). */
export async function connectNoDelay(url: string, clientId: string, options: mqtt.IClientOptions = {}): Promise<MqttClient> {
  const client = mqtt.connect(url, { clientId, reconnectPeriod: 0, ...options });
  client.on('connect', () => (client.stream as unknown as { setNoDelay?: (b: boolean) => void }).setNoDelay?.(true));
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  return client;
}

/**
 * Publishes `total` QoS 1 messages over several connections, keeping `window` unacknowledged per connection, and
 * resolves with the time from the first publish to the last PUBACK.
 */
export async function publishLoad(o: LoadOptions): Promise<{ seconds: number; acked: number }> {
  const clients = await Promise.all(Array.from({ length: o.clients }, (_, c) => connectNoDelay(o.url, `bench-pub-${process.pid}-${c}-${Date.now()}`)));
  let acked = 0;
  const started = performance.now();
  await Promise.all(
    clients.map(
      (client, c) =>
        new Promise<void>((resolve, reject) => {
          let next = c;
          let inFlight = 0;
          const pump = () => {
            while (inFlight < o.window && next < o.total) {
              const i = next;
              next += o.clients;
              inFlight++;
              client.publish(o.topic(i), o.payload(i), { qos: 1 }, (err) => {
                if (err !== undefined && err !== null) return reject(err);
                inFlight--;
                acked++;
                if (next >= o.total && inFlight === 0) resolve();
                else pump();
              });
            }
          };
          pump();
        }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(clients.map((client) => client.endAsync()));
  return { seconds, acked };
}

/**
 * The broker's own QoS 1 publish→subscribe rate with the same publishers: one mqtt.js subscriber at QoS 1 on
 * `filter` counts deliveries; the rate is total / time from the first publish to the last delivery.
 */
export async function brokerRate(o: Omit<LoadOptions, 'topic'> & { filter: string; topic: (i: number) => string }): Promise<{ rate: number; delivered: number }> {
  const sub = await connectNoDelay(o.url, `bench-sub-${process.pid}-${Date.now()}`);
  await sub.subscribeAsync(o.filter, { qos: 1 });
  let delivered = 0;
  let done: () => void = () => {};
  const all = new Promise<void>((resolve) => (done = resolve));
  sub.on('message', () => {
    if (++delivered === o.total) done();
  });
  const started = performance.now();
  await publishLoad(o);
  await Promise.race([all, new Promise((r) => setTimeout(r, 30_000))]);
  const seconds = (performance.now() - started) / 1000;
  await sub.endAsync();
  return { rate: delivered / seconds, delivered };
}
