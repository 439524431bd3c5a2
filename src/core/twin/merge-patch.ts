/**
 * JSON Merge Patch, RFC 7396. The registry's `PATCH /api/registry/twins/{id}` applies one to a twin spec.
 *
 * Pure: neither argument is changed. The result may share subtrees with the target and the patch, so treat
 * it as immutable as well.
 */
import type { Json, JsonObject } from '../types.ts';
import { isJsonObject, setOwn } from '../json.ts';

/**
 * Applies `patch` to `target` exactly as RFC 7396 §2 defines it: an object patch merges member by member
 * (`null` removes a member, and a target that is not an object is first replaced by `{}`); any other patch,
 * arrays included, replaces the target whole. `target` undefined stands for a member that does not exist.
 */
export function applyMergePatch(target: Json | undefined, patch: Json): Json {
  if (!isJsonObject(patch)) return patch;
  const base: JsonObject = isJsonObject(target) ? target : {};
  const out: JsonObject = {};
  // Members keep the target's order; members new to the target follow in the patch's order.
  for (const key of Object.keys(base)) {
    if (!Object.hasOwn(patch, key)) setOwn(out, key, base[key]);
    else if (patch[key] !== null) setOwn(out, key, applyMergePatch(base[key], patch[key] as Json));
  }
  for (const key of Object.keys(patch)) {
    const value = patch[key] as Json;
    if (value !== null && !Object.hasOwn(base, key)) setOwn(out, key, applyMergePatch(undefined, value));
  }
  return out;
}
