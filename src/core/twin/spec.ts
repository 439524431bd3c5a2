/**
 * The twin spec: what a `twin.yaml` file or a registry API body says about a twin (DESIGN.md §4, §5.2).
 *
 * Hand-written validation, because `src/core` takes no dependencies. Every problem is collected with its
 * path, so a file with three mistakes is answered with three lines, not one at a time.
 *
 * Decisions where the design is silent:
 * - `id` and `@id` (the DTP seed's registry body) are both accepted; giving both with different values is a problem.
 * - `status`: the top-level key wins; without it, `metadata.status` is used when it is `active` or `deprecated`
 *   (the seed keeps the lifecycle status in metadata), else `active`. `metadata` itself is kept as written.
 * - An optional key set to `null` (`model:` with nothing after it in YAML) counts as absent.
 * - `version`, `createdAt` and `updatedAt` are the registry's bookkeeping: accepted and ignored, so that a twin
 *   read from the API can be sent back unchanged.
 * - `dependencies` and relationship `target`s name twins, so they must be valid twin ids.
 * - `dimensions` values may be written as scalars (`floor: 2`); they are kept as strings (`"2"`).
 */
import type { Problem } from '../errors.ts';
import type {
  BlockBinding,
  JsonObject,
  Relationship,
  TwinDependencies,
  TwinInterfaces,
  TwinSpec,
} from '../types.ts';
import { TwinStatus } from '../types.ts';
import { checkTenant, checkTwinId } from '../ids.ts';
import { describeType, isJsonObject, nonJsonProblem } from '../json.ts';
import { childPath } from '../problem-path.ts';
import { unknownKeyMessage } from '../suggest.ts';

export type TwinSpecResult = { ok: true; spec: TwinSpec; tenant: string } | { ok: false; problems: Problem[] };

export interface ParseTwinSpecOptions {
  /** The tenant of a spec that names none. */
  defaultTenant: string;
}

/** The keys of the spec proper; `changed` lists of the registry name these. */
export const TWIN_SPEC_FIELDS = [
  'id',
  'name',
  'model',
  'metadata',
  'interfaces',
  'dependencies',
  'relationships',
  'groups',
  'dimensions',
  'blocks',
  'status',
] as const satisfies readonly (keyof TwinSpec)[];
export type TwinSpecField = (typeof TWIN_SPEC_FIELDS)[number];

/** Bookkeeping keys of a stored twin; accepted in a spec and ignored. */
export const READ_ONLY_TWIN_FIELDS = ['version', 'createdAt', 'updatedAt'] as const;

const TOP_LEVEL_KEYS: readonly string[] = [...TWIN_SPEC_FIELDS, '@id', 'tenant', ...READ_ONLY_TWIN_FIELDS];
const INTERFACE_KEYS = ['api', 'data_streams'] as const;
const DEPENDENCY_KEYS = ['static', 'dynamic'] as const;
const RELATIONSHIP_KEYS = ['name', 'target', 'properties'] as const;
const BLOCK_KEYS = ['use', 'module_path', 'input', 'version', 'params'] as const;
const STATUSES: readonly string[] = Object.values(TwinStatus);

export function parseTwinSpec(raw: unknown, options: ParseTwinSpecOptions): TwinSpecResult {
  if (!isJsonObject(raw)) {
    return { ok: false, problems: [{ path: '', message: `a twin spec must be an object, not ${describeType(raw)}` }] };
  }
  const problems: Problem[] = [];
  const r = new Reader(problems);

  for (const key of Object.keys(raw)) {
    if (!TOP_LEVEL_KEYS.includes(key)) problems.push({ path: childPath('', key), message: unknownKeyMessage(key, TOP_LEVEL_KEYS) });
  }

  const id = readId(raw, problems);
  const tenant = readTenant(raw.tenant, options.defaultTenant, problems);
  const name = r.optionalString(raw.name, 'name');
  const model = r.optionalString(raw.model, 'model');
  const metadata = r.jsonObject(raw.metadata, 'metadata') ?? {};
  const interfaces = readInterfaces(raw.interfaces, r);
  const dependencies = readDependencies(raw.dependencies, r);
  const relationships = r.list(raw.relationships, 'relationships', (v, p) => readRelationship(v, p, r));
  const groups = r.list(raw.groups, 'groups', (v, p) => r.requiredString(v, p));
  const dimensions = readDimensions(raw.dimensions, r);
  const blocks = r.list(raw.blocks, 'blocks', (v, p) => readBlock(v, p, r));
  const status = readStatus(raw.status, metadata, problems);

  if (problems.length > 0 || id === undefined) return { ok: false, problems };
  const spec: TwinSpec = {
    id,
    name: name ?? id,
    ...(model === undefined ? {} : { model }),
    metadata,
    interfaces,
    dependencies,
    relationships,
    groups,
    dimensions,
    blocks,
    status,
  };
  return { ok: true, spec, tenant };
}

