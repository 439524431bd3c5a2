import mqtt, { type MqttClient } from 'mqtt';
import { gaussian, seededRandom } from '../core/random.ts';
import type { Clock, Logger, Timer } from '../ports.ts';

export interface VirtualAssetOptions {
  /** Broker the asset publishes to. */
  url: string;
  tenant: string;
  twinId: string;
  /** @default 'tf' */
  root?: string;
  /** @default 1000 */
  intervalMs?: number;
  /** @default 1 */
  seed?: number;
  clock: Clock;
  logger: Logger;
}

/**
 * A motor temperature sensor, as the PyEdgeTwin demo's virtual asset: the winding warms towards a load-dependent
 * level with a slow five-minute load cycle, the sensor adds Gaussian noise, and one reading in a hundred is a spike
 * (a loose connector) for the model blocks to flag.
 */
export class VirtualMotorSensor {
  readonly #o: VirtualAssetOptions;
  readonly #random: () => number;
  #client: MqttClient | undefined;
  #timer: Timer | undefined;
  #temperature = 40;
  #step = 0;

  constructor(options: VirtualAssetOptions) {
    this.#o = options;
    this.#random = seededRandom(options.seed ?? 1);
  }

  async start(): Promise<void> {
    this.#client = await mqtt.connectAsync(this.#o.url, {
      clientId: `twinflow-sim-${this.#o.twinId}`,
      reconnectPeriod: 1000,
    });
    this.#client.on('error', (err) => this.#o.logger.warn({ err }, 'virtual asset: MQTT error'));
    this.#schedule();
  }

  /** The next reading: temperature in °C and load in %. */
  next(): { temperature: number; load: number } {
    const t = this.#step++ * ((this.#o.intervalMs ?? 1000) / 1000);
    const load = 60 + 25 * Math.sin((2 * Math.PI * t) / 300);
    const target = 35 + 0.5 * load;
    this.#temperature += (target - this.#temperature) * 0.05;
    const spike = this.#random() < 0.01 ? 15 * (this.#random() < 0.5 ? -1 : 1) : 0;
    const measured = this.#temperature + 0.3 * gaussian(this.#random) + spike;
    return { temperature: Math.round(measured * 100) / 100, load: Math.round(load * 10) / 10 };
  }

  async close(): Promise<void> {
    this.#timer?.cancel();
    this.#timer = undefined;
    await this.#client?.endAsync();
    this.#client = undefined;
  }

  #schedule(): void {
    this.#timer = this.#o.clock.setTimeout(() => {
      const client = this.#client;
      if (client === undefined) return;
      const topic = `${this.#o.root ?? 'tf'}/${this.#o.tenant}/${this.#o.twinId}/telemetry`;
      const payload = JSON.stringify({ ts: this.#o.clock.now(), ...this.next() });
      client.publish(topic, payload, { qos: 1 }, (err) => {
        if (err !== undefined) this.#o.logger.warn({ err }, 'virtual asset: publish failed');
      });
      this.#schedule();
    }, this.#o.intervalMs ?? 1000);
  }
}
