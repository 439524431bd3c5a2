/**
 * Turns a JSON answer whose exact shape is the server's business (workflow metrics, aggregations) into rows:
 * an array of objects, `{items|groups|results|rows: [...]}`, or an object of objects keyed by name.
 */
export interface Table {
  readonly columns: readonly string[];
  readonly rows: readonly Record<string, unknown>[];
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function toTable(body: unknown, keyName = 'name'): Table {
  let rows: Record<string, unknown>[] = [];
  if (Array.isArray(body)) rows = body.map((r) => (isObj(r) ? r : { value: r }));
  else if (isObj(body)) {
    const inner = ['items', 'groups', 'results', 'rows', 'processors', 'buckets'].map((k) => body[k]).find((v) => Array.isArray(v) || isObj(v));
    if (inner !== undefined && inner !== body) return toTable(inner, keyName);
    const values = Object.values(body);
    if (values.length > 0 && values.every(isObj)) rows = Object.entries(body).map(([k, v]) => ({ [keyName]: k, ...flatten(v as Record<string, unknown>) }));
    else rows = [flatten(body)];
  }
  rows = rows.map((r) => flatten(r));
  const columns: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!columns.includes(k)) columns.push(k);
  return { columns, rows };
}

/** `{a: {b: 1}}` → `{'a.b': 1}`, one level of arrays kept as JSON. */
function flatten(o: Record<string, unknown>, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [k, v] of Object.entries(o)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (isObj(v) && Object.keys(v).length <= 12) flatten(v, key, out);
    else out[key] = v;
  }
  return out;
}

/** The first column whose values are all numbers, for a bar chart beside the table. */
export function numericColumn(t: Table, prefer: readonly string[] = []): string | undefined {
  const numeric = (c: string): boolean => t.rows.length > 0 && t.rows.every((r) => typeof r[c] === 'number');
  return prefer.find((c) => t.columns.includes(c) && numeric(c)) ?? t.columns.find(numeric);
}
