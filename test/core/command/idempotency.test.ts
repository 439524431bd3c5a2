import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalJson, sameRequest } from '../../../src/core/command/idempotency.ts';

describe('idempotency', () => {
  it('given the same params in another key order, then the same request; other params or name, then not', () => {
    expect(sameRequest({ name: 'a', params: { x: 1, y: [1, { b: 2, a: 1 }] } }, { name: 'a', params: { y: [1, { a: 1, b: 2 }], x: 1 } })).toBe(true);
    expect(sameRequest({ name: 'a', params: { x: 1 } }, { name: 'a', params: { x: 2 } })).toBe(false);
    expect(sameRequest({ name: 'a', params: {} }, { name: 'b', params: {} })).toBe(false);
    expect(canonicalJson(undefined)).toBe('null');
    expect(canonicalJson(null)).toBe('null');
  });

  it('property: canonical JSON round-trips to an equal value', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      expect(JSON.parse(canonicalJson(v as never))).toEqual(JSON.parse(JSON.stringify(v)));
    }));
  });
});
