import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/core/duration.ts';

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['1.5s', 1500],
    ['250', 250],
    [' 2 m ', 120_000],
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', 'soon', '5 minutes', '-1s', '1w', 's'])('%s is not a duration', (text) => expect(parseDuration(text)).toBeUndefined());

  it('takes numbers as ms and refuses negative or infinite ones', () => {
    expect(parseDuration(42)).toBe(42);
    expect(parseDuration(-1)).toBeUndefined();
    expect(parseDuration(Number.POSITIVE_INFINITY)).toBeUndefined();
  });

  it('formats with the largest whole unit, and parsing the result gives the same ms', () => {
    expect(formatDuration(90_000)).toBe('90s');
    expect(formatDuration(7_200_000)).toBe('2h');
    expect(formatDuration(1500)).toBe('1500ms');
    fc.assert(fc.property(fc.nat(10_000_000_000), (ms) => parseDuration(formatDuration(ms)) === ms));
  });
});
