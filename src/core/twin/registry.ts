/**
 * The registry's decisions as pure functions of (stored twin, input, time): what a create, a replace
 * (`POST /api/registry/twins` for an existing id, a rescanned twin.yaml) and a merge patch produce.
 * Storing the result and emitting `twin.create` / `twin.update` is the engine's job.
 */
import type { Problem } from '../errors.ts';
import { ErrorCode, TwinflowError } from '../errors.ts';
import type { Json, JsonObject, Twin, TwinSpec } from '../types.ts';
import { isJsonObject, jsonEqual } from '../json.ts';
import { applyMergePatch } from './merge-patch.ts';
import type { TwinSpecField } from './spec.ts';
import { parseTwinSpec, READ_ONLY_TWIN_FIELDS, TWIN_SPEC_FIELDS } from './spec.ts';

export interface TwinChange {
  twin: Twin;
  /** The spec fields whose value differs, in spec order; empty when the twin is unchanged. */
  changed: TwinSpecField[];
}

export type TwinPatchResult = ({ ok: true } & TwinChange) | { ok: false; problems: Problem[] };

/** A new twin at version 1. */
export function createTwin(spec: TwinSpec, tenant: string, now: number): Twin {
  return { ...spec, tenant, version: 1, createdAt: now, updatedAt: now };
}

/**
 * The twin after its spec is replaced by `spec`. Only a real change costs a version: when every field is
 * equal, the stored twin is returned as it is (same version, same `updatedAt`) and `changed` is empty.
 */
export function replaceTwin(existing: Twin, spec: TwinSpec, now: number): TwinChange {
  if (spec.id !== existing.id) {
    // The caller looked the twin up by the spec's id; a mismatch is a bug there, not bad input.
    throw new TwinflowError(ErrorCode.Internal, `replaceTwin: spec ${spec.id} does not belong to twin ${existing.id}`);
  }
  const changed = TWIN_SPEC_FIELDS.filter((field) => !jsonEqual(existing[field], spec[field]));
  if (changed.length === 0) return { twin: existing, changed };
  const twin: Twin = {
    ...spec,
    tenant: existing.tenant,
    version: existing.version + 1,
    createdAt: existing.createdAt,
    updatedAt: now,
  };
  return { twin, changed };
}

/**
 * Applies an RFC 7396 merge patch to the twin's spec and validates the result as a whole spec. `id` and
 * `tenant` cannot be changed and bookkeeping fields cannot be patched; each attempt is a problem. As in a
 * twin.yaml, a patch that sets `metadata.status` to `active` or `deprecated` without naming `status` moves
 * the lifecycle status too.
 */
export function patchTwin(existing: Twin, mergePatch: unknown, now: number): TwinPatchResult {
  if (!isJsonObject(mergePatch)) {
    return { ok: false, problems: [{ path: '', message: 'a twin merge patch must be a JSON object' }] };
  }
  const problems: Problem[] = [];
  for (const key of ['id', '@id'] as const) {
    if (Object.hasOwn(mergePatch, key) && mergePatch[key] !== existing.id) {
      problems.push({ path: key, message: `cannot be changed (the twin is ${JSON.stringify(existing.id)})` });
    }
  }
  if (Object.hasOwn(mergePatch, 'tenant') && mergePatch.tenant !== existing.tenant) {
    problems.push({ path: 'tenant', message: `cannot be changed (the twin is in ${JSON.stringify(existing.tenant)})` });
  }
  for (const key of READ_ONLY_TWIN_FIELDS) {
    if (Object.hasOwn(mergePatch, key)) problems.push({ path: key, message: 'is maintained by the registry and cannot be patched' });
  }
  if (problems.length > 0) return { ok: false, problems };

  const patched = applyMergePatch(specDocument(existing), withStatusFromMetadata(mergePatch));
  const parsed = parseTwinSpec(patched, { defaultTenant: existing.tenant });
  if (!parsed.ok) return parsed;
  return { ok: true, ...replaceTwin(existing, parsed.spec, now) };
}

function specDocument(twin: Twin): JsonObject {
  const doc: JsonObject = {};
  for (const field of TWIN_SPEC_FIELDS) {
    const value = twin[field];
    if (value !== undefined) doc[field] = value as unknown as Json;
  }
  return doc;
}

function withStatusFromMetadata(patch: JsonObject): JsonObject {
  if (Object.hasOwn(patch, 'status') || !isJsonObject(patch.metadata)) return patch;
  const status = patch.metadata.status;
  return status === 'active' || status === 'deprecated' ? { ...patch, status } : patch;
}
