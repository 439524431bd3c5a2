import { describe, expect, it } from 'vitest';
import { ErrorCode, TwinflowError } from '../../../src/core/errors.ts';
import { checkTelemetryPoints } from '../../../src/core/telemetry/check-telemetry-points.ts';
import type { TelemetryPoint, TelemetryValue } from '../../../src/core/types.ts';

const point = (ts: number, value: unknown): TelemetryPoint => ({
  tenant: 'acme',
  twinId: 'pump-1',
  field: 'temp',
  ts,
  value: value as TelemetryValue,
});

function rejection(points: TelemetryPoint[]): TwinflowError {
  try {
    checkTelemetryPoints(points);
  } catch (err) {
    expect(err).toBeInstanceOf(TwinflowError);
    return err as TwinflowError;
  }
  throw new Error('expected the points to be rejected');
}

describe('checkTelemetryPoints', () => {
  it('accepts whole-ms timestamps with finite numbers, booleans and strings', () => {
    expect(() =>
      checkTelemetryPoints([point(0, 1.5), point(-5, false), point(2 ** 53 - 1, ''), point(1, -0)]),
    ).not.toThrow();
    expect(() => checkTelemetryPoints([])).not.toThrow();
  });

  it('rejects a fractional or unsafe timestamp, naming the point', () => {
    for (const ts of [1.5, Number.NaN, 2 ** 53, Number.POSITIVE_INFINITY]) {
      const err = rejection([point(1, 1), point(ts, 1)]);
      expect(err.code).toBe(ErrorCode.InvalidRequest);
      expect(err.message).toContain('telemetry point 1 (acme/pump-1/temp)');
    }
  });

  it('rejects values that are not finite numbers, booleans or strings', () => {
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, null, undefined, {}, [1]]) {
      expect(rejection([point(1, value)]).code).toBe(ErrorCode.InvalidRequest);
    }
  });
});
