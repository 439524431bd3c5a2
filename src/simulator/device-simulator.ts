import { parseDuration } from '../core/duration.ts';
import { samplePattern, type PatternState } from '../core/sim/patterns.ts';
import { seededRandom } from '../core/random.ts';
import { Scenario, type SimDevice } from './scenario.ts';

export interface Publisher {
  publish(topic: string, payload: string): Promise<void>;
}

export interface RunOptions {
  /** `1h`, `30m`, or ms; absent runs until `stop()`. */
  duration?: string | number;
  /** Simulated time runs as fast as the publisher takes it, instead of in real time. @default false */
  accelerated?: boolean;
  /** Epoch ms of simulated time zero. */
  start: number;
  /** Waits `ms` of real time (only when not accelerated); injected so tests and the core stay clock-free. */
  sleep: (ms: number) => Promise<void>;
  publisher: Publisher;
  /** @default 'tf' */
  root?: string;
  /** @default 'default' */
  tenant?: string;
  /** @default 1 */
  seed?: number;
  /** Called after each tick with simulated seconds done and total (Infinity when open-ended). */
  onProgress?: (done: number, total: number) => void;
}

export interface RunSummary {
  scenario: string;
  devices: number;
  messages: number;
  readings: number;
  spikes: number;
  dropouts: number;
  simulated_seconds: number;
}

/**
 * The iotflow seed's DeviceSimulator: devices, scenarios of patterns per group or device, and a run that publishes
 * each device's readings to `tf/{tenant}/{id}/telemetry` with simulated timestamps, in real or accelerated time.
 */
export class DeviceSimulator {
  readonly devices: readonly SimDevice[];
  #stopped = false;

  constructor(devices: readonly SimDevice[]) {
    this.devices = devices;
  }

  createScenario(name: string): Scenario {
    return new Scenario(name);
  }

  /** The seed's spelling. */
  create_scenario(name: string): Scenario {
    return this.createScenario(name);
  }

  stop(): void {
    this.#stopped = true;
  }

  async runScenario(scenario: Scenario, options: RunOptions): Promise<RunSummary> {
    this.#stopped = false;
    const total = options.duration === undefined ? Number.POSITIVE_INFINITY : (parseDuration(options.duration) ?? 0) / 1000;
    const random = seededRandom(options.seed ?? 1);
    const root = options.root ?? 'tf';
    const summary: RunSummary = { scenario: scenario.name, devices: this.devices.length, messages: 0, readings: 0, spikes: 0, dropouts: 0, simulated_seconds: 0 };
    const states = new Map<string, PatternState>();
    const interval = scenario.interval;
    for (let t = 0; t < total && !this.#stopped; t += interval) {
      const ts = options.start + t * 1000;
      const sends: Promise<void>[] = [];
      for (const device of this.devices) {
        const values: Record<string, number> = {};
        for (const [i, p] of scenario.patterns.entries()) {
          if (p.device !== undefined ? p.device !== device.id : p.group !== undefined && p.group !== device.group) continue;
          const key = `${device.id}\u0000${i}`;
          let state = states.get(key);
          if (state === undefined) states.set(key, (state = { walk: 0 }));
          const sample = samplePattern(p.spec, t, random, state);
          if (sample.kind === 'dropout') {
            summary.dropouts++;
            continue;
          }
          if (sample.spike) summary.spikes++;
          values[p.field] = Math.round(sample.value * 1000) / 1000;
          summary.readings++;
        }
        if (Object.keys(values).length === 0) continue;
        const topic = `${root}/${device.tenant ?? options.tenant ?? 'default'}/${device.id}/telemetry`;
        sends.push(options.publisher.publish(topic, JSON.stringify({ ts, ...values })));
        summary.messages++;
      }
      await Promise.all(sends);
      summary.simulated_seconds = t + interval;
      options.onProgress?.(summary.simulated_seconds, total);
      if (options.accelerated !== true) await options.sleep(interval * 1000);
    }
    return summary;
  }

  /** The seed's spelling. */
  run_scenario(scenario: Scenario, options: RunOptions): Promise<RunSummary> {
    return this.runScenario(scenario, options);
  }
}
