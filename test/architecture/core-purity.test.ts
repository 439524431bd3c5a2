import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const CORE = resolve(import.meta.dirname, '../../src/core');
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
const FORBIDDEN_GLOBALS = /\b(?:Date\.now|setTimeout|setInterval|setImmediate|process\.|require\()/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** What a core file may not do, as `file: reason` lines. */
export function violations(file: string, text: string): string[] {
  const out: string[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const spec = match[1] ?? match[2] ?? '';
    if (!spec.startsWith('.')) {
      out.push(`${relative(CORE, file)}: imports "${spec}" (core imports nothing outside src/core)`);
      continue;
    }
    const target = resolve(dirname(file), spec);
    if (!target.startsWith(CORE)) out.push(`${relative(CORE, file)}: imports "${spec}", outside src/core`);
  }
  const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
  const global = FORBIDDEN_GLOBALS.exec(code);
  if (global !== null) out.push(`${relative(CORE, file)}: uses ${global[0]} (time and I/O come in as arguments)`);
  return out;
}

describe('src/core is pure', () => {
  it('imports nothing outside src/core: no node:*, no driver, no adapter; reads no clock', () => {
    const files = sources(CORE);
    expect(files.length).toBeGreaterThan(5);
    expect(files.flatMap((file) => violations(file, readFileSync(file, 'utf8')))).toEqual([]);
  });

  it('the check catches what it is meant to catch', () => {
    const file = join(CORE, 'x.ts');
    expect(violations(file, "import { readFile } from 'node:fs';")).toHaveLength(1);
    expect(violations(file, "import type { Pool } from 'pg';")).toHaveLength(1);
    expect(violations(file, "import { Engine } from '../engine/engine.ts';")).toHaveLength(1);
    expect(violations(file, "const m = await import('mqtt');")).toHaveLength(1);
    expect(violations(file, 'const t = Date.now();')).toHaveLength(1);
    expect(violations(file, "import { ok } from './twin/spec.ts';\n// Date.now() in a comment is fine")).toEqual([]);
  });
});