function readId(raw: JsonObject, problems: Problem[]): string | undefined {
  const id = raw.id ?? undefined;
  const atId = raw['@id'] ?? undefined;
  if (id === undefined && atId === undefined) {
    problems.push({ path: 'id', message: 'required (or "@id")' });
    return undefined;
  }
  if (id !== undefined && atId !== undefined && id !== atId) {
    problems.push({ path: '@id', message: `differs from id (${JSON.stringify(atId)} vs ${JSON.stringify(id)}); give one of them` });
    return undefined;
  }
  const [value, path] = id !== undefined ? [id, 'id'] : [atId, '@id'];
  const problem = checkTwinId(value);
  if (problem !== undefined) {
    problems.push({ path, message: problem });
    return undefined;
  }
  return value as string;
}

function readTenant(value: unknown, defaultTenant: string, problems: Problem[]): string {
  if (value === undefined || value === null) return defaultTenant;
  const problem = checkTenant(value);
  if (problem !== undefined) problems.push({ path: 'tenant', message: problem });
  return typeof value === 'string' ? value : defaultTenant;
}

function readStatus(value: unknown, metadata: JsonObject, problems: Problem[]): TwinSpec['status'] {
  if (value === undefined || value === null) {
    const fromMetadata = metadata.status;
    return typeof fromMetadata === 'string' && STATUSES.includes(fromMetadata)
      ? (fromMetadata as TwinSpec['status'])
      : TwinStatus.Active;
  }
  if (typeof value === 'string' && STATUSES.includes(value)) return value as TwinSpec['status'];
  problems.push({ path: 'status', message: `must be ${STATUSES.join(' or ')}, not ${JSON.stringify(value)}` });
  return TwinStatus.Active;
}

function readInterfaces(value: unknown, r: Reader): TwinInterfaces {
  const o = r.object(value, 'interfaces', INTERFACE_KEYS);
  if (o === undefined) return {};
  const out: TwinInterfaces = {};
  const api = r.optionalString(o.api, 'interfaces.api');
  if (api !== undefined) {
    if (URL.canParse(api)) out.api = api;
    else r.problem('interfaces.api', `must be an absolute URL, not ${JSON.stringify(api)}`);
  }
  if (o.data_streams !== undefined && o.data_streams !== null) {
    out.data_streams = r.list(o.data_streams, 'interfaces.data_streams', (v, p) => r.requiredString(v, p));
  }
  return out;
}

function readDependencies(value: unknown, r: Reader): TwinDependencies {
  const o = r.object(value, 'dependencies', DEPENDENCY_KEYS);
  if (o === undefined) return {};
  const out: TwinDependencies = {};
  for (const key of DEPENDENCY_KEYS) {
    if (o[key] === undefined || o[key] === null) continue;
    out[key] = r.list(o[key], `dependencies.${key}`, (v, p) => r.twinId(v, p));
  }
  return out;
}

function readRelationship(value: unknown, path: string, r: Reader): Relationship | undefined {
  const o = r.object(value, path, RELATIONSHIP_KEYS, true);
  if (o === undefined) return undefined;
  const name = r.requiredString(o.name, childPath(path, 'name'));
  const target = r.twinId(o.target, childPath(path, 'target'));
  const properties = r.jsonObject(o.properties, childPath(path, 'properties'));
  if (name === undefined || target === undefined) return undefined;
  return properties === undefined ? { name, target } : { name, target, properties };
}

