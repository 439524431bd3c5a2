import { describe, expect, it } from 'vitest';
import { parsePattern } from '../../../src/core/stream/pattern-parse.ts';
import { StreamProcessor, type PatternTransition } from '../../../src/core/stream/processor.ts';
import { ManualClock } from '../../../src/engine/clock.ts';

const M = 60_000;

function processor(condition: string, withWindow: boolean) {
  const parsed = parsePattern(condition);
  if (!parsed.ok) throw new Error(condition);
  const transitions: PatternTransition[] = [];
  const p = new StreamProcessor(
    {
      name: 'p',
      ...(withWindow ? { window: { type: 'tumbling', size: M } as const, aggregate: { by: ['device_id'], metrics: [{ name: 'avg_t', function: 'avg', field: 't' }] } } : {}),
      allowedLateness: 0,
      steps: [],
      patterns: [{ name: 'hot', condition: parsed.condition }],
    },
    { onTransition: (t) => transitions.push(t) },
  );
  return { p, transitions };
}

describe('stream processor on the clock', () => {
  it('EXPR for D over windows: the device goes silent while hot, the tick closes its window and fires on time', () => {
    const clock = new ManualClock(0);
    const { p, transitions } = processor('avg_t > 80 for 3m', true);
    p.push(10_000, { device_id: 'm1', t: 85 });
    p.push(70_000, { device_id: 'm1', t: 86 });
    // Silent from here on; the engine ticks every second.
    const tickUntil = (end: number) => {
      while (clock.now() < end) {
        clock.advance(1000);
        p.tick(clock.now());
      }
    };
    tickUntil(3 * M - 1000);
    expect(transitions).toEqual([]);
    tickUntil(3 * M);
    expect(transitions.map((t) => [t.phase, t.key, t.values.avg_t, t.start, t.end])).toEqual([['detected', 'm1', 86, M, 2 * M]]);
    tickUntil(10 * M);
    expect(transitions).toHaveLength(1);
  });

  it('EXPR for D per event: fires on the clock with the last event as its values', () => {
    const clock = new ManualClock(1000);
    const { p, transitions } = processor('t > 80 for 30s', false);
    p.push(clock.now(), { device_id: 'm2', t: 90 });
    clock.advance(29_000);
    p.tick(clock.now());
    expect(transitions).toEqual([]);
    clock.advance(1000);
    p.tick(clock.now());
    expect(transitions.map((t) => [t.phase, t.key, t.values.t])).toEqual([['detected', 'm2', 90]]);
  });

  it('absent keeps reporting at the tick time with no values', () => {
    const { p, transitions } = processor('absent for 1m', false);
    p.push(0, { device_id: 'm3', t: 1 });
    p.tick(M);
    expect(transitions.map((t) => [t.phase, t.key, t.start, t.values])).toEqual([['detected', 'm3', M, {}]]);
  });
});
