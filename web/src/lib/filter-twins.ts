import type { Twin } from '../api/types.ts';

/** Keeps twins whose id or name contains every word of the query, ignoring case. */
export function filterTwins(twins: readonly Twin[], query: string): readonly Twin[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return twins;
  return twins.filter((t) => {
    const hay = `${t.id}\u0000${t.name}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

export interface TwinFilters {
  readonly q: string;
  readonly model?: string;
  readonly group?: string;
  readonly status?: string;
  /** `key=value` */
  readonly dim?: string;
}

/** The search words plus the model, group, status and dimension pickers of the overview. */
export function applyTwinFilters(twins: readonly Twin[], f: TwinFilters): readonly Twin[] {
  const [dimKey, dimValue] = f.dim ? (f.dim.split('=', 2) as [string, string?]) : [undefined, undefined];
  const picked = twins.filter(
    (t) =>
      (!f.model || t.model === f.model) &&
      (!f.group || t.groups.includes(f.group)) &&
      (!f.status || t.status === f.status) &&
      (dimKey === undefined || String(t.dimensions[dimKey] ?? '') === (dimValue ?? '')),
  );
  return filterTwins(picked, f.q);
}

/** The values the pickers offer, from the twins the registry holds. */
export function filterChoices(twins: readonly Twin[]): { models: string[]; groups: string[]; dims: string[] } {
  const models = new Set<string>();
  const groups = new Set<string>();
  const dims = new Set<string>();
  for (const t of twins) {
    if (t.model) models.add(t.model);
    for (const g of t.groups) groups.add(g);
    for (const [k, v] of Object.entries(t.dimensions)) if (v !== null && typeof v !== 'object') dims.add(`${k}=${String(v)}`);
  }
  const sort = (s: Set<string>): string[] => [...s].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  return { models: sort(models), groups: sort(groups), dims: sort(dims) };
}
