/**
 * Telemetry payloads (DESIGN.md §5.7): `{"ts"?, "msgId"?, "temperature": 21.5, …}`, `{"ts"?, "values": {…}}`,
 * or an array of either (a batch). Parsed once; a bad field is dropped and reported, the rest is kept.
 */
import type { TelemetryValue } from '../types.ts';

export const RejectReason = {
  TooLarge: 'too_large',
  MalformedJson: 'malformed_json',
  NotObject: 'not_object',
  InvalidTimestamp: 'invalid_timestamp',
  UnsupportedType: 'unsupported_type',
  InvalidField: 'invalid_field',
  NoValues: 'no_values',
  InvalidTenant: 'invalid_tenant',
  InvalidId: 'invalid_id',
  UnknownTwin: 'unknown_twin',
  InvalidValue: 'invalid_value',
} as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

export interface Reading {
  ts: number;
  /** Whether `ts` came from the device (else it is the arrival time). */
  deviceTime: boolean;
  msgId?: string;
  values: Record<string, TelemetryValue>;
}

export interface Rejection {
  reason: RejectReason;
  message: string;
  field?: string;
}

export type ParseResult =
  | { ok: true; readings: Reading[]; rejections: Rejection[] }
  | { ok: false; rejection: Rejection };

const RESERVED = new Set(['ts', 'msgId', 'values']);
const MAX_FIELD_LENGTH = 128;
/** Below this a numeric `ts` is taken as epoch seconds (1e11 ms is March 1973; 1e11 s is the year 5138). */
const SECONDS_BELOW = 1e11;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

const decoder = new TextDecoder('utf-8', { fatal: true });

export function parseTelemetry(payload: Uint8Array | string, receivedAt: number, maxBytes: number): ParseResult {
  const size = typeof payload === 'string' ? payload.length : payload.byteLength;
  if (size > maxBytes) {
    return fail(RejectReason.TooLarge, `payload is ${size} bytes; the limit is ${maxBytes}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(typeof payload === 'string' ? payload : decoder.decode(payload));
  } catch (err) {
    return fail(RejectReason.MalformedJson, `payload is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  return readDocument(doc, receivedAt);
}

/** The same rules for a document that is already parsed (the HTTP API's body). */
export function readDocument(doc: unknown, receivedAt: number): ParseResult {
  const items = Array.isArray(doc) ? doc : [doc];
  if (items.length === 0) return fail(RejectReason.NoValues, 'the batch is empty');
  const readings: Reading[] = [];
  const rejections: Rejection[] = [];
  for (let i = 0; i < items.length; i++) {
    const where = Array.isArray(doc) ? `[${i}]` : '';
    const outcome = readOne(items[i], receivedAt, where, rejections);
    if (outcome !== undefined) readings.push(outcome);
  }
  if (readings.length === 0) {
    const first = rejections[0] ?? { reason: RejectReason.NoValues, message: 'the payload has no values' };
    return { ok: false, rejection: first };
  }
  return { ok: true, readings, rejections };
}

function readOne(item: unknown, receivedAt: number, where: string, rejections: Rejection[]): Reading | undefined {
  if (!isPlainObject(item)) {
    rejections.push({ reason: RejectReason.NotObject, message: `payload${where} is ${describe(item)}, not a JSON object` });
    return undefined;
  }
  let ts = receivedAt;
  let deviceTime = false;
  if (item.ts !== undefined) {
    const parsed = parseTimestamp(item.ts);
    if (parsed === undefined) {
      rejections.push({
        reason: RejectReason.InvalidTimestamp,
        message: `ts${where} ${JSON.stringify(item.ts)} is neither ISO-8601 nor epoch milliseconds`,
      });
      return undefined;
    }
    ts = parsed;
    deviceTime = true;
  }
  const source = item.values !== undefined ? item.values : item;
  if (!isPlainObject(source)) {
    rejections.push({ reason: RejectReason.NotObject, message: `values${where} is ${describe(source)}, not an object` });
    return undefined;
  }
  const values: Record<string, TelemetryValue> = {};
  let count = 0;
  for (const field in source) {
    if (source === item && RESERVED.has(field)) continue;
    const value = source[field];
    const problem = checkField(field) ?? checkValue(value);
    if (problem !== undefined) {
      rejections.push({ ...problem, field, message: `${field}${where}: ${problem.message}` });
      continue;
    }
    values[field] = value as TelemetryValue;
    count++;
  }
  if (count === 0) {
    if (!rejections.some((r) => r.field !== undefined)) {
      rejections.push({ reason: RejectReason.NoValues, message: `payload${where} has no values` });
    }
    return undefined;
  }
  const reading: Reading = { ts, deviceTime, values };
  if (typeof item.msgId === 'string' || typeof item.msgId === 'number') reading.msgId = String(item.msgId);
  return reading;
}

export function parseTimestamp(raw: unknown): number | undefined {
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw) || raw < 0) return undefined;
    return Math.round(raw < SECONDS_BELOW ? raw * 1000 : raw);
  }
  if (typeof raw === 'string' && ISO_DATE.test(raw)) {
    const ms = Date.parse(raw);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

function checkField(field: string): Omit<Rejection, 'field'> | undefined {
  if (field.length === 0 || field.length > MAX_FIELD_LENGTH) {
    return { reason: RejectReason.InvalidField, message: `field names are 1-${MAX_FIELD_LENGTH} characters` };
  }
  for (let i = 0; i < field.length; i++) {
    if (field.charCodeAt(i) < 0x20) {
      return { reason: RejectReason.InvalidField, message: 'field names may not contain control characters' };
    }
  }
  return undefined;
}

function checkValue(value: unknown): Omit<Rejection, 'field'> | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) ? undefined : { reason: RejectReason.UnsupportedType, message: 'not a finite number' };
  }
  if (typeof value === 'boolean' || typeof value === 'string') return undefined;
  return {
    reason: RejectReason.UnsupportedType,
    message: `${describe(value)} is not a supported value (number, boolean or string)`,
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

function fail(reason: RejectReason, message: string): ParseResult {
  return { ok: false, rejection: { reason, message } };
}
