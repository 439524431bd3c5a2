/** Helpers for values that claim to be JSON: documents from YAML files and request bodies arrive as `unknown`. */
import type { JsonObject } from './types.ts';
import { childPath } from './problem-path.ts';
import type { Problem } from './errors.ts';

/** A plain object: not an array, not a Date, Map or class instance. */
export function isJsonObject(value: unknown): value is JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** How a value is named in a problem message: `a string`, `an array`, `null`. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return Number.isFinite(value) ? 'a number' : String(value);
    case 'boolean':
      return 'a boolean';
    case 'object':
      return isJsonObject(value) ? 'an object' : `a ${value.constructor?.name ?? 'non-JSON object'}`;
    default:
      return `a ${typeof value}`;
  }
}

/**
 * The first place where `value` is not JSON (a non-finite number, a Date, a binary buffer…), as a problem
 * at `path`; undefined when the whole value is JSON.
 */
export function nonJsonProblem(value: unknown, path: string): Problem | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') {
    return Number.isFinite(value) ? undefined : { path, message: `must be JSON; ${String(value)} is not a JSON number` };
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = nonJsonProblem(value[i], childPath(path, i));
      if (p !== undefined) return p;
    }
    return undefined;
  }
  if (isJsonObject(value)) {
    for (const key of Object.keys(value)) {
      const p = nonJsonProblem(value[key], childPath(path, key));
      if (p !== undefined) return p;
    }
    return undefined;
  }
  return { path, message: `must be JSON, not ${describeType(value)}` };
}

/** Structural equality of JSON values; key order does not matter and a key holding `undefined` counts as absent. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const aKeys = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bKeys = Object.keys(bo).filter((k) => bo[k] !== undefined);
  if (aKeys.length !== bKeys.length) return false;
  for (const k of aKeys) {
    if (!Object.hasOwn(bo, k) || !jsonEqual(ao[k], bo[k])) return false;
  }
  return true;
}

/**
 * Sets an own enumerable property even when the key is `__proto__`, which plain assignment would turn into a
 * prototype change; JSON.parse and YAML both produce such keys as ordinary data.
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}
