import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/core/errors.ts';
import { RejectReason } from '../../src/core/telemetry/parse.ts';
import { STATUS_OF } from '../../src/server/errors.ts';

const doc = readFileSync(resolve(import.meta.dirname, '../../docs/errors.md'), 'utf8');

/** Rows of the markdown table under a heading: first cells (unquoted) and second cells. */
function table(heading: string): [string, string][] {
  const section = doc.split(/^## /m).find((s) => s.startsWith(heading)) ?? '';
  return section
    .split('\n')
    .filter((line) => /^\| `/.test(line))
    .map((line) => {
      const cells = line.split('|').map((c) => c.trim());
      return [cells[1]!.replaceAll('`', ''), cells[2]!];
    });
}

describe('docs/errors.md', () => {
  it('documents every error code with the status the server maps it to, and nothing else', () => {
    const rows = table('Error codes');
    expect(rows.map(([code]) => code).sort()).toEqual(Object.values(ErrorCode).sort());
    for (const [code, status] of rows) expect(`${code} ${status}`).toBe(`${code} ${STATUS_OF[code as ErrorCode]}`);
  });

  it('documents every ingest rejection reason, and nothing else', () => {
    expect(table('Ingest rejection reasons').map(([reason]) => reason).sort()).toEqual(Object.values(RejectReason).sort());
  });
});
