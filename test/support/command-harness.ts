import { createMemoryStorage } from '../../src/adapters/memory/storage.ts';
import type { TwinEvent } from '../../src/core/types.ts';
import { ManualClock } from '../../src/engine/clock.ts';
import { Engine, type EngineOptions } from '../../src/engine/engine.ts';
import { ComponentStatus, type InboundMessage, type Storage, type Transport } from '../../src/ports.ts';
import { silentLogger } from './logger.ts';

export const T0 = Date.UTC(2026, 10, 22, 12);

/** Lets every pending promise chain run (no wall-clock wait). */
export const settle = async (rounds = 20): Promise<void> => {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

export interface Published {
  topic: string;
  payload: { id: string; params: Record<string, unknown> };
}

/** A transport that records what twinflow publishes and lets the test play the device. */
export function recordingTransport(): Transport & { published: Published[]; fail: boolean; deliver(topic: string, payload: string): string[] } {
  let handler: ((m: InboundMessage) => void) | undefined;
  const acks: string[] = [];
  const t = {
    url: 'mqtt://fake',
    published: [] as Published[],
    fail: false,
    async start(onMessage: (m: InboundMessage) => void) {
      handler = onMessage;
    },
    async publish(topic: string, payload: string | Uint8Array) {
      if (t.fail) throw new Error('broker away');
      t.published.push({ topic, payload: JSON.parse(typeof payload === 'string' ? payload : new TextDecoder().decode(payload)) });
    },
    status: () => ComponentStatus.Up,
    async close() {},
    /** Publishes as a device; returns the acks so far. */
    deliver(topic: string, payload: string) {
      handler?.({ topic, payload: new TextEncoder().encode(payload), receivedAt: 0, qos: 1, ack: () => acks.push(topic) });
      return acks;
    },
  };
  return t;
}

export async function commandEngine(options: { storage?: Storage; clock?: ManualClock; commands?: EngineOptions['commands']; twins?: string[] } = {}) {
  const storage = options.storage ?? createMemoryStorage();
  const clock = options.clock ?? new ManualClock(T0);
  const transport = recordingTransport();
  const engine = new Engine({ storage, transport, clock, logger: silentLogger, processMetrics: false, commands: { random: () => 0.5, ...options.commands } });
  await engine.start();
  for (const id of options.twins ?? ['d1']) {
    if (engine.registry.peek('default', id) === undefined) await engine.registry.upsert('default', { id }, 'test');
  }
  const events: TwinEvent[] = [];
  const sub = engine.bus.subscribe({});
  void (async () => {
    for await (const e of sub) events.push(e);
  })();
  const respond = (twin: string, id: string, status: string, extra: Record<string, unknown> = {}) =>
    transport.deliver(`tf/default/${twin}/commands/response`, JSON.stringify({ id, status, ...extra }));
  const advance = async (ms: number) => {
    clock.advance(ms);
    await settle();
  };
  return { engine, storage, clock, transport, events, respond, advance, close: () => engine.close() };
}
