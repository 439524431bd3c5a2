import type { TelemetryValue } from '../core/types.ts';

/**
 * How the SQL stores keep a telemetry value so that it comes back with its type: `num` holds numbers and booleans
 * (as 0/1, which is how `avg`, `min`, `max` and `sum` count them), `str` holds strings, `kind` says which it was.
 */
export const ValueKind = { Number: 0, Boolean: 1, String: 2 } as const;
export type ValueKind = (typeof ValueKind)[keyof typeof ValueKind];

export interface ValueColumns {
  kind: ValueKind;
  num: number | null;
  str: string | null;
}

export function toColumns(value: TelemetryValue): ValueColumns {
  if (typeof value === 'number') return { kind: ValueKind.Number, num: value, str: null };
  if (typeof value === 'boolean') return { kind: ValueKind.Boolean, num: value ? 1 : 0, str: null };
  return { kind: ValueKind.String, num: null, str: value };
}

export function fromColumns(kind: number, num: number | null, str: string | null): TelemetryValue {
  if (kind === ValueKind.String) return str ?? '';
  if (kind === ValueKind.Boolean) return num !== 0;
  return num ?? 0;
}
