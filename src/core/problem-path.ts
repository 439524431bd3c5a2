/**
 * Problem paths (`relationships[1].target`, `sinks.csv.path`): dotted keys, bracketed indexes. A key that would
 * make the path ambiguous (a dot, a bracket, a space, or empty) is written as a quoted bracket (`metadata["a.b"]`).
 */

const PLAIN_KEY = /^[^.[\]\s"]+$/;

export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (!PLAIN_KEY.test(key)) return `${parent}[${JSON.stringify(key)}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

/** A path from a list of segments, as zod and the YAML document report them. */
export function pathOf(segments: readonly PropertyKey[]): string {
  let path = '';
  for (const s of segments) path = childPath(path, typeof s === 'number' ? s : String(s));
  return path;
}

/** The segments of a path made by {@link childPath}: `relationships[1].target` → `['relationships', 1, 'target']`. */
export function splitPath(path: string): (string | number)[] {
  const segments: (string | number)[] = [];
  const token = /([^.[\]]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g;
  for (const m of path.matchAll(token)) {
    if (m[1] !== undefined) segments.push(m[1]);
    else if (m[2] !== undefined) segments.push(Number(m[2]));
    else if (m[3] !== undefined) segments.push(JSON.parse(m[3]) as string);
  }
  return segments;
}
