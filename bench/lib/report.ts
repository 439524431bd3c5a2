/** Benchmarks print one JSON line per result (for machines) and a table at the end (for people). */
export type Result = Record<string, string | number | boolean>;

const results: Result[] = [];

export function report(result: Result): void {
  results.push(result);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

export function printTable(): void {
  if (results.length === 0) return;
  const keys = [...new Set(results.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(3)) : String(v ?? ''));
  const widths = keys.map((k) => Math.max(k.length, ...results.map((r) => cell(r[k]).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  process.stderr.write(`\n${line(keys)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`);
  for (const r of results) process.stderr.write(`${line(keys.map((k) => cell(r[k])))}\n`);
}
