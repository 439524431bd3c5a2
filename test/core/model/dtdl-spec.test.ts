/**
 * The DTDL v3 specification cases in ../shared/dtdl/v3-spec: each says whether a set of documents is valid.
 * Agreement must stay at 95 % or more; the share and the kinds of case still decided wrongly are printed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileDtdl } from '../../../src/core/model/dtdl.ts';

const DIR = resolve(import.meta.dirname, '../../../../shared/dtdl/v3-spec');

interface SpecCase {
  valid: boolean;
  options?: string[];
  input: unknown[];
}

describe.runIf(existsSync(DIR))('DTDL v3 specification cases', () => {
  it('decides at least 95 % of them as the specification does', () => {
    let total = 0;
    let agreed = 0;
    const missed = new Map<string, number>();
    for (const file of readdirSync(DIR).filter((f) => f.endsWith('.json')).sort()) {
      const cases = JSON.parse(readFileSync(join(DIR, file), 'utf8').replace(/^\uFEFF/, '')) as SpecCase[];
      for (const c of cases) {
        total++;
        const result = compileDtdl(c.input, { allowUndefinedExtensions: c.options?.includes('AllowUndefinedExtensions') === true });
        if (result.ok === c.valid) agreed++;
        else {
          const kind = `${file.replace(/V3\.json$/, '')} (${c.valid ? 'valid, rejected' : 'invalid, accepted'})`;
          missed.set(kind, (missed.get(kind) ?? 0) + 1);
        }
      }
    }
    const share = agreed / total;
    const lines = [...missed.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `  ${n} × ${k}`);
    console.log(`DTDL v3 spec agreement: ${agreed}/${total} = ${(share * 100).toFixed(2)} %\n${lines.join('\n')}`);
    expect(share).toBeGreaterThanOrEqual(0.95);
  });
});
