/**
 * Overrides (from command-line flags) over a parsed config file: objects merge key by key, anything else
 * (arrays included) replaces, and an `undefined` override leaves the file's value alone, so a flag that was
 * not given can be passed through as `undefined`.
 */
import { isJsonObject, setOwn } from '../core/json.ts';

export function deepMerge(base: unknown, override: unknown): unknown {
  if (override === undefined) return base;
  if (!isJsonObject(override) || !isJsonObject(base)) return override;
  const out: Record<string, unknown> = { ...base };
  for (const key of Object.keys(override)) {
    if (override[key] === undefined) continue;
    setOwn(out, key, deepMerge(Object.hasOwn(base, key) ? base[key] : undefined, override[key]));
  }
  return out;
}
