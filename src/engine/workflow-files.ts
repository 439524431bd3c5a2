import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Logger } from '../ports.ts';
import type { WorkflowEngine } from './workflows.ts';

/** Files a config `workflows:` entry names: a file, a folder, or a `*` pattern in the last path segment. */
async function filesOf(entry: string): Promise<string[]> {
  const name = basename(entry);
  if (!name.includes('*')) {
    try {
      const items = await readdir(entry);
      return items.filter((f) => /\.(ya?ml|json)$/.test(f)).sort().map((f) => join(entry, f));
    } catch {
      return [entry];
    }
  }
  const re = new RegExp(`^${name.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  try {
    return (await readdir(dirname(entry))).filter((f) => re.test(f)).sort().map((f) => join(dirname(entry), f));
  } catch {
    return [];
  }
}

/** Deploys the workflow files of the config; an invalid one is logged with every problem and skipped. */
export async function deployWorkflowFiles(workflows: WorkflowEngine, entries: readonly string[], tenant: string, logger: Logger): Promise<number> {
  let deployed = 0;
  for (const entry of entries) {
    for (const file of await filesOf(entry)) {
      try {
        const text = await readFile(file, 'utf8');
        const doc: unknown = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
        const exec = await workflows.deploy(doc, tenant);
        logger.info({ file, workflow: exec.name }, `deployed workflow ${exec.name}`);
        deployed++;
      } catch (err) {
        logger.warn({ file, err }, `workflow file ${file} was not deployed`);
      }
    }
  }
  return deployed;
}
