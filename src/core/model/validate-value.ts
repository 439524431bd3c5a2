/**
 * Values against model schemas: telemetry readings, reported/desired patches and command parameters. Every problem
 * names the field, the expected and the actual type.
 */
import type { Problem } from '../errors.ts';
import { describeType, isJsonObject } from '../json.ts';
import { childPath } from '../problem-path.ts';
import type { JsonObject } from '../types.ts';
import { describeSchema, type Model, type Schema } from './model.ts';

const INT_RANGES: Record<string, [number, number]> = {
  byte: [-128, 127],
  short: [-32768, 32767],
  integer: [-2147483648, 2147483647],
  long: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  unsignedByte: [0, 255],
  unsignedShort: [0, 65535],
  unsignedInteger: [0, 4294967295],
  unsignedLong: [0, Number.MAX_SAFE_INTEGER],
};
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;
const DURATION = /^P(?!$)(?:\d+(?:\.\d+)?Y)?(?:\d+(?:\.\d+)?M)?(?:\d+(?:\.\d+)?W)?(?:\d+(?:\.\d+)?D)?(?:T(?=\d)(?:\d+(?:\.\d+)?H)?(?:\d+(?:\.\d+)?M)?(?:\d+(?:\.\d+)?S)?)?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Problems of `value` against `schema` at `path`; empty when it fits. Timestamps also take epoch ms. */
export function validateValue(schema: Schema, value: unknown, path: string): Problem[] {
  const wrong = (): Problem[] => [{ path, message: `expected ${describeSchema(schema)}, got ${describeType(value)}${typeof value === 'string' || typeof value === 'number' ? ` (${JSON.stringify(value)})` : ''}` }];
  switch (schema.kind) {
    case 'primitive': {
      const t = schema.type;
      if (t === 'any') return [];
      if (t === 'boolean') return typeof value === 'boolean' ? [] : wrong();
      if (t === 'double' || t === 'float') return typeof value === 'number' && Number.isFinite(value) ? [] : wrong();
      if (t in INT_RANGES) {
        const [min, max] = INT_RANGES[t]!;
        return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max ? [] : wrong();
      }
      if (t === 'string' || t === 'bytes') return typeof value === 'string' ? [] : wrong();
      if (t === 'date') return typeof value === 'string' && DATE.test(value) ? [] : wrong();
      if (t === 'time') return typeof value === 'string' && TIME.test(value) ? [] : wrong();
      if (t === 'dateTime') return (typeof value === 'string' && DATE_TIME.test(value)) || (typeof value === 'number' && Number.isFinite(value)) ? [] : wrong();
      if (t === 'duration') return typeof value === 'string' && DURATION.test(value) ? [] : wrong();
      if (t === 'uuid') return typeof value === 'string' && UUID.test(value) ? [] : wrong();
      return [];
    }
    case 'enum':
      return schema.values.some((v) => v.value === value || v.name === value) ? [] : wrong();
    case 'array': {
      if (!Array.isArray(value)) return wrong();
      return value.flatMap((v, i) => validateValue(schema.elementSchema, v, childPath(path, i)));
    }
    case 'map': {
      if (!isJsonObject(value)) return wrong();
      return Object.entries(value).flatMap(([k, v]) => (v === null ? [] : validateValue(schema.valueSchema, v, childPath(path, k))));
    }
    case 'object': {
      if (!isJsonObject(value)) return wrong();
      const problems: Problem[] = [];
      for (const [k, v] of Object.entries(value)) {
        const field = schema.fields.find((f) => f.name === k);
        if (field === undefined) problems.push({ path: childPath(path, k), message: `is not a field of this object (fields: ${schema.fields.map((f) => f.name).join(', ')})` });
        else if (v !== null) problems.push(...validateValue(field.schema, v, childPath(path, k)));
      }
      return problems;
    }
  }
}

/** Telemetry fields the model knows (as telemetry or as a property) whose value does not fit; unknown fields pass. */
export function validateTelemetry(model: Model, values: Readonly<Record<string, unknown>>): Problem[] {
  const problems: Problem[] = [];
  for (const [field, value] of Object.entries(values)) {
    const schema = model.telemetry[field]?.schema ?? model.properties[field]?.schema;
    if (schema !== undefined) problems.push(...validateValue(schema, value, field));
  }
  return problems;
}

/**
 * A desired or reported patch against the model's properties: `null` (delete) always fits, unknown properties
 * pass (a shadow may carry more than the model names), and desired may only set writable properties.
 */
export function validateStatePatch(model: Model, section: 'desired' | 'reported', patch: JsonObject): Problem[] {
  const problems: Problem[] = [];
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) continue;
    const property = model.properties[name];
    if (property === undefined) continue;
    if (section === 'desired' && !property.writable) {
      problems.push({ path: name, message: 'is not writable: only the device reports it' });
      continue;
    }
    // A patch may name only some members of an object property.
    const schema = property.schema.kind === 'object' ? { ...property.schema } : property.schema;
    problems.push(...validateValue(schema, value, name));
  }
  return problems;
}

/** Command parameters against the model (issue 5 calls this before sending a command). */
export function validateCommandParams(model: Model, name: string, params: unknown): Problem[] {
  const command = model.commands[name];
  if (command === undefined) {
    const known = Object.keys(model.commands);
    return [{ path: 'name', message: `model "${model.id}" has no command "${name}"${known.length > 0 ? ` (commands: ${known.join(', ')})` : ''}` }];
  }
  if (command.params !== undefined) {
    if (params === undefined || params === null) params = {};
    if (!isJsonObject(params)) return [{ path: 'params', message: `expected an object, got ${describeType(params)}` }];
    const problems: Problem[] = [];
    for (const [k, v] of Object.entries(params)) {
      const schema = command.params[k];
      if (schema === undefined) problems.push({ path: childPath('params', k), message: `is not a parameter of "${name}" (parameters: ${Object.keys(command.params).join(', ') || 'none'})` });
      else problems.push(...validateValue(schema, v, childPath('params', k)));
    }
    return problems;
  }
  if (command.request === undefined) return [];
  if (params === undefined || params === null) return command.request.nullable === true ? [] : [{ path: 'params', message: `required: ${describeSchema(command.request.schema)}` }];
  // DTDL names one request payload; callers send it as params or as params[requestName].
  if (isJsonObject(params) && Object.keys(params).length === 1 && Object.hasOwn(params, command.request.name) && command.request.schema.kind !== 'object') {
    return validateValue(command.request.schema, params[command.request.name], childPath('params', command.request.name));
  }
  return validateValue(command.request.schema, params, 'params');
}
