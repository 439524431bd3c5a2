import { describe, expect, it } from 'vitest';
import { PatternDetector, type Transition } from '../../../src/core/stream/pattern-detector.ts';
import { parsePattern, type PatternCondition } from '../../../src/core/stream/pattern-parse.ts';

function condition(text: string): PatternCondition {
  const r = parsePattern(text);
  if (!r.ok) throw new Error(r.problems.map((p) => p.message).join('; '));
  return r.condition;
}

function problems(text: string): string[] {
  const r = parsePattern(text);
  if (r.ok) throw new Error(`"${text}" parsed`);
  return r.problems.map((p) => p.message);
}

/** Feeds window results [start, end) of `size` ms, one per value, to a detector; returns the transitions as `phase@end`. */
function feed(d: PatternDetector, size: number, rows: Record<string, unknown>[], key = 'k', t0 = 0): string[] {
  const out: string[] = [];
  rows.forEach((row, i) => {
    const start = t0 + i * size;
    const t: Transition | undefined = d.onResult(key, start, start + size, (p) => row[p]);
    if (t !== undefined) out.push(`${t.phase}@${start + size}`);
  });
  return out;
}

const M = 60_000;

describe('pattern conditions', () => {
  it('parses every form of §5.6', () => {
    expect(condition('avg_temp > 30').type).toBe('each');
    expect(condition('max_temp - min_temp > 5 within 5m')).toMatchObject({ type: 'within', span: 5 * M });
    expect(condition('avg_temp > 30 for 3 consecutive windows')).toMatchObject({ type: 'consecutive', windows: 3 });
    expect(condition('avg_temp > 30 for 1 consecutive window')).toMatchObject({ type: 'consecutive', windows: 1 });
    expect(condition('temperature > 80 for 30s')).toMatchObject({ type: 'sustained', duration: 30_000 });
    expect(condition('door == "open" then alarm == true within 2m')).toMatchObject({ type: 'sequence', within: 2 * M });
    expect(condition('absent for 10m')).toMatchObject({ type: 'absent', duration: 10 * M });
    const c = condition('  avg_temp > 30 for 2 consecutive windows clear when avg_temp < 28');
    expect(c.clear?.text).toBe('avg_temp < 28');
  });

  it('names the column of an expression error within the whole condition', () => {
    expect(problems('avg_temp > > 30')).toEqual(['column 12: unexpected ">"']);
    expect(problems('x > 1 for 3 consecutive windows clear when y <')).toEqual(['column 47: expression ends too early']);
    expect(problems('foo(x) for 2 consecutive windows')).toEqual(['column 1: unknown function "foo" (known: abs, min, max, round, floor, ceil, sqrt, exp, log, pow, clamp)']);
    expect(problems('a > 1 then b > within 5m')).toEqual(['column 15: expression ends too early']);
    expect(problems('a > then b > 1 within 5m')).toEqual(['column 4: expression ends too early']);
    expect(problems('x > 1 for 0 consecutive windows')).toEqual(['needs at least 1 consecutive window']);
    expect(problems('x > within 5m')).toEqual(['column 4: expression ends too early']);
    expect(problems('x > for 5m')).toEqual(['column 4: expression ends too early']);
    expect(problems('absent for soon')).toEqual(['"soon" is not a duration such as 30s, 5m or 1h']);
    expect(problems('x > 1 within 0s')).toEqual(['"0s" is not a duration such as 30s, 5m or 1h']);
    // `for` followed by something that is not a duration is not the sustained form: the expression says where.
    expect(problems('x > 1 for ever')).toEqual(['column 7: unexpected "for"']);
  });
});