function readBlock(value: unknown, path: string, r: Reader): BlockBinding | undefined {
  const o = r.object(value, path, BLOCK_KEYS, true);
  if (o === undefined) return undefined;
  const use = r.optionalString(o.use, childPath(path, 'use'));
  const modulePath = r.optionalString(o.module_path, childPath(path, 'module_path'));
  const input = r.optionalString(o.input, childPath(path, 'input'));
  const version = r.optionalString(o.version, childPath(path, 'version'));
  const params = r.jsonObject(o.params, childPath(path, 'params'));
  const hasUse = o.use !== undefined && o.use !== null;
  const hasModule = o.module_path !== undefined && o.module_path !== null;
  if (!hasUse && !hasModule) r.problem(path, 'needs "use" (a built-in block name) or "module_path"');
  if (hasUse && hasModule) r.problem(path, 'give "use" or "module_path", not both');
  const out: BlockBinding = {};
  if (use !== undefined) out.use = use;
  if (modulePath !== undefined) out.module_path = modulePath;
  if (input !== undefined) out.input = input;
  if (version !== undefined) out.version = version;
  if (params !== undefined) out.params = params;
  return out;
}

function readDimensions(value: unknown, r: Reader): Record<string, string> {
  const o = r.object(value, 'dimensions');
  if (o === undefined) return {};
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(o)) {
    const path = childPath('dimensions', key);
    if (key === '') r.problem(path, 'a dimension needs a name');
    else if (typeof v === 'string') out[key] = v;
    else if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean') out[key] = String(v);
    else r.problem(path, `must be a string, number or boolean, not ${describeType(v)}`);
  }
  return out;
}

/** Readers that record a problem and return undefined for anything of the wrong shape. */
class Reader {
  readonly #problems: Problem[];

  constructor(problems: Problem[]) {
    this.#problems = problems;
  }

  problem(path: string, message: string): void {
    this.#problems.push({ path, message });
  }

  optionalString(value: unknown, path: string): string | undefined {
    if (value === undefined || value === null) return undefined;
    return this.requiredString(value, path);
  }

  requiredString(value: unknown, path: string): string | undefined {
    if (value === undefined || value === null) {
      this.problem(path, 'required');
      return undefined;
    }
    if (typeof value === 'number') {
      // YAML reads `version: 1.0` as the number 1; quoting is the fix, and silently writing "1" would be wrong.
      this.problem(path, `must be a string, not the number ${String(value)} (quote it in YAML)`);
      return undefined;
    }
    if (typeof value !== 'string') {
      this.problem(path, `must be a string, not ${describeType(value)}`);
      return undefined;
    }
    if (value.trim() === '') {
      this.problem(path, 'must not be empty');
      return undefined;
    }
    return value;
  }

  twinId(value: unknown, path: string): string | undefined {
    if (value === undefined || value === null) {
      this.problem(path, 'required');
      return undefined;
    }
    const problem = checkTwinId(value);
    if (problem !== undefined) {
      this.problem(path, problem);
      return undefined;
    }
    return value as string;
  }

  /** An object whose keys, when `keys` is given, must be among them. `required`: null/absent is a problem too. */
  object(value: unknown, path: string, keys?: readonly string[], required = false): JsonObject | undefined {
    if (value === undefined || value === null) {
      if (required) this.problem(path, 'required');
      return undefined;
    }
    if (!isJsonObject(value)) {
      this.problem(path, `must be an object, not ${describeType(value)}`);
      return undefined;
    }
    if (keys !== undefined) {
      for (const key of Object.keys(value)) {
        if (!keys.includes(key)) this.problem(childPath(path, key), unknownKeyMessage(key, keys));
      }
    }
    return value;
  }

  jsonObject(value: unknown, path: string): JsonObject | undefined {
    const o = this.object(value, path);
    if (o === undefined) return undefined;
    const problem = nonJsonProblem(o, path);
    if (problem !== undefined) {
      this.#problems.push(problem);
      return undefined;
    }
    return o;
  }

  /** A list whose items are read by `item`; items that fail are dropped (their problems are recorded). */
  list<T>(value: unknown, path: string, item: (value: unknown, path: string) => T | undefined): T[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.problem(path, `must be a list, not ${describeType(value)}`);
      return [];
    }
    const out: T[] = [];
    value.forEach((v: unknown, i) => {
      const read = item(v, childPath(path, i));
      if (read !== undefined) out.push(read);
    });
    return out;
  }
}
