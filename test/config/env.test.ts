import { describe, expect, it } from 'vitest';
import { substituteEnv } from '../../src/config/env.ts';
import { deepMerge } from '../../src/config/deep-merge.ts';

describe('substituteEnv', () => {
  it('substitutes inside nested lists and mappings, and never in keys', () => {
    const { value, problems } = substituteEnv({ '${K}': [{ a: 'x-${V}-y' }, 7, true, null] }, { K: 'no', V: 'v' });
    expect(problems).toEqual([]);
    expect(value).toEqual({ '${K}': [{ a: 'x-v-y' }, 7, true, null] });
  });

  it('substitutes several references in one scalar and keeps the rest of the text', () => {
    expect(substituteEnv('${A}:${B:-2}/${C:-}', { A: 'h' }).value).toBe('h:2/');
  });

  it('takes the default only when the variable is unset or empty', () => {
    expect(substituteEnv('${A:-d}', { A: '0' }).value).toBe('0');
    expect(substituteEnv('${A:-d}', { A: '' }).value).toBe('d');
    expect(substituteEnv('${A}', { A: '' }).value).toBe('');
  });

  it('reports each missing variable at its path', () => {
    expect(substituteEnv({ a: ['${X}', 'ok'], b: { c: '${Y}' } }, {}).problems.map((p) => p.path)).toEqual(['a[0]', 'b.c']);
  });
});

describe('deepMerge', () => {
  it('merges objects, replaces arrays and scalars, and skips undefined', () => {
    expect(deepMerge({ a: { b: 1, c: 2 }, l: [1, 2], s: 'x' }, { a: { c: 3, d: undefined }, l: [3], s: undefined })).toEqual({
      a: { b: 1, c: 3 },
      l: [3],
      s: 'x',
    });
  });

  it('takes the override when the base has nothing there, and the base when there is no override', () => {
    expect(deepMerge(undefined, { a: 1 })).toEqual({ a: 1 });
    expect(deepMerge({ a: 1 }, undefined)).toEqual({ a: 1 });
  });
});
