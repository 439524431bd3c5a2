import { resolve, sep } from 'node:path';
import type { Problem } from '../core/errors.ts';
import { TwinStatus, type Twin } from '../core/types.ts';
import type { Registry } from '../engine/registry.ts';
import { scanTwinFiles } from './scan.ts';

/**
 * The metadata key naming the twin.yaml a twin was registered from (an absolute path). It is how a later scan knows
 * which stored twins belong to the scanned folder, so that a twin whose file is gone can be deprecated; twins made
 * through the API or by ingest have none and are never touched by a scan.
 */
export const REGISTERED_FROM = 'registeredFrom';

export interface RegisterReport {
  counts: { created: number; updated: number; unchanged: number; deprecated: number; invalid: number };
  changes: { file: string; id: string; tenant: string; created: boolean; changed: string[] }[];
  /** Twins registered from a file under the folder that no longer defines them; soft-deleted. */
  deprecated: { file: string; id: string; tenant: string }[];
  invalid: { file: string; problems: Problem[] }[];
}

/**
 * Scans `dir` for twin.yaml files and creates or updates each twin; an invalid file is reported and
 * skipped. A twin registered earlier from a file under `dir` that no longer defines it is deprecated (soft delete),
 * except when that file is still there but invalid for the moment: a half-saved edit must not deprecate its twin.
 */
export async function registerTwinFiles(registry: Registry, dir: string, defaultTenant: string, source: string): Promise<RegisterReport> {
  const report: RegisterReport = { counts: { created: 0, updated: 0, unchanged: 0, deprecated: 0, invalid: 0 }, changes: [], deprecated: [], invalid: [] };
  const defined = new Set<string>();
  const invalidFiles = new Set<string>();
  // Absolute, so that `registeredFrom` names the same file whatever folder the process runs in.
  const root = resolve(dir);
  for (const { file, result } of await scanTwinFiles(root, { defaultTenant })) {
    if (!result.ok) {
      report.counts.invalid++;
      report.invalid.push({ file, problems: result.problems });
      invalidFiles.add(file);
      continue;
    }
    defined.add(`${result.tenant}\u0000${result.spec.id}`);
    const spec = { ...result.spec, metadata: { ...result.spec.metadata, [REGISTERED_FROM]: file } };
    const outcome = await registry.upsertSpec(result.tenant, spec, `${source}:${file}`);
    if (outcome.created) report.counts.created++;
    else if (outcome.changed.length > 0) report.counts.updated++;
    else report.counts.unchanged++;
    if (outcome.created || outcome.changed.length > 0) {
      report.changes.push({ file, id: result.spec.id, tenant: result.tenant, created: outcome.created, changed: outcome.changed });
    }
  }
  const prefix = root.endsWith(sep) ? root : `${root}${sep}`;
  for (const twin of registry.all().sort(byTenantAndId)) {
    const from = twin.metadata[REGISTERED_FROM];
    if (typeof from !== 'string' || !from.startsWith(prefix) || twin.status === TwinStatus.Deprecated) continue;
    if (defined.has(`${twin.tenant}\u0000${twin.id}`) || invalidFiles.has(from)) continue;
    await registry.remove(twin.tenant, twin.id, { soft: true }, `${source}:${from}`);
    report.counts.deprecated++;
    report.deprecated.push({ file: from, id: twin.id, tenant: twin.tenant });
  }
  return report;
}

function byTenantAndId(a: Twin, b: Twin): number {
  return a.tenant === b.tenant ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.tenant < b.tenant ? -1 : 1;
}
