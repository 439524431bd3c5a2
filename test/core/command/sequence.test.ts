import { describe, expect, it } from 'vitest';
import { parseSequenceSpec, pathScope, resolveParams, type SequenceSpec } from '../../../src/core/command/sequence.ts';

/** The seed's `activate_cooling`, as a workflow's `command_sequences` section writes it. */
const ACTIVATE_COOLING = {
  target: { group: 'hvac_controllers', selection: 'nearest', parameters: { to_device: 'context.device_id' } },
  steps: [
    { command: 'set_mode', parameters: { mode: 'cool' } },
    { command: 'set_temperature', parameters: { temperature: 23.5 } },
    { command: 'set_fan_speed', parameters: { speed: 'auto' } },
  ],
  error_handling: { strategy: 'retry', max_attempts: 3, backoff: 'exponential' },
};

function parsed(raw: unknown): SequenceSpec {
  const r = parseSequenceSpec(raw);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.spec;
}

describe('sequence spec', () => {
  it("given the seed's activate_cooling, then it compiles to three chained steps with literal parameters and a nearest target", () => {
    const spec = parsed(ACTIVATE_COOLING);
    expect(spec.steps.map((s) => [s.name, s.dependsOn])).toEqual([['set_mode', []], ['set_temperature', ['set_mode']], ['set_fan_speed', ['set_temperature']]]);
    expect(resolveParams(spec.steps[0]!.parameters, () => undefined)).toEqual({ mode: 'cool' });
    expect(spec.target).toMatchObject({ group: 'hvac_controllers', selection: 'nearest', count: 1 });
    expect(spec.target.toDevice?.evaluate(pathScope({ context: { device_id: 'ts-1' } }))).toBe('ts-1');
    expect(spec.errorHandling).toMatchObject({ strategy: 'retry', max_attempts: 3 });
  });

  it('parameters: context/device/steps paths and ${…} are expressions; other strings are literal', () => {
    const spec = parsed({
      target: { twin: 'd1' },
      steps: [{ command: 'set', parameters: { a: 'context.setpoint + 1', b: '${2 * 3}', c: 'auto', d: 'device.dimensions.floor', e: 'steps.x.result', g: 7 } }],
    });
    const scope = pathScope({ context: { setpoint: 20 }, device: { dimensions: { floor: '2' } } });
    expect(resolveParams(spec.steps[0]!.parameters, scope)).toEqual({ a: 21, b: 6, c: 'auto', d: '2', e: null, g: 7 });
  });

  it('explicit dependencies order the steps; repeated commands get distinct names; conditions compile', () => {
    const spec = parsed({
      target: { filter: 'dimensions.floor == "2"' },
      steps: [
        { name: 'b', command: 'x', depends_on: ['a'], condition: 'context.level > 3', timeout_ms: 500 },
        { name: 'a', command: 'y', depends_on: [], error_handling: { strategy: 'skip' } },
        { command: 'z' },
        { command: 'z' },
      ],
      error_handling: { strategy: 'compensate', compensate: [{ command: 'undo' }] },
    });
    expect(spec.steps.map((s) => s.name)).toEqual(['a', 'b', 'z', 'z_2']);
    expect(spec.steps[1]!.condition?.evaluate(pathScope({ context: { level: 4 } }))).toBe(true);
    expect(spec.steps[1]!.timeoutMs).toBe(500);
    expect(spec.steps[0]!.errorHandling?.strategy).toBe('skip');
  });

  it('reports every problem with its path', () => {
    const r = parseSequenceSpec({
      target: { selection: 'sideways', filter: 3 },
      steps: [
        { command: 'a', name: 'n', depends_on: ['ghost'], condition: 'a >', parameters: 5, error_handling: { strategy: 'pray' } },
        { command: 'c', name: 'c', parameters: { bad: '${(}' } },
        { command: 'b', name: 'n', depends_on: 'a' },
        { name: 'nocommand' },
      ],
      error_handling: { strategy: 'retry', max_attempts: 0, compensate: 'x' },
    });
    expect(r.ok).toBe(false);
    const paths = !r.ok ? r.problems.map((p) => p.path) : [];
    expect(paths).toEqual(expect.arrayContaining([
      'target.filter', 'target.selection', 'steps[0].parameters', 'steps[0].condition', 'steps[0].error_handling',
      'steps[1].parameters.bad', 'steps[2].name', 'steps[2].depends_on', 'steps[3]', 'steps[0].depends_on', 'error_handling.max_attempts', 'error_handling.compensate',
    ]));
  });

  it('rejects non-objects, empty steps, missing targets, cycles, bad compensate steps and a nearest without a device', () => {
    expect(parseSequenceSpec(null).ok).toBe(false);
    expect(parseSequenceSpec({ target: {}, steps: [{ command: 'a' }] }).ok).toBe(false);
    expect(parseSequenceSpec({ target: 'x', steps: [] }).ok).toBe(false);
    const cycle = parseSequenceSpec({ target: { twin: 'd' }, steps: [{ name: 'a', command: 'a', depends_on: ['b'] }, { name: 'b', command: 'b', depends_on: ['a'] }] });
    expect(!cycle.ok && cycle.problems[0]!.message).toMatch(/cycle among a, b/);
    const comp = parseSequenceSpec({ target: { twin: 'd' }, steps: [{ command: 'a' }], error_handling: { strategy: 'compensate', compensate: [{}] } });
    expect(!comp.ok && comp.problems[0]!.path).toBe('error_handling.compensate[0]');
    const near = parseSequenceSpec({ target: { group: 'g', selection: 'nearest', parameters: { to_device: 'plain', count: 2 } }, steps: [{ command: 'a' }] });
    expect(!near.ok && near.problems[0]!.path).toBe('target.parameters.to_device');
    const near2 = parseSequenceSpec({ target: { group: 'g', selection: 'nearest' }, steps: [{ command: 'a' }] });
    expect(near2.ok).toBe(false);
    expect(parsed({ target: { group: 'g', selection: 'nearest', parameters: { to_device: 'context.d', count: 2 } }, steps: [{ command: 'a' }] }).target.count).toBe(2);
    expect(parsed({ target: { twin: 'd', selection: 'all' }, steps: [{ command: 'a' }] }).errorHandling.strategy).toBe('abort');
  });

  it('pathScope walks objects and stops at anything else', () => {
    const scope = pathScope({ a: { b: 1 }, s: 'x' });
    expect(scope('a.b')).toBe(1);
    expect(scope('s.length')).toBeUndefined();
  });
});
