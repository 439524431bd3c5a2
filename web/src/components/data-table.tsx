import { formatNumber } from '../lib/format.ts';
import { numericColumn, type Table } from '../lib/tabular.ts';

const cell = (v: unknown): string =>
  typeof v === 'number' ? formatNumber(v) : v === undefined || v === null ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v);

/** A table of rows, with a bar per row for one numeric column when there is one (`bars`). */
export function DataTable({ table, caption, bars = false, prefer = [] }: { readonly table: Table; readonly caption: string; readonly bars?: boolean; readonly prefer?: readonly string[] }) {
  if (table.rows.length === 0) return <p class="muted">No rows yet.</p>;
  const barCol = bars ? numericColumn(table, prefer) : undefined;
  const max = barCol ? Math.max(...table.rows.map((r) => Math.abs(r[barCol] as number)), 1e-12) : 1;
  return (
    <div class="table-wrap">
      <table class="data">
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {table.columns.map((c) => <th key={c} scope="col">{c}</th>)}
            {barCol && <th scope="col"><span class="visually-hidden">{barCol} bar</span></th>}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((r, i) => (
            <tr key={i}>
              {table.columns.map((c) => <td key={c} class={typeof r[c] === 'number' ? 'num' : undefined}>{cell(r[c])}</td>)}
              {barCol && (
                <td class="bar-cell" aria-hidden="true">
                  <span class="bar" style={{ width: `${(100 * Math.abs(r[barCol] as number)) / max}%` }} />
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
