/**
 * The iotflow seed's temperature patterns as pure functions of simulated time: constant, sine wave, random walk,
 * step, drift, plus spikes and dropouts on top, each with base value, amplitude, period and random variance.
 */
import { gaussian } from '../random.ts';

export const TimePattern = {
  Constant: 'constant',
  SineWave: 'sine_wave',
  RandomWalk: 'random_walk',
  Step: 'step',
  Drift: 'drift',
} as const;
export type TimePattern = (typeof TimePattern)[keyof typeof TimePattern];

export interface PatternSpec {
  time_pattern: TimePattern;
  base_value: number;
  /** Standard deviation of the Gaussian noise added to every reading. */
  random_variance: number;
  amplitude: number;
  /** Seconds (sine period). */
  period: number;
  /** Seconds after start at which `step` jumps by `amplitude`. */
  step_at: number;
  /** Units per hour (`drift`). */
  drift_per_hour: number;
  /** Probability that a reading is a spike of ± spike_size. */
  spike_probability: number;
  spike_size: number;
  /** Probability that a reading is not sent at all. */
  dropout_probability: number;
}

export interface PatternState {
  walk: number;
}

export type PatternSample = { kind: 'value'; value: number; spike: boolean } | { kind: 'dropout' };

export function samplePattern(spec: PatternSpec, tSeconds: number, random: () => number, state: PatternState): PatternSample {
  if (spec.dropout_probability > 0 && random() < spec.dropout_probability) return { kind: 'dropout' };
  let value = spec.base_value;
  switch (spec.time_pattern) {
    case TimePattern.SineWave:
      value += spec.amplitude * Math.sin((2 * Math.PI * tSeconds) / spec.period);
      break;
    case TimePattern.RandomWalk:
      state.walk += spec.amplitude * gaussian(random);
      value += state.walk;
      break;
    case TimePattern.Step:
      if (tSeconds >= spec.step_at) value += spec.amplitude;
      break;
    case TimePattern.Drift:
      value += (spec.drift_per_hour * tSeconds) / 3600;
      break;
    case TimePattern.Constant:
      break;
  }
  if (spec.random_variance > 0) value += spec.random_variance * gaussian(random);
  const spike = spec.spike_probability > 0 && random() < spec.spike_probability;
  if (spike) value += spec.spike_size * (random() < 0.5 ? -1 : 1);
  return { kind: 'value', value, spike };
}