describe('pattern episodes', () => {
  it('EXPR: detected once per episode, cleared when the condition stops holding', () => {
    const d = new PatternDetector(condition('avg > 30'));
    expect(feed(d, M, [{ avg: 31 }, { avg: 35 }, { avg: 20 }, { avg: 32 }, { avg: 'x' }])).toEqual(['detected@60000', 'cleared@180000', 'detected@240000', 'cleared@300000']);
    expect(d.activeCount).toBe(0);
  });

  it('EXPR for N consecutive windows: fires on the Nth, not again until the run breaks', () => {
    const d = new PatternDetector(condition('avg > 30 for 3 consecutive windows'));
    const rows = [31, 32, 20, 31, 32, 33, 34, 10, 40, 40, 40].map((avg) => ({ avg }));
    expect(feed(d, M, rows)).toEqual([`detected@${6 * M}`, `cleared@${8 * M}`, `detected@${11 * M}`]);
  });

  it('hysteresis: with clear when, the episode lasts until the clear condition holds', () => {
    const d = new PatternDetector(condition('avg > 30 for 2 consecutive windows clear when avg < 28'));
    const rows = [31, 31, 29, 31, 29, 27, 31, 31].map((avg) => ({ avg }));
    expect(feed(d, M, rows)).toEqual([`detected@${2 * M}`, `cleared@${6 * M}`, `detected@${8 * M}`]);
    expect(d.isActive('k')).toBe(true);
    expect(d.activeCount).toBe(1);
    expect(d.isActive('other')).toBe(false);
  });

  it('EXPR within D: judged on each result of the span it is given', () => {
    const d = new PatternDetector(condition('max - min > 5 within 5m'));
    expect(feed(d, 5 * M, [{ max: 10, min: 1 }, { max: 10, min: 6 }])).toEqual([`detected@${5 * M}`, `cleared@${10 * M}`]);
  });

  it('EXPR for D: sustained from the start of the first true result', () => {
    const d = new PatternDetector(condition('t > 80 for 3m'));
    const rows = [81, 82, 79, 81, 81, 81, 81, 70].map((t) => ({ t }));
    expect(feed(d, M, rows)).toEqual([`detected@${6 * M}`, `cleared@${8 * M}`]);
  });

  it('A then B within D: B must follow A, strictly later, within D', () => {
    const d = new PatternDetector(condition('door == "open" then temp > 30 within 2m'));
    const rows = [
      { door: 'open', temp: 35 }, // A and B together: B does not count for this A
      { door: 'shut', temp: 35 }, // B one minute after A: match
      { door: 'shut', temp: 35 }, // still holding: same episode
      { door: 'shut', temp: 20 }, // episode over
      { door: 'open', temp: 20 },
      { door: 'shut', temp: 20 },
      { door: 'shut', temp: 20 },
      { door: 'shut', temp: 35 }, // three minutes after A: too late
    ];
    expect(feed(d, M, rows)).toEqual([`detected@${2 * M}`, `cleared@${4 * M}`]);
  });

  it('absent for D: fires for a silent key on the clock, clears when data returns', () => {
    const d = new PatternDetector(condition('absent for 10m'));
    expect(d.onTick(0)).toEqual([]);
    feed(d, M, [{ v: 1 }], 'a');
    d.watch('b', 0);
    expect(d.onTick(10 * M)).toEqual([{ phase: 'detected', key: 'b' }]);
    expect(d.onTick(11 * M)).toEqual([{ phase: 'detected', key: 'a' }]);
    expect(d.onTick(12 * M)).toEqual([]);
    expect(d.onResult('a', 12 * M, 12 * M, () => 1)).toEqual({ phase: 'cleared', key: 'a' });
    expect(d.onResult('a', 13 * M, 13 * M, () => 1)).toBeUndefined();
    const other = new PatternDetector(condition('v > 1'));
    expect(other.onTick(1e12)).toEqual([]);
  });

  it('counts evaluation errors as false', () => {
    const d = new PatternDetector(condition('v * 2 > 1'));
    expect(feed(d, M, [{ v: 'x' }, { v: 1 }])).toEqual([`detected@${2 * M}`]);
    expect(d.errors).toBe(1);
  });

  it('restart: the state round-trips through JSON and the episode is not reported twice', () => {
    const d = new PatternDetector(condition('avg > 30 for 2 consecutive windows'));
    expect(feed(d, M, [{ avg: 31 }, { avg: 31 }])).toEqual([`detected@${2 * M}`]);
    const again = new PatternDetector(condition('avg > 30 for 2 consecutive windows'));
    again.restore(JSON.parse(JSON.stringify(d.snapshot())));
    expect(feed(again, M, [{ avg: 31 }, { avg: 20 }], 'k', 2 * M)).toEqual([`cleared@${4 * M}`]);
  });
});

describe('EXPR for D on the clock', () => {
  it('fires when results stop arriving while the last one held, not before D, once per episode', () => {
    const d = new PatternDetector(condition('t > 80 for 3m'));
    expect(feed(d, M, [{ t: 81 }, { t: 82 }])).toEqual([]); // held over [0, 2m)
    expect(d.onTick(3 * M - 1)).toEqual([]);
    expect(d.onTick(3 * M)).toEqual([{ phase: 'detected', key: 'k' }]);
    expect(d.onTick(4 * M)).toEqual([]);
    // The next result still holds: same episode; then it stops holding: cleared.
    expect(d.onResult('k', 3 * M, 4 * M, () => 85)).toBeUndefined();
    expect(d.onResult('k', 4 * M, 5 * M, () => 70)).toEqual({ phase: 'cleared', key: 'k' });
    expect(d.onTick(60 * M)).toEqual([]);
  });

  it('does not fire when the last result broke the run', () => {
    const d = new PatternDetector(condition('t > 80 for 3m'));
    feed(d, M, [{ t: 81 }, { t: 70 }]);
    expect(d.onTick(10 * M)).toEqual([]);
  });
});
