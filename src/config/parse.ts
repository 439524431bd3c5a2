/**
 * From config text to a validated {@link TwinflowConfig}: YAML, then `${VAR}` substitution per scalar, then
 * relative paths anchored, then overrides merged over, then the schema. Every problem found on the way is
 * reported at once, as `path: message` lines of one {@link ValidationError}.
 */
import { dirname, resolve } from 'node:path';
import type { z } from 'zod';
import type { Problem } from '../core/errors.ts';
import { ErrorCode, ValidationError } from '../core/errors.ts';
import { describeType, isJsonObject } from '../core/json.ts';
import { childPath, pathOf } from '../core/problem-path.ts';
import { unknownKeyMessage } from '../core/suggest.ts';
import { deepMerge } from './deep-merge.ts';
import type { Env } from './env.ts';
import { substituteEnv } from './env.ts';
import { resolveConfigPaths } from './paths.ts';
import type { TwinflowConfig } from './schema.ts';
import { CONFIG_DEFAULTS, twinflowConfigSchema } from './schema.ts';
import { formatYamlError, readYaml } from './yaml.ts';

export interface ParseConfigOptions {
  /** Where `${VAR}` values come from; the CLI passes `process.env`. */
  env: Env;
  /** The file the text was read from: named in errors, and its directory anchors the file's relative paths. */
  sourcePath?: string;
  /** Deep-merged over the file before validation, e.g. `{ http: { port: 0 } }` from `--http-port 0`. */
  overrides?: object;
  /** Anchors relative paths of overrides and defaults. @default process.cwd() */
  cwd?: string;
}

/** @throws ValidationError (`invalid_config`) listing every problem. */
export function parseConfig(text: string, options: ParseConfigOptions): TwinflowConfig {
  const cwd = options.cwd ?? process.cwd();
  const baseDir = options.sourcePath === undefined ? cwd : dirname(resolve(cwd, options.sourcePath));
  const what = `config ${options.sourcePath ?? '(no file)'} is invalid`;

  const yaml = readYaml(text);
  if (!yaml.ok) {
    throw new ValidationError(ErrorCode.InvalidConfig, what, yaml.errors.map((e) => ({ path: '', message: formatYamlError(e) })));
  }
  const substituted = substituteEnv(yaml.value, options.env);
  const merged = deepMerge(resolveConfigPaths(substituted.value, baseDir), resolveConfigPaths(options.overrides, cwd));

  const allowedKeys = new WeakMap<object, string[]>();
  const result = twinflowConfigSchema.safeParse(merged, {
    reportInput: true,
    error: (issue) => issueMessage(issue, allowedKeys),
  });

  const problems: Problem[] = [...substituted.problems];
  if (!result.success) {
    const envPaths = substituted.problems.map((p) => p.path);
    for (const issue of result.error.issues) {
      for (const p of issueProblems(issue, allowedKeys)) {
        // A value whose variable is missing is already reported; its failed validation would only repeat it.
        if (!envPaths.some((e) => p.path === e || p.path.startsWith(`${e}.`) || p.path.startsWith(`${e}[`))) problems.push(p);
      }
    }
  }
  if (problems.length > 0 || !result.success) throw new ValidationError(ErrorCode.InvalidConfig, what, problems);
  const config = resolveConfigPaths(result.data, cwd);
  // A twins folder sits beside its config file: the default `./twins` is the file's when nothing names another.
  if (!isJsonObject(merged) || !Object.hasOwn(merged, 'twins')) config.twins = [resolve(baseDir, CONFIG_DEFAULTS.twins)];
  return config;
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a mapping (key: value)',
  array: 'a list',
  record: 'a mapping (key: value)',
};

function issueMessage(issue: z.core.$ZodRawIssue, allowedKeys: WeakMap<object, string[]>): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined
        ? 'required'
        : `must be ${EXPECTED[issue.expected] ?? issue.expected}, not ${describeType(issue.input)}`;
    case 'invalid_value':
      return `must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`;
    case 'too_small':
      return issue.origin === 'string' ? 'must not be empty' : `must be at least ${String(issue.minimum)}`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)}`;
    case 'invalid_format':
      return `must be a valid ${issue.format}`;
    case 'unrecognized_keys': {
      const shape = shapeOf(issue.inst);
      if (shape !== undefined && typeof issue.input === 'object' && issue.input !== null) allowedKeys.set(issue.input, shape);
      return 'unknown key';
    }
    default:
      return undefined;
  }
}

/** The keys an object schema allows, read from zod's definition (the issue carries no list of them). */
function shapeOf(inst: unknown): string[] | undefined {
  const shape = (inst as { _zod?: { def?: { shape?: unknown } } } | undefined)?._zod?.def?.shape;
  return typeof shape === 'object' && shape !== null ? Object.keys(shape) : undefined;
}

function issueProblems(issue: z.core.$ZodIssue, allowedKeys: WeakMap<object, string[]>): Problem[] {
  const path = pathOf(issue.path);
  if (issue.code !== 'unrecognized_keys') return [{ path, message: issue.message }];
  const allowed = typeof issue.input === 'object' && issue.input !== null ? (allowedKeys.get(issue.input) ?? []) : [];
  return issue.keys.map((key) => ({ path: childPath(path, key), message: unknownKeyMessage(key, allowed) }));
}
