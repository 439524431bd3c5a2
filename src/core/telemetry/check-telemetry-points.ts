import { ErrorCode, TwinflowError } from '../errors.ts';
import type { TelemetryPoint } from '../types.ts';

/**
 * What every telemetry store can keep exactly: a whole-ms ts (PostgreSQL keeps it as bigint) and a finite number,
 * a boolean or a string (SQLite would turn NaN into NULL). The stores check a batch before writing any of it.
 */
export function checkTelemetryPoints(points: readonly TelemetryPoint[]): void {
  for (let i = 0; i < points.length; i++) {
    const p = points[i] as TelemetryPoint;
    const where = `telemetry point ${i} (${p.tenant}/${p.twinId}/${p.field})`;
    if (!Number.isSafeInteger(p.ts)) {
      throw new TwinflowError(ErrorCode.InvalidRequest, `${where}: ts must be a whole number of epoch ms, got ${p.ts}`);
    }
    const v: unknown = p.value;
    const storable = typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
    if (!storable) {
      throw new TwinflowError(
        ErrorCode.InvalidRequest,
        `${where}: value must be a finite number, a boolean or a string, got ${String(v)}`,
      );
    }
  }
}
