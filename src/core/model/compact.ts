/**
 * The compact model form of the iotflow seed (DESIGN §5.3):
 * `{properties: {name: {type, unit?, values?, writable?, fields?}}, telemetry: [names] | {name: {type, unit}},
 *   commands: [names] | {name: {params: {...}, response?: {...}}}, relationships?, components?, extends?}`.
 */
import type { Problem } from '../errors.ts';
import { isJsonObject } from '../json.ts';
import { childPath } from '../problem-path.ts';
import { emptyModel, Primitive, type Model, type Schema } from './model.ts';

const TYPE_ALIASES: Record<string, Primitive> = {
  float: Primitive.Double,
  double: Primitive.Double,
  number: Primitive.Double,
  int: Primitive.Long,
  integer: Primitive.Long,
  long: Primitive.Long,
  bool: Primitive.Boolean,
  boolean: Primitive.Boolean,
  string: Primitive.String,
  timestamp: Primitive.DateTime,
  datetime: Primitive.DateTime,
  dateTime: Primitive.DateTime,
  date: Primitive.Date,
  time: Primitive.Time,
  duration: Primitive.Duration,
  any: Primitive.Any,
};

const MODEL_KEYS = new Set(['id', 'name', 'displayName', 'description', 'extends', 'properties', 'telemetry', 'commands', 'relationships', 'components', 'kind']);

/** Whether a document looks like a compact model rather than DTDL. */
export function isCompactModel(doc: unknown): boolean {
  return isJsonObject(doc) && doc['@context'] === undefined && doc['@type'] === undefined;
}

