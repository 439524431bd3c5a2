/**
 * Relative paths in a config resolve against where they were written: the config file's directory for
 * values from the file, the working directory for command-line overrides and for defaults (a default was
 * written by nobody, and `npm start` expects `./data` where it runs).
 *
 * The places that hold paths: `storage.url` (a `sqlite:` file), `twins`, `models`, `workflows`,
 * `simulator.scenarios` (each a path, glob, or list of them), `sinks.csv.path`, and `model.module_path`.
 * A `module_path` is resolved only when it starts with `./` or `../`: anything else names a package, as in
 * an `import` (the PyEdgeTwin seed's `mymodels.kalman:KalmanFilter` stays as written).
 *
 * Runs on unvalidated input as well, so every step tolerates values of the wrong type by leaving them alone.
 */
import { isAbsolute, resolve } from 'node:path';
import { isJsonObject } from '../core/json.ts';

const SQLITE = 'sqlite:';
const SQLITE_MEMORY = ':memory:';
const PATH_LIST_KEYS = ['twins', 'models', 'workflows'] as const;

export function resolveConfigPaths<T>(config: T, baseDir: string): T {
  if (!isJsonObject(config)) return config;
  let out: unknown = config;
  for (const key of PATH_LIST_KEYS) out = update(out, key, (v) => resolvePathOrList(v, baseDir));
  out = update(out, 'storage', (storage) => update(storage, 'url', (url) => resolveSqliteUrl(url, baseDir)));
  out = update(out, 'simulator', (sim) => update(sim, 'scenarios', (v) => resolvePathOrList(v, baseDir)));
  out = update(out, 'model', (model) => update(model, 'module_path', (v) => resolveModulePath(v, baseDir)));
  out = update(out, 'sinks', (sinks) => update(sinks, 'csv', (csv) => update(csv, 'path', (p) => resolvePath(p, baseDir))));
  return out as T;
}

/** A `sqlite:` storage URL with its file made absolute; other URLs unchanged. */
export function resolveSqliteUrl(url: unknown, baseDir: string): unknown {
  if (typeof url !== 'string' || !url.startsWith(SQLITE)) return url;
  const file = url.slice(SQLITE.length);
  if (file === '' || file === SQLITE_MEMORY || isAbsolute(file)) return url;
  return `${SQLITE}${resolve(baseDir, file)}`;
}

function resolveModulePath(value: unknown, baseDir: string): unknown {
  if (typeof value !== 'string' || !(value.startsWith('./') || value.startsWith('../'))) return value;
  // `./blocks/x.ts:ClassName`: the export name follows the last colon; a relative path has no other colon.
  const colon = value.lastIndexOf(':');
  return colon < 0 ? resolve(baseDir, value) : `${resolve(baseDir, value.slice(0, colon))}${value.slice(colon)}`;
}

function resolvePathOrList(value: unknown, baseDir: string): unknown {
  return Array.isArray(value) ? value.map((v: unknown) => resolvePath(v, baseDir)) : resolvePath(value, baseDir);
}

function resolvePath(value: unknown, baseDir: string): unknown {
  return typeof value === 'string' && value !== '' ? resolve(baseDir, value) : value;
}

function update(obj: unknown, key: string, fn: (value: unknown) => unknown): unknown {
  if (!isJsonObject(obj) || !Object.hasOwn(obj, key)) return obj;
  return { ...obj, [key]: fn(obj[key]) };
}
