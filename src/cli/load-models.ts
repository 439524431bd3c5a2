import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { formatProblem, TwinflowError } from '../core/errors.ts';
import { readYaml, formatYamlError } from '../config/yaml.ts';
import type { Engine } from '../engine/engine.ts';
import type { Logger } from '../ports.ts';

/** The files a `models:` entry names: a file, a folder (its .yaml/.yml/.json files), or `dir/*.ext`. */
export function modelFiles(entry: string): string[] {
  if (entry.includes('*')) {
    const dir = dirname(entry);
    const pattern = new RegExp(`^${basename(entry).replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*')}$`);
    try {
      return readdirSync(dir).filter((f) => pattern.test(f)).sort().map((f) => join(dir, f));
    } catch {
      return [];
    }
  }
  try {
    if (statSync(entry).isDirectory()) return readdirSync(entry).filter((f) => /\.(ya?ml|json)$/.test(f)).sort().map((f) => join(entry, f));
  } catch {
    return [];
  }
  return [entry];
}

/**
 * Reads the config's `models:` (compact YAML/JSON or DTDL JSON) into the engine. DTDL files are compiled together so
 * they may refer to each other; a bad file is logged with every problem and skipped.
 */
export async function loadModelFiles(engine: Engine, tenant: string, entries: readonly string[], logger: Logger): Promise<number> {
  const compact: { file: string; doc: unknown }[] = [];
  const dtdl: unknown[] = [];
  for (const file of entries.flatMap(modelFiles)) {
    const text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
    let doc: unknown;
    if (file.endsWith('.json')) {
      try {
        doc = JSON.parse(text);
      } catch (err) {
        logger.warn({ file }, `model file ${file} is not JSON: ${err instanceof Error ? err.message : String(err)}`);
        continue;
      }
    } else {
      const parsed = readYaml(text);
      if (!parsed.ok) {
        logger.warn({ file }, `model file ${file} is not YAML: ${parsed.errors.map(formatYamlError).join('; ')}`);
        continue;
      }
      doc = parsed.value;
    }
    const isDtdl = (d: unknown) => typeof d === 'object' && d !== null && ('@context' in d || Array.isArray(d));
    if (isDtdl(doc)) dtdl.push(doc);
    else compact.push({ file, doc });
  }
  let count = 0;
  const put = async (what: string, body: unknown) => {
    try {
      count += (await engine.models.put(tenant, body)).length;
    } catch (err) {
      if (!(err instanceof TwinflowError)) throw err;
      logger.warn({ problems: err.details }, `${what} is invalid and was skipped:\n${(err.details ?? []).map((p) => `  ${formatProblem(p)}`).join('\n')}`);
    }
  };
  for (const { file, doc } of compact) await put(`model file ${file}`, doc);
  if (dtdl.length > 0) await put('the DTDL model files', dtdl);
  return count;
}
