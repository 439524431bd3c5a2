import type { Json, JsonObject } from '../types.ts';

/** JSON with object keys sorted, so `{a, b}` and `{b, a}` compare equal. */
export function canonicalJson(value: Json | undefined): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
}

/** Whether a repeated request with the same idempotency key asks for the same command. */
export function sameRequest(a: { name: string; params: JsonObject }, b: { name: string; params: JsonObject }): boolean {
  return a.name === b.name && canonicalJson(a.params) === canonicalJson(b.params);
}
