import { describe, expect, it } from 'vitest';
import { closestMatch, unknownKeyMessage } from '../../src/core/suggest.ts';

describe('closestMatch', () => {
  it('finds a typo: a transposition, a missing, an extra or a wrong letter', () => {
    const keys = ['host', 'port', 'relationships', 'dimensions'];
    expect(closestMatch('prot', keys)).toBe('port');
    expect(closestMatch('relationship', keys)).toBe('relationships');
    expect(closestMatch('dimensionss', keys)).toBe('dimensions');
    expect(closestMatch('Host', keys)).toBe('host');
    expect(closestMatch('dimentions', keys)).toBe('dimensions');
  });

  it('suggests nothing for a word that is not close to any', () => {
    expect(closestMatch('colour', ['name', 'model'])).toBeUndefined();
    expect(closestMatch('x', [])).toBeUndefined();
  });

  it('words the unknown-key message with and without a suggestion', () => {
    expect(unknownKeyMessage('prot', ['port'])).toBe('unknown key (did you mean "port"?)');
    expect(unknownKeyMessage('kafka', ['csv'])).toBe('unknown key');
  });
});
