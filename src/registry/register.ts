import type { Problem } from '../core/errors.ts';
import type { Registry } from '../engine/registry.ts';
import { scanTwinFiles } from './scan.ts';

export interface RegisterReport {
  counts: { created: number; updated: number; unchanged: number; invalid: number };
  changes: { file: string; id: string; tenant: string; created: boolean; changed: string[] }[];
  invalid: { file: string; problems: Problem[] }[];
}

/** Scans `dir` for twin.yaml files and creates or updates each twin; an invalid file is reported and skipped. */
export async function registerTwinFiles(registry: Registry, dir: string, defaultTenant: string, source: string): Promise<RegisterReport> {
  const report: RegisterReport = { counts: { created: 0, updated: 0, unchanged: 0, invalid: 0 }, changes: [], invalid: [] };
  for (const { file, result } of await scanTwinFiles(dir, { defaultTenant })) {
    if (!result.ok) {
      report.counts.invalid++;
      report.invalid.push({ file, problems: result.problems });
      continue;
    }
    const outcome = await registry.upsertSpec(result.tenant, result.spec, `${source}:${file}`);
    if (outcome.created) report.counts.created++;
    else if (outcome.changed.length > 0) report.counts.updated++;
    else report.counts.unchanged++;
    if (outcome.created || outcome.changed.length > 0) {
      report.changes.push({ file, id: result.spec.id, tenant: result.tenant, created: outcome.created, changed: outcome.changed });
    }
  }
  return report;
}
