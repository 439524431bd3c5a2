/**
 * Commands against a real Mosquitto and a scripted device that misbehaves on purpose: it drops commands and answers,
 * delays, duplicates and reorders its answers, and drops off the network mid-run (its last will says `offline`).
 * Nothing may be lost, nothing executed twice, and the order of execution must be the order of submission.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MqttClient } from 'mqtt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createExternalTransport } from '../../src/adapters/mqtt/external-client.ts';
import { openStorage } from '../../src/adapters/open-storage.ts';
import { Backoff, type RetryPolicy } from '../../src/core/command/retry-policy.ts';
import { seededRandom } from '../../src/core/random.ts';
import { Engine } from '../../src/engine/engine.ts';
import type { Storage } from '../../src/ports.ts';
import { describeWith } from '../support/components.ts';
import { eventually } from '../support/inbox.ts';
import { silentLogger } from '../support/logger.ts';
import { mqttHostPort } from '../support/mqtt-device.ts';
import { probeMosquitto, startMosquitto, type RunningMosquitto } from '../support/mosquitto.ts';

const describeMosquitto = await describeWith('Mosquitto', () => probeMosquitto());

const RETRY: RetryPolicy = { maxAttempts: 50, backoff: { kind: Backoff.Constant, ms: 30 }, jitter: 0.2, retryOn: ['timed_out'] };

interface Misbehaviour {
  dropCommand: number;
  dropAnswer: number;
  duplicate: number;
  reorder: number;
  maxDelayMs: number;
}

/**
 * A device that executes each command id once (it remembers the ids, as the topic contract asks of devices) and
 * answers according to a seeded script. `executed` is what it actually did, in order.
 */
class ScriptedDevice {
  readonly executed: number[] = [];
  readonly received: string[] = [];
  readonly #results = new Map<string, number>();
  #client: MqttClient | undefined;
  readonly #random: () => number;

  constructor(
    readonly url: string,
    readonly twinId: string,
    readonly misbehaviour: Misbehaviour,
    seed: number,
  ) {
    this.#random = seededRandom(seed);
  }

