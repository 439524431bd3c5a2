import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { describeType, isJsonObject, jsonEqual, nonJsonProblem } from '../../src/core/json.ts';

describe('json helpers', () => {
  it('isJsonObject takes plain objects only', () => {
    expect(isJsonObject({})).toBe(true);
    expect(isJsonObject(Object.create(null))).toBe(true);
    expect(isJsonObject([])).toBe(false);
    expect(isJsonObject(null)).toBe(false);
    expect(isJsonObject(new Date(0))).toBe(false);
    expect(isJsonObject(new Map())).toBe(false);
  });

  it('describeType names what was given', () => {
    expect([null, undefined, [], {}, 'x', 1, NaN, true, new Date(0), () => 1].map(describeType)).toEqual([
      'null',
      'nothing',
      'an array',
      'an object',
      'a string',
      'a number',
      'NaN',
      'a boolean',
      'a Date',
      'a function',
    ]);
  });

  it('nonJsonProblem finds the first non-JSON value and its path', () => {
    expect(nonJsonProblem({ a: [1, { b: -Infinity }] }, 'metadata')).toEqual({
      path: 'metadata.a[1].b',
      message: 'must be JSON; -Infinity is not a JSON number',
    });
    expect(nonJsonProblem({ a: [1, 'x', null, true, { b: {} }] }, '')).toBeUndefined();
    expect(nonJsonProblem({ bin: new Uint8Array(2) }, '')).toEqual({ path: 'bin', message: 'must be JSON, not a Uint8Array' });
  });

  it('jsonEqual ignores key order and undefined members', () => {
    expect(jsonEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1, x: undefined }, { a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 2 })).toBe(false);
    expect(jsonEqual([1], { 0: 1 })).toBe(false);
    expect(jsonEqual({ 0: 1 }, [1])).toBe(false);
    expect(jsonEqual([1, 2], [1])).toBe(false);
    expect(jsonEqual({ a: 1 }, { b: 1 })).toBe(false);
    expect(jsonEqual(null, {})).toBe(false);
  });

  it('jsonEqual agrees with comparing canonical JSON text', () => {
    const canonical = (v: unknown): string =>
      JSON.stringify(v, (_k, x: unknown) =>
        isJsonObject(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x,
      );
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), fc.jsonValue({ maxDepth: 3 }), (a, b) => {
        expect(jsonEqual(a, b)).toBe(canonical(a) === canonical(b));
        expect(jsonEqual(a, structuredClone(a))).toBe(true);
      }),
    );
  });
});
