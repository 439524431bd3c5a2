/**
 * twin.yaml discovery (the DTP seed's `scan_twins.py`): every `twin.yaml` / `twin.yml` under a folder, each
 * parsed as a twin spec. Problems carry the file and, where the file shows it, the line and column
 * (`twins/lift/twin.yaml:7:5: relationships[1].target: required`), so an editor can jump to them.
 */
import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { ErrorCode, TwinflowError } from '../core/errors.ts';
import type { Problem } from '../core/errors.ts';
import { DEFAULT_TENANT } from '../core/ids.ts';
import { splitPath } from '../core/problem-path.ts';
import type { TwinSpecResult } from '../core/twin/spec.ts';
import { parseTwinSpec } from '../core/twin/spec.ts';
import type { YamlPosition } from '../config/yaml.ts';
import { readYaml } from '../config/yaml.ts';

export const TWIN_FILE_NAMES: readonly string[] = ['twin.yaml', 'twin.yml'];
const SKIPPED_DIRS: readonly string[] = ['node_modules'];

export interface ScannedTwin {
  /** `dir` joined with the file's path below it. */
  file: string;
  result: TwinSpecResult;
}

export interface ScanOptions {
  /** The tenant of a twin.yaml that names none. @default 'default' */
  defaultTenant?: string;
}

/**
 * Finds and parses every twin file under `dir`, sorted by path. Folders named `node_modules` or starting
 * with a dot are skipped, and symbolic links to folders are not followed (they could loop). A twin id that
 * two files define in the same tenant is a problem of the second file.
 *
 * @throws TwinflowError (`invalid_config`) when `dir` cannot be read.
 */
export async function scanTwinFiles(dir: string, options: ScanOptions = {}): Promise<ScannedTwin[]> {
  const defaultTenant = options.defaultTenant ?? DEFAULT_TENANT;
  let files: string[];
  try {
    files = await findTwinFiles(dir);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : (err as Error).message;
    throw new TwinflowError(ErrorCode.InvalidConfig, `cannot scan twins in ${dir}: ${reason}`, { cause: err });
  }
  files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

  const scanned: ScannedTwin[] = [];
  const firstFileOf = new Map<string, string>();
  for (const rel of files) {
    const file = join(dir, rel);
    const text = await readFile(file, 'utf8');
    const { result, where } = parseLocated(text, file, defaultTenant);
    const key = result.ok ? `${result.tenant}/${result.spec.id}` : undefined;
    const first = key === undefined ? undefined : firstFileOf.get(key);
    if (result.ok && first !== undefined) {
      const problem = { path: where('id'), message: `${result.spec.id} is already defined in ${first}` };
      scanned.push({ file, result: { ok: false, problems: [problem] } });
      continue;
    }
    if (key !== undefined) firstFileOf.set(key, file);
    scanned.push({ file, result });
  }
  return scanned;
}

/** Parses one twin file's text; problems are prefixed with `file:line:col`. */
export function parseTwinFile(text: string, file: string, defaultTenant: string): TwinSpecResult {
  return parseLocated(text, file, defaultTenant).result;
}

interface Located {
  result: TwinSpecResult;
  /** A spec path prefixed with where the file shows it. */
  where(path: string): string;
}

function parseLocated(text: string, file: string, defaultTenant: string): Located {
  const yaml = readYaml(text);
  if (!yaml.ok) {
    return {
      result: { ok: false, problems: yaml.errors.map((e) => ({ path: at(file, e), message: e.message })) },
      where: () => file,
    };
  }
  const where = (path: string): string =>
    path === '' ? at(file, yaml.locate([])) : `${at(file, yaml.locate(splitPath(path)))}: ${path}`;
  const result = parseTwinSpec(yaml.value, { defaultTenant });
  if (result.ok) return { result, where };
  return {
    result: { ok: false, problems: result.problems.map((p): Problem => ({ path: where(p.path), message: p.message })) },
    where,
  };
}

function at(file: string, pos: YamlPosition | undefined): string {
  return pos === undefined ? file : `${file}:${pos.line}:${pos.col}`;
}

async function findTwinFiles(root: string): Promise<string[]> {
  const found: string[] = [];
  const pending: string[] = [root];
  for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
    const entries: Dirent[] = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.') && !SKIPPED_DIRS.includes(entry.name)) pending.push(path);
      } else if (TWIN_FILE_NAMES.includes(entry.name) && (entry.isFile() || (entry.isSymbolicLink() && (await isFile(path))))) {
        found.push(relative(root, path));
      }
    }
  }
  return found;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    // A dangling link is no twin file.
    return false;
  }
}
