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