/** Compiles one compact model; `id` comes from the document (`id` or `name`) or the caller. */
export function compileCompactModel(doc: unknown, fallbackId?: string): { ok: true; model: Model } | { ok: false; problems: Problem[] } {
  const problems: Problem[] = [];
  if (!isJsonObject(doc)) return { ok: false, problems: [{ path: '', message: 'a model must be an object' }] };
  const id = typeof doc.id === 'string' ? doc.id : typeof doc.name === 'string' ? doc.name : fallbackId;
  if (id === undefined || id === '') return { ok: false, problems: [{ path: 'id', message: 'required: the model name twins refer to' }] };
  const model = emptyModel(id, 'compact');
  for (const key of Object.keys(doc)) if (!MODEL_KEYS.has(key)) problems.push({ path: key, message: `unknown member; a compact model has ${[...MODEL_KEYS].join(', ')}` });
  if (typeof doc.displayName === 'string') model.displayName = doc.displayName;
  if (doc.extends !== undefined) {
    const ext = typeof doc.extends === 'string' ? [doc.extends] : doc.extends;
    if (!Array.isArray(ext) || !ext.every((e) => typeof e === 'string')) problems.push({ path: 'extends', message: 'must be a model name or a list of them' });
    else model.extends = ext as string[];
  }
  if (doc.properties !== undefined) {
    if (!isJsonObject(doc.properties)) problems.push({ path: 'properties', message: 'must map property names to {type, unit?, values?, writable?}' });
    else {
      for (const [name, raw] of Object.entries(doc.properties)) {
        const path = childPath('properties', name);
        const schema = schemaOf(raw, path, problems);
        if (schema === undefined) continue;
        const spec = isJsonObject(raw) ? raw : {};
        model.properties[name] = {
          name,
          schema,
          writable: spec.writable !== false,
          ...(typeof spec.unit === 'string' ? { unit: spec.unit } : {}),
        };
      }
    }
  }
  if (doc.telemetry !== undefined) {
    if (Array.isArray(doc.telemetry)) {
      doc.telemetry.forEach((name, i) => {
        if (typeof name !== 'string') problems.push({ path: `telemetry[${i}]`, message: 'must be a field name' });
        else model.telemetry[name] = { name, schema: model.properties[name]?.schema ?? { kind: 'primitive', type: Primitive.Any } };
      });
    } else if (isJsonObject(doc.telemetry)) {
      for (const [name, raw] of Object.entries(doc.telemetry)) {
        const schema = schemaOf(raw, childPath('telemetry', name), problems);
        if (schema !== undefined) model.telemetry[name] = { name, schema, ...(isJsonObject(raw) && typeof raw.unit === 'string' ? { unit: raw.unit } : {}) };
      }
    } else problems.push({ path: 'telemetry', message: 'must be a list of names or a map of name → {type, unit}' });
  }
  if (doc.commands !== undefined) {
    if (Array.isArray(doc.commands)) {
      doc.commands.forEach((name, i) => {
        if (typeof name !== 'string') problems.push({ path: `commands[${i}]`, message: 'must be a command name' });
        else model.commands[name] = { name };
      });
    } else if (isJsonObject(doc.commands)) {
      for (const [name, raw] of Object.entries(doc.commands)) {
        const path = childPath('commands', name);
        const spec = raw === null ? {} : raw;
        if (!isJsonObject(spec)) {
          problems.push({ path, message: 'must be {params?: {...}, response?: {...}}' });
          continue;
        }
        const command: Model['commands'][string] = { name };
        if (spec.params !== undefined) {
          if (!isJsonObject(spec.params)) problems.push({ path: `${path}.params`, message: 'must map parameter names to types' });
          else {
            command.params = {};
            for (const [p, ps] of Object.entries(spec.params)) {
              const schema = schemaOf(ps, `${path}.params.${p}`, problems);
              if (schema !== undefined) command.params[p] = schema;
            }
          }
        }
        if (spec.response !== undefined) {
          const schema = isJsonObject(spec.response) && spec.response.type === undefined ? objectSchema(spec.response, `${path}.response`, problems) : schemaOf(spec.response, `${path}.response`, problems);
          if (schema !== undefined) command.response = { name: 'response', schema };
        }
        model.commands[name] = command;
      }
    } else problems.push({ path: 'commands', message: 'must be a list of names or a map of name → {params, response}' });
  }
  if (doc.relationships !== undefined) {
    const rels = Array.isArray(doc.relationships) ? doc.relationships : isJsonObject(doc.relationships) ? Object.entries(doc.relationships).map(([name, r]) => ({ ...(isJsonObject(r) ? r : {}), name })) : undefined;
    if (rels === undefined) problems.push({ path: 'relationships', message: 'must be a list of {name, target?}' });
    else {
      rels.forEach((r, i) => {
        if (typeof r === 'string') model.relationships[r] = { name: r, properties: [] };
        else if (isJsonObject(r) && typeof r.name === 'string') model.relationships[r.name] = { name: r.name, ...(typeof r.target === 'string' ? { target: r.target } : {}), properties: [] };
        else problems.push({ path: `relationships[${i}]`, message: 'must be a name or {name, target?}' });
      });
    }
  }
  if (doc.components !== undefined) {
    if (!isJsonObject(doc.components)) problems.push({ path: 'components', message: 'must map component names to model names' });
    else for (const [name, target] of Object.entries(doc.components)) {
      if (typeof target !== 'string') problems.push({ path: childPath('components', name), message: 'must be a model name' });
      else model.components[name] = target;
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, model };
}

function schemaOf(raw: unknown, path: string, problems: Problem[]): Schema | undefined {
  const spec = typeof raw === 'string' ? { type: raw } : raw;
  if (!isJsonObject(spec)) {
    problems.push({ path, message: 'must be a type name or {type, unit?, values?}' });
    return undefined;
  }
  const type = spec.type;
  if (type === 'enum') {
    if (!Array.isArray(spec.values) || spec.values.length === 0 || !spec.values.every((v) => typeof v === 'string' || typeof v === 'number')) {
      problems.push({ path: `${path}.values`, message: 'an enum needs a non-empty list of values' });
      return undefined;
    }
    const values = spec.values as (string | number)[];
    return { kind: 'enum', valueSchema: values.every((v) => typeof v === 'number') ? 'integer' : 'string', values: values.map((v) => ({ name: String(v), value: v })) };
  }
  if (type === 'object') return objectSchema(isJsonObject(spec.fields) ? spec.fields : {}, `${path}.fields`, problems);
  if (type === 'array') {
    const items = schemaOf(spec.items ?? 'any', `${path}.items`, problems);
    return items === undefined ? undefined : { kind: 'array', elementSchema: items };
  }
  if (type === 'map') {
    const values = schemaOf(spec.values ?? 'any', `${path}.values`, problems);
    return values === undefined ? undefined : { kind: 'map', keyName: 'key', valueName: 'value', valueSchema: values };
  }
  if (typeof type !== 'string' || TYPE_ALIASES[type] === undefined) {
    problems.push({ path: `${path}.type`, message: `must be one of ${[...Object.keys(TYPE_ALIASES), 'enum', 'object', 'array', 'map'].join(', ')}` });
    return undefined;
  }
  return { kind: 'primitive', type: TYPE_ALIASES[type] };
}

function objectSchema(fields: Record<string, unknown>, path: string, problems: Problem[]): Schema {
  const out: { name: string; schema: Schema }[] = [];
  for (const [name, raw] of Object.entries(fields)) {
    const schema = schemaOf(raw, childPath(path, name), problems);
    if (schema !== undefined) out.push({ name, schema });
  }
  return { kind: 'object', fields: out };
}