  async connect(): Promise<void> {
    const { host, port } = mqttHostPort(this.url);
    const client = new MqttClient(() => netConnect({ host, port }).setNoDelay(true), {
      protocolVersion: 4,
      clientId: `dev-${this.twinId}-${Math.random().toString(16).slice(2, 8)}`,
      clean: true,
      reconnectPeriod: 0,
      will: { topic: `tf/default/${this.twinId}/status`, payload: Buffer.from('offline'), qos: 1, retain: false },
    });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    client.on('message', (topic, payload) => this.#onCommand(topic, payload));
    await client.subscribeAsync(`tf/default/${this.twinId}/commands/+`, { qos: 1 });
    await client.publishAsync(`tf/default/${this.twinId}/status`, 'online', { qos: 1 });
    this.#client = client;
  }

  /** Drops off the network without DISCONNECT: the broker publishes the last will. */
  vanish(): void {
    const client = this.#client;
    this.#client = undefined;
    client?.stream.destroy();
    client?.end(true);
  }

  async close(): Promise<void> {
    await this.#client?.endAsync();
  }

  #onCommand(topic: string, payload: Buffer): void {
    const client = this.#client;
    if (client === undefined || topic.endsWith('/response')) return;
    const command = JSON.parse(payload.toString()) as { id: string; params: { n: number } };
    this.received.push(command.id);
    const m = this.misbehaviour;
    if (this.#random() < m.dropCommand) return;
    if (!this.#results.has(command.id)) {
      this.executed.push(command.params.n);
      this.#results.set(command.id, command.params.n);
    }
    if (this.#random() < m.dropAnswer) return;
    const answers = [
      { id: command.id, status: 'delivered' },
      { id: command.id, status: 'succeeded', result: { n: this.#results.get(command.id) } },
    ];
    if (this.#random() < m.reorder) answers.reverse();
    if (this.#random() < m.duplicate) answers.push(answers[1]!);
    const delay = Math.floor(this.#random() * m.maxDelayMs);
    setTimeout(() => {
      // An answer due after the device vanished is lost with it.
      if (this.#client !== client) return;
      for (const a of answers) client.publish(`tf/default/${this.twinId}/commands/response`, JSON.stringify(a), { qos: 1 });
    }, delay);
  }
}

describeMosquitto('commands over Mosquitto with a misbehaving device', () => {
  let mosquitto: RunningMosquitto;
  let dir: string;

  beforeAll(async () => {
    mosquitto = await startMosquitto();
    dir = await mkdtemp(join(tmpdir(), 'twinflow-commands-'));
  });
  afterAll(async () => {
    await mosquitto?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  async function startEngine(storage: Storage, clientId: string): Promise<Engine> {
    const transport = createExternalTransport({
      url: mosquitto.url,
      clientId,
      topics: ['tf/+/+/telemetry', 'tf/+/+/commands/response', 'tf/+/+/status'],
      logger: silentLogger,
    });
    const engine = new Engine({ storage, transport, logger: silentLogger, processMetrics: false, commands: { defaultTimeoutMs: 250, defaultRetry: RETRY } });
    await engine.start();
    return engine;
  }

  it('loses none, executes none twice and keeps the order through drops, delays, duplicates, reordering and an outage', async () => {
    const storage = await openStorage('memory:');
    const engine = await startEngine(storage, `tf-int-${Date.now()}`);
    await engine.registry.upsert('default', { id: 'dev1' }, 'test');
    const device = new ScriptedDevice(mosquitto.url, 'dev1', { dropCommand: 0.15, dropAnswer: 0.15, duplicate: 0.3, reorder: 0.3, maxDelayMs: 60 }, 42);
    await device.connect();
    const ids: string[] = [];
    try {
      for (let n = 0; n < 30; n++) {
        ids.push((await engine.commands.submit('default', 'dev1', 'step', { params: { n }, priority: 0, ordered: true, idempotencyKey: `k${n}` })).command.id);
      }
      await eventually(() => device.executed.length >= 10, 'ten commands executed', 20_000);
      device.vanish();
      await eventually(() => !engine.commands.isOnline('default', 'dev1'), 'the last will marks the device offline', 10_000);
      const sentWhileAway = device.received.length;
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(device.received.length).toBe(sentWhileAway);
      await device.connect();
      await Promise.all(ids.map((id) => engine.commands.wait('default', id)));

      const finals = await Promise.all(ids.map((id) => engine.commands.get('default', id)));
      expect(finals.map((c) => c.status)).toEqual(ids.map(() => 'succeeded'));
      expect(device.executed).toEqual([...Array(30).keys()]);
      for (const id of ids) {
        const audit = await engine.commands.audit('default', id);
        expect(audit.filter((r) => r.to === 'succeeded')).toHaveLength(1);
      }
    } finally {
      await device.close();
      await engine.close();
      await storage.close();
    }
  }, 60_000);

  it('resumes commands in flight after a restart of twinflow, from the stored state, with the answers given meanwhile', async () => {
    const url = `sqlite:${join(dir, 'restart.db')}`;
    const clientId = `tf-restart-${Date.now()}`;
    let storage = await openStorage(url);
    let engine = await startEngine(storage, clientId);
    await engine.registry.upsert('default', { id: 'dev2' }, 'test');
    const device = new ScriptedDevice(mosquitto.url, 'dev2', { dropCommand: 0, dropAnswer: 0, duplicate: 0, reorder: 0, maxDelayMs: 150 }, 7);
    await device.connect();
    const ids: string[] = [];
    try {
      for (let n = 0; n < 6; n++) ids.push((await engine.commands.submit('default', 'dev2', 'step', { params: { n }, priority: 0, ordered: true, timeoutMs: 2000 })).command.id);
      await eventually(() => device.executed.length >= 2, 'two commands executed', 10_000);
      await engine.close();
      await storage.close();
      // The device answers while twinflow is down; Mosquitto keeps it for twinflow's persistent session.
      await new Promise((resolve) => setTimeout(resolve, 300));
      storage = await openStorage(url);
      engine = await startEngine(storage, clientId);
      await Promise.all(ids.map((id) => engine.commands.wait('default', id)));
      const finals = await Promise.all(ids.map((id) => engine.commands.get('default', id)));
      expect(finals.map((c) => c.status)).toEqual(ids.map(() => 'succeeded'));
      expect(device.executed).toEqual([0, 1, 2, 3, 4, 5]);
    } finally {
      await device.close();
      await engine.close();
      await storage.close();
    }
  }, 60_000);
});
