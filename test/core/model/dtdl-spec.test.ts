/**
 * The DTDL v3 specification cases in ../shared/dtdl/v3-spec: each says whether a set of documents is valid.
 * Agreement must stay at 100 %; the share is printed, and any case decided wrongly is listed under its kind (the
 * case file and which way it went wrong) with its index in the file, so a regression points at the rule it breaks.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inCi } from '../../support/components.ts';
import { compileDtdl } from '../../../src/core/model/dtdl.ts';

const DIR = resolve(import.meta.dirname, '../../../../shared/dtdl/v3-spec');

interface SpecCase {
  valid: boolean;
  options?: string[];
  input: unknown[];
}

// The cases live beside the repository (shared/); CI has them and must run them, a bare checkout skips with a reason.
if (!existsSync(DIR) && !inCi()) console.warn(`skipping the DTDL specification cases: ${DIR} is absent`);
describe.runIf(existsSync(DIR) || inCi())('DTDL v3 specification cases', () => {
  it('decides all of them as the specification does', () => {
    let total = 0;
    let agreed = 0;
    const missed = new Map<string, number[]>();
    for (const file of readdirSync(DIR).filter((f) => f.endsWith('.json')).sort()) {
      const cases = JSON.parse(readFileSync(join(DIR, file), 'utf8').replace(/^\uFEFF/, '')) as SpecCase[];
      for (const [index, c] of cases.entries()) {
        total++;
        const result = compileDtdl(c.input, { allowUndefinedExtensions: c.options?.includes('AllowUndefinedExtensions') === true });
        if (result.ok === c.valid) agreed++;
        else {
          const kind = `${file.replace(/V3\.json$/, '')} (${c.valid ? 'valid, rejected' : 'invalid, accepted'})`;
          missed.set(kind, [...(missed.get(kind) ?? []), index]);
        }
      }
    }
    const share = agreed / total;
    const lines = [...missed.entries()].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0])).map(([k, at]) => `  ${at.length} × ${k}: #${at.join(', #')}`);
    console.log(`DTDL v3 spec agreement: ${agreed}/${total} = ${(share * 100).toFixed(2)} %\n${lines.join('\n')}`);
    expect(share).toBeGreaterThanOrEqual(1);
  });
});
