import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { childPath, pathOf, splitPath } from '../../src/core/problem-path.ts';

describe('problem paths', () => {
  it('writes keys dotted and indexes bracketed', () => {
    expect(childPath(childPath(childPath('', 'relationships'), 1), 'target')).toBe('relationships[1].target');
    expect(pathOf(['mqtt', 'port'])).toBe('mqtt.port');
  });

  it('quotes keys that would make the path ambiguous', () => {
    expect(pathOf(['metadata', 'a.b', 'c d', ''])).toBe('metadata["a.b"]["c d"][""]');
  });

  it('splits what it joins', () => {
    const segment = fc.oneof(fc.nat({ max: 99 }), fc.string({ maxLength: 6 }));
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 6 }).filter((s) => !/^\d+$/.test(s)), fc.array(segment, { maxLength: 5 }), (first, rest) => {
        const segments = [first, ...rest];
        expect(splitPath(pathOf(segments))).toEqual(segments);
      }),
    );
  });
});
