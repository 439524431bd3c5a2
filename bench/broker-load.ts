/**
 * The client side of the broker benchmark: mqtt.js publishers → broker → an mqtt.js subscriber.
 *
 * It runs in a process of its own (see `measureBrokerRate` in broker.ts) so that the clients do not
 * share a thread with an in-process broker; run as a script it reads its options as JSON from argv[2]
 * and prints its result as one JSON line.
 */
import { connect as netConnect } from 'node:net';
import { pathToFileURL } from 'node:url';
import { MqttClient } from 'mqtt';

export interface BrokerLoad {
  /** `mqtt://host:port` of the broker under test. */
  url: string;
  /** Messages in all, split evenly over the publishers. @default 100000 */
  messages?: number;
  /** Publishing clients, each on its own connection. @default 4 */
  publishers?: number;
  /** QoS 1 publishes each publisher keeps in flight (awaiting PUBACK). @default 100 */
  window?: number;
  /** @default 1 */
  qos?: 0 | 1;
  /** Topic of message i: `{k}` becomes i mod `keys`. @default 'bench/{run}/dev-{k}' with `{run}` unique per load */
  topic?: string;
  /** Distinct topics (devices). @default 1000 */
  keys?: number;
  /** Payload of message i: `{i}` becomes i. @default a 60-byte JSON reading */
  payload?: string;
  /** Subscribe to the topics and count until every message has arrived; otherwise time the publishers only. @default true */
  subscribe?: boolean;
  /** Give up (and report what arrived) after this many ms. @default 120000 */
  timeoutMs?: number;
}

export interface LoadResult {
  messages: number;
  /** Publishes whose PUBACK came back (all of them at QoS 0). */
  acknowledged: number;
  /** Messages the subscriber got; equals `acknowledged` when subscribe is off. */
  received: number;
  /** From the first publish to the last message received (or the last PUBACK without subscriber). */
  seconds: number;
  /** received / seconds. */
  rate: number;
  timedOut: boolean;
}

export const LOAD_DEFAULTS = {
  messages: 100_000,
  publishers: 4,
  window: 100,
  qos: 1,
  topic: 'bench/{run}/dev-{k}',
  keys: 1000,
  payload: '{"seq":{i},"temperature":21.5,"humidity":40.25,"pressure":1013}',
  subscribe: true,
  timeoutMs: 120_000,
} as const;

function connectClient(url: string, clientId: string): Promise<MqttClient> {
  const { hostname, port } = new URL(url);
  const client = new MqttClient(
    // TCP_NODELAY as on every twinflow socket (DESIGN §9); without it small PUBACKs wait on Nagle.
    () => netConnect({ host: hostname, port: Number(port || 1883) }).setNoDelay(true),
    { protocolVersion: 4, clientId, clean: true, reconnectPeriod: 0, keepalive: 60 },
  );
  return new Promise((resolve, reject) => {
    client.once('error', reject);
    client.once('connect', () => {
      client.off('error', reject);
      resolve(client);
    });
  });
}

/** The filter that covers every topic of a template: levels from the first one holding `{k}` become `#`. */
export function subscriptionFilter(topicTemplate: string): string {
  const levels = topicTemplate.split('/');
  const at = levels.findIndex((level) => level.includes('{k}'));
  return at === -1 ? topicTemplate : [...levels.slice(0, at), '#'].join('/');
}

export async function runBrokerLoad(load: BrokerLoad): Promise<LoadResult> {
  const messages = load.messages ?? LOAD_DEFAULTS.messages;
  const publisherCount = load.publishers ?? LOAD_DEFAULTS.publishers;
  const window = load.window ?? LOAD_DEFAULTS.window;
  const qos = load.qos ?? LOAD_DEFAULTS.qos;
  const keys = load.keys ?? LOAD_DEFAULTS.keys;
  const subscribe = load.subscribe ?? LOAD_DEFAULTS.subscribe;
  const timeoutMs = load.timeoutMs ?? LOAD_DEFAULTS.timeoutMs;
  const run = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const topicTemplate = (load.topic ?? LOAD_DEFAULTS.topic).replaceAll('{run}', run);
  const payloadTemplate = load.payload ?? LOAD_DEFAULTS.payload;
  const topics = Array.from({ length: keys }, (_, k) => topicTemplate.replaceAll('{k}', String(k)));

  const clients: MqttClient[] = [];
  try {
    let received = 0;
    let acknowledged = 0;
    let lastAt = 0;
    let finish: () => void = () => {};
    const finished = new Promise<void>((resolve) => {
      finish = resolve;
    });

    if (subscribe) {
      const subscriber = await connectClient(load.url, `bench-sub-${run}`);
      clients.push(subscriber);
      subscriber.on('message', () => {
        received++;
        if (received === messages) {
          lastAt = performance.now();
          finish();
        }
      });
      await subscriber.subscribeAsync(subscriptionFilter(topicTemplate), { qos });
    }
    const publishers = await Promise.all(
      Array.from({ length: publisherCount }, (_, p) => connectClient(load.url, `bench-pub-${run}-${p}`)),
    );
    clients.push(...publishers);

    const startedAt = performance.now();
    const publishing = publishers.map(
      (client, p) =>
        new Promise<void>((resolve, reject) => {
          // Publisher p sends messages p, p + P, p + 2P…: the even split of `messages`.
          let next = p;
          let inFlight = 0;
          const sendOne = (): void => {
            const i = next;
            next += publisherCount;
            inFlight++;
            client.publish(topics[i % keys] as string, payloadTemplate.replaceAll('{i}', String(i)), { qos }, (err) => {
              if (err) {
                reject(err);
                return;
              }
              inFlight--;
              acknowledged++;
              if (!subscribe && acknowledged === messages) {
                lastAt = performance.now();
                finish();
              }
              if (next < messages) sendOne();
              else if (inFlight === 0) resolve();
            });
          };
          if (next >= messages) resolve();
          while (next < messages && inFlight < window) sendOne();
        }),
    );

    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      Promise.all([finished, ...publishing]).then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    const seconds = ((timedOut ? performance.now() : lastAt) - startedAt) / 1000;
    const counted = subscribe ? received : acknowledged;
    return { messages, acknowledged, received: counted, seconds, rate: Math.round(counted / seconds), timedOut };
  } finally {
    await Promise.all(clients.map((client) => client.endAsync(true)));
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const load = JSON.parse(process.argv[2] ?? '{}') as BrokerLoad;
  const result = await runBrokerLoad(load);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
