import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkTenant, checkTwinId, isTenant, isTwinId } from '../../src/core/ids.ts';

const TENANT = /^[a-z0-9][a-z0-9-]{0,62}$/;
const TWIN_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

describe('checkTwinId', () => {
  it.each(['motor-001', 'a', 'Lift_1', 'urn:acme:pump.7', 'x'.repeat(128)])('accepts %s', (id) => {
    expect(checkTwinId(id)).toBeUndefined();
    expect(isTwinId(id)).toBe(true);
  });

  it('says how long a too long id is and what the limit is', () => {
    expect(checkTwinId('x'.repeat(130), 'id')).toBe('id is 130 characters; at most 128');
    expect(checkTwinId('x'.repeat(130))).toBe('is 130 characters; at most 128');
  });

  it('names an empty id', () => {
    expect(checkTwinId('')).toBe('must not be empty');
  });

  it('names a bad first character', () => {
    expect(checkTwinId('-motor')).toBe("must start with a letter or a digit, not '-'");
  });

  it('names the bad character and where it is', () => {
    expect(checkTwinId('motor/001')).toBe("contains '/' at position 6; only letters, digits and '.', '_', ':', '-' are allowed");
    expect(checkTwinId('motor 001')).toContain('U+0020 at position 6');
  });

  it('names a value that is not a string', () => {
    expect(checkTwinId(42)).toBe('must be a string, not a number');
    expect(checkTwinId(null)).toBe('must be a string, not null');
  });

  it('agrees with the pattern of DESIGN.md §4', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'aZ09._:-/ é'.split('')), maxLength: 140 }), (s) => {
        expect(isTwinId(s)).toBe(TWIN_ID.test(s));
      }),
    );
  });
});

describe('checkTenant', () => {
  it.each(['default', 'acme', 'a', '0-1', 'a'.repeat(63)])('accepts %s', (t) => {
    expect(checkTenant(t)).toBeUndefined();
  });

  it('says what is wrong', () => {
    expect(checkTenant('a'.repeat(64), 'tenant')).toBe('tenant is 64 characters; at most 63');
    expect(checkTenant('Acme')).toBe("must start with a lowercase letter or a digit, not 'A'");
    expect(checkTenant('ac_me')).toBe("contains '_' at position 3; only lowercase letters, digits and '-' are allowed");
  });

  it('agrees with the pattern of DESIGN.md §4', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'azA09-_.'.split('')), maxLength: 70 }), (s) => {
        expect(isTenant(s)).toBe(TENANT.test(s));
      }),
    );
  });
});
