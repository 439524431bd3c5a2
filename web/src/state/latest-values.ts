import type { TelemetryValue } from '../api/types.ts';

export interface FieldSample {
  readonly field: string;
  /** Epoch ms. */
  readonly ts: number;
  readonly value: TelemetryValue;
}

/** The newest value per field of one twin, in the order fields were first seen. */
export interface LatestValues {
  readonly fields: readonly FieldSample[];
  /** Newest timestamp over all fields (epoch ms). */
  readonly lastSeen: number;
}

/**
 * Merges samples into the latest values; per field the newer timestamp wins, so a REST snapshot that
 * arrives after live readings cannot roll them back. Returns `prev` itself when nothing changed.
 */
export function mergeSamples(prev: LatestValues | undefined, incoming: readonly FieldSample[]): LatestValues | undefined {
  let fields: FieldSample[] | undefined;
  let lastSeen = prev?.lastSeen ?? Number.NEGATIVE_INFINITY;
  for (const s of incoming) {
    if (!Number.isFinite(s.ts)) continue;
    const list: readonly FieldSample[] = fields ?? prev?.fields ?? [];
    const i = list.findIndex((f) => f.field === s.field);
    const cur = i >= 0 ? list[i] : undefined;
    if (cur && cur.ts > s.ts) continue;
    if (cur && cur.ts === s.ts && cur.value === s.value) continue;
    fields ??= [...(prev?.fields ?? [])];
    if (i >= 0) fields[i] = s;
    else fields.push(s);
    if (s.ts > lastSeen) lastSeen = s.ts;
  }
  return fields ? { fields, lastSeen } : prev;
}

/** The numeric fields, in display order. */
export const numericFields = (latest: LatestValues | undefined): string[] =>
  latest ? latest.fields.filter((f) => typeof f.value === 'number').map((f) => f.field) : [];
