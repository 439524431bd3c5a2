import { parseDuration } from '../core/duration.ts';
import { TimePattern, type PatternSpec } from '../core/sim/patterns.ts';

export interface SimDevice {
  id: string;
  /** Device group the patterns address (`temperature_sensors`). */
  group?: string;
  tenant?: string;
}

/** A pattern as the iotflow seed writes it: durations as text, most keys optional. */
export interface PatternInput {
  group?: string;
  device?: string;
  field?: string;
  base_value?: number;
  random_variance?: number;
  time_pattern?: string;
  period?: string | number;
  amplitude?: number;
  step_at?: string | number;
  drift_per_hour?: number;
  spike_probability?: number;
  spike_size?: number;
  dropout_probability?: number;
}

export interface ScenarioPattern {
  group?: string;
  device?: string;
  field: string;
  spec: PatternSpec;
}

/** A named set of patterns over devices (`simulator.create_scenario("summer_afternoon")`). */
export class Scenario {
  readonly name: string;
  readonly patterns: ScenarioPattern[] = [];
  /** Seconds between readings of one device. */
  interval = 1;

  constructor(name: string) {
    this.name = name;
  }

  addTemperaturePattern(input: PatternInput): this {
    return this.addPattern({ field: 'temperature', ...input });
  }

  /** The seed's spelling. */
  add_temperature_pattern(input: PatternInput): this {
    return this.addTemperaturePattern(input);
  }

  addPattern(input: PatternInput): this {
    const kind = (input.time_pattern ?? TimePattern.Constant) as TimePattern;
    if (!Object.values(TimePattern).includes(kind)) throw new Error(`time_pattern must be one of ${Object.values(TimePattern).join(', ')}, not "${input.time_pattern}"`);
    const seconds = (v: string | number | undefined, fallback: number) => {
      if (v === undefined) return fallback;
      const ms = typeof v === 'number' ? v * 1000 : parseDuration(v);
      if (ms === undefined) throw new Error(`"${v}" is not a duration such as 30s, 5m, 24h`);
      return ms / 1000;
    };
    this.patterns.push({
      ...(input.group === undefined ? {} : { group: input.group }),
      ...(input.device === undefined ? {} : { device: input.device }),
      field: input.field ?? 'temperature',
      spec: {
        time_pattern: kind,
        base_value: input.base_value ?? 20,
        random_variance: input.random_variance ?? 0,
        amplitude: input.amplitude ?? 0,
        period: seconds(input.period, 86_400),
        step_at: seconds(input.step_at, 0),
        drift_per_hour: input.drift_per_hour ?? 0,
        spike_probability: input.spike_probability ?? 0,
        spike_size: input.spike_size ?? 0,
        dropout_probability: input.dropout_probability ?? 0,
      },
    });
    return this;
  }
}
