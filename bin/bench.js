#!/usr/bin/env node
// `npm run bench -- NAME [options]` runs bench/NAME.ts; with no name it lists the benchmarks.
import { readdirSync } from 'node:fs';
import { register } from 'tsx/esm/api';

const dir = new URL('../bench/', import.meta.url);
const names = readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).sort();
const [name, ...rest] = process.argv.slice(2);
if (name === undefined || !names.includes(name)) {
  process.stderr.write(`usage: npm run bench -- <${names.join('|')}> [options]\n`);
  process.exit(name === undefined ? 0 : 2);
}
process.argv = [process.argv[0], new URL(`${name}.ts`, dir).pathname, ...rest];
register();
await import(new URL(`${name}.ts`, dir).href);
