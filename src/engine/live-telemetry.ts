import { EventType, type JsonObject, type TelemetryValue } from '../core/types.ts';
import type { Clock, Timer } from '../ports.ts';
import type { EventBus } from './event-bus.ts';

interface Gathered {
  tenant: string;
  twinId: string;
  readings: JsonObject[];
}

/**
 * Telemetry on the live stream: every reading of a twin within `intervalMs` goes out as one `telemetry` event
 * carrying all of them. Fewer, larger events keep the stream cheap at high rates without dropping a reading.
 */
export class LiveTelemetry {
  readonly #bus: EventBus;
  readonly #clock: Clock;
  readonly #intervalMs: number;
  #gathered = new Map<string, Gathered>();
  #timer: Timer | undefined;

  constructor(options: { bus: EventBus; clock: Clock; intervalMs?: number }) {
    this.#bus = options.bus;
    this.#clock = options.clock;
    this.#intervalMs = options.intervalMs ?? 100;
  }

  add(tenant: string, twinId: string, key: string, ts: number, values: Record<string, TelemetryValue>): void {
    let entry = this.#gathered.get(key);
    if (entry === undefined) {
      entry = { tenant, twinId, readings: [] };
      this.#gathered.set(key, entry);
    }
    entry.readings.push({ ts: new Date(ts).toISOString(), values });
    this.#timer ??= this.#clock.setTimeout(() => this.flush(), this.#intervalMs);
  }

  flush(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    const gathered = this.#gathered;
    if (gathered.size === 0) return;
    this.#gathered = new Map();
    const time = this.#clock.now();
    for (const entry of gathered.values()) {
      this.#bus.publish({
        type: EventType.Telemetry,
        tenant: entry.tenant,
        twinId: entry.twinId,
        time,
        data: { readings: entry.readings },
      });
    }
  }
}
