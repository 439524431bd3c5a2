import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createMemoryStorage } from '../../src/adapters/memory/storage.ts';
import { createEmbeddedBroker } from '../../src/adapters/mqtt/embedded-broker.ts';
import { EventType, type Json, type TwinEvent } from '../../src/core/types.ts';
import { IoTWorkflow } from '../../src/core/workflow/builder.ts';
import { ManualClock } from '../../src/engine/clock.ts';
import { Engine } from '../../src/engine/engine.ts';
import { WorkflowEngine } from '../../src/engine/workflows.ts';
import type { Transport } from '../../src/ports.ts';
import { connectDevice } from '../support/mqtt-device.ts';
import { silentLogger } from '../support/logger.ts';

const T0 = Date.UTC(2026, 0, 1);

async function given(actions: Json[], transport?: Transport) {
  const engine = new Engine({ storage: createMemoryStorage(), logger: silentLogger, clock: new ManualClock(T0), processMetrics: false, ingest: { maxDelayMs: 1 }, ...(transport === undefined ? {} : { transport }) });
  await engine.start();
  await engine.registry.upsert('default', { id: 'm1' }, 'test');
  const workflows = new WorkflowEngine({ engine });
  await workflows.start();
  const events: TwinEvent[] = [];
  const sub = engine.bus.subscribe({});
  void (async () => {
    for await (const e of sub) events.push(e);
  })();
  const exec = await workflows.deploy(
    new IoTWorkflow('hot_watch').addStreamProcessor('hot', {
      sources: [{ twins: ['m1'] }],
      patterns: [{ name: 'hot', condition: 'temperature > 80', actions }],
    }),
  );
  const close = async () => {
    await workflows.close();
    await engine.close();
  };
  return { engine, workflows, exec, events, close };
}

/** Polls (real I/O is involved) until `check` passes. */
async function eventually(check: () => void, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      check();
      return;
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

async function body(req: IncomingMessage): Promise<string> {
  let s = '';
  for await (const chunk of req) s += String(chunk);
  return s;
}

describe('workflow actions against real peers', () => {
  it('webhook: POSTs the pattern payload to a local server; a failing webhook is counted and the workflow goes on', async () => {
    const received: { method: string; type: string; body: Record<string, unknown> }[] = [];
    let fail = false;
    const server = createServer((req, res) => {
      void body(req).then((b) => {
        received.push({ method: req.method ?? '', type: req.headers['content-type'] ?? '', body: JSON.parse(b) as Record<string, unknown> });
        res.statusCode = fail ? 500 : 204;
        res.end();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/hot`;
    const { engine, exec, events, close } = await given([{ type: 'webhook', url }]);
    try {
      await engine.ingest.accept('default', 'm1', { ts: T0 + 1000, temperature: 90 });
      await eventually(() => expect(received).toHaveLength(1));
      expect(received[0]).toMatchObject({
        method: 'POST',
        type: 'application/json',
        body: { phase: 'detected', workflow: 'hot_watch', processor: 'hot', pattern: 'hot', key: 'm1', values: { temperature: 90 } },
      });
      await eventually(() => expect(exec.actions.get('webhook:done')).toBe(1));
      await engine.ingest.accept('default', 'm1', { ts: T0 + 2000, temperature: 20 }); // cleared: the hook hears it too
      fail = true;
      await engine.ingest.accept('default', 'm1', { ts: T0 + 3000, temperature: 95 });
      await eventually(() => expect(exec.actions.get('webhook:failed')).toBe(2));
      // The failure stopped nothing: the next episode is still detected.
      await engine.ingest.accept('default', 'm1', { ts: T0 + 4000, temperature: 20 });
      await engine.ingest.accept('default', 'm1', { ts: T0 + 5000, temperature: 99 });
      await eventually(() => expect(events.filter((e) => e.type === EventType.PatternDetected)).toHaveLength(3));
      await eventually(() => expect(exec.actions.get('webhook:failed')).toBe(4));
      expect(exec.getMetrics(T0 + 10_000)).toMatchObject({ patterns_detected: 3, actions: { 'webhook:done': 1, 'webhook:failed': 4 } });
    } finally {
      await close();
      server.close();
    }
  });

  it('webhook to a closed port fails with the reason and is counted', async () => {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    server.close();
    await once(server, 'close');
    const { engine, exec, close } = await given([{ type: 'webhook', url: `http://127.0.0.1:${port}/x` }]);
    try {
      await engine.ingest.accept('default', 'm1', { ts: T0 + 1000, temperature: 90 });
      await eventually(() => expect(exec.actions.get('webhook:failed')).toBe(1));
    } finally {
      await close();
    }
  });

  it('publish: reaches an MQTT subscriber through the embedded broker, on the default and on a given topic', async () => {
    const broker = createEmbeddedBroker({ host: '127.0.0.1', port: 0, logger: silentLogger });
    const { engine, exec, close } = await given([{ type: 'publish' }, { type: 'publish', topic: 'plant/alerts/hot' }], broker);
    const subscriber = await connectDevice(broker.url);
    try {
      const messages: [string, Record<string, unknown>][] = [];
      subscriber.on('message', (topic, payload) => messages.push([topic, JSON.parse(payload.toString()) as Record<string, unknown>]));
      await subscriber.subscribeAsync(['tf/default/workflows/#', 'plant/alerts/#'], { qos: 1 });
      await engine.ingest.accept('default', 'm1', { ts: T0 + 1000, temperature: 90 });
      await eventually(() => expect(messages).toHaveLength(2));
      expect(messages.map(([t]) => t).sort()).toEqual(['plant/alerts/hot', 'tf/default/workflows/hot_watch/patterns/hot']);
      for (const [, m] of messages) expect(m).toMatchObject({ phase: 'detected', pattern: 'hot', key: 'm1', values: { temperature: 90 } });
      await eventually(() => expect(exec.actions.get('publish:done')).toBe(2));
    } finally {
      await subscriber.endAsync();
      await close();
    }
  });

  it('publish without a transport is skipped, not failed', async () => {
    const { engine, exec, close } = await given([{ type: 'publish' }]);
    try {
      await engine.ingest.accept('default', 'm1', { ts: T0 + 1000, temperature: 90 });
      await eventually(() => expect(exec.actions.get('publish:skipped')).toBe(1));
    } finally {
      await close();
    }
  });
});
