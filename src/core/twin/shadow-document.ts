/**
 * The shadow document (DESIGN §4): AWS IoT Device Shadow rules — recursive merge, `null` deletes, arrays replaced
 * whole, `delta` = desired leaves that differ from reported, a per-leaf metadata timestamp, `version` +1 per update.
 * Pure: inputs are never changed; results may share subtrees with them.
 *
 * Metadata mirrors the value: an object's metadata is an object of its members' metadata, an array's is an array of
 * its elements' metadata (as AWS does), and any other value has `{timestamp}` (epoch ms here, where AWS uses seconds).
 */
import type { Json, JsonObject } from '../types.ts';
import { isJsonObject, jsonEqual, setOwn } from '../json.ts';

/** The per-property acknowledgement a device gives for a desired change (beyond AWS; Azure's `ac`/`av`/`ad`). */
export interface AckEntry {
  desiredVersion: number;
  /** The shadow version the acknowledgement was recorded at. */
  ackVersion: number;
  code: number;
  description?: string;
  timestamp: number;
}

/** What is stored per twin. `deleted` keeps the version counting on after a delete, as AWS does. */
export interface StoredShadow {
  desired: JsonObject;
  reported: JsonObject;
  metaDesired: JsonObject;
  metaReported: JsonObject;
  ack: Record<string, AckEntry>;
  version: number;
  timestamp: number;
  deleted?: boolean;
}

/** The document as the API and the state topics show it. */
export interface ShadowView {
  state: { desired?: JsonObject; reported?: JsonObject; delta?: JsonObject };
  metadata: { desired?: JsonObject; reported?: JsonObject };
  ack?: Record<string, AckEntry>;
  version: number;
  timestamp: number;
}

export const Section = { Desired: 'desired', Reported: 'reported' } as const;
export type Section = (typeof Section)[keyof typeof Section];

export function emptyShadow(version = 0, timestamp = 0): StoredShadow {
  return { desired: {}, reported: {}, metaDesired: {}, metaReported: {}, ack: {}, version, timestamp };
}

/** Metadata of a freshly written value. */
export function metadataOf(value: Json, timestamp: number): Json {
  if (isJsonObject(value)) {
    const out: JsonObject = {};
    for (const key of Object.keys(value)) setOwn(out, key, metadataOf(value[key] as Json, timestamp));
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => metadataOf(v, timestamp));
  return { timestamp };
}

/** Strips `null` members from a value that is new to the document (a patch's object written where nothing was). */
function withoutNulls(value: Json): Json {
  if (!isJsonObject(value)) return value;
  const out: JsonObject = {};
  for (const key of Object.keys(value)) {
    const v = value[key] as Json;
    if (v !== null) setOwn(out, key, withoutNulls(v));
  }
  return out;
}

/**
 * Merges `patch` into `value` and its metadata at `timestamp`: members merge recursively, `null` deletes, anything
 * that is not an object on both sides replaces whole.
 */
export function mergeSection(
  value: JsonObject,
  meta: JsonObject,
  patch: JsonObject,
  timestamp: number,
): { value: JsonObject; meta: JsonObject } {
  const out: JsonObject = { ...value };
  const outMeta: JsonObject = { ...meta };
  for (const key of Object.keys(patch)) {
    const p = patch[key] as Json;
    if (p === null) {
      delete out[key];
      delete outMeta[key];
      continue;
    }
    const current = Object.hasOwn(value, key) ? value[key] : undefined;
    if (isJsonObject(p) && isJsonObject(current)) {
      const currentMeta = meta[key];
      const merged = mergeSection(current, isJsonObject(currentMeta) ? currentMeta : {}, p, timestamp);
      setOwn(out, key, merged.value);
      setOwn(outMeta, key, merged.meta);
    } else {
      const written = withoutNulls(p);
      setOwn(out, key, written);
      setOwn(outMeta, key, metadataOf(written, timestamp));
    }
  }
  return { value: out, meta: outMeta };
}

/** The desired members whose value differs from reported, recursively, keeping their path. */
export function computeDelta(desired: JsonObject, reported: JsonObject | undefined): JsonObject {
  const out: JsonObject = {};
  for (const key of Object.keys(desired)) {
    const d = desired[key] as Json;
    const r = reported !== undefined && Object.hasOwn(reported, key) ? reported[key] : undefined;
    if (isJsonObject(d) && isJsonObject(r)) {
      const sub = computeDelta(d, r);
      if (Object.keys(sub).length > 0) setOwn(out, key, sub);
    } else if (!jsonEqual(d, r)) {
      setOwn(out, key, d);
    }
  }
  return out;
}

/** The metadata of the delta's members, taken from the desired metadata. */
export function deltaMetadata(delta: JsonObject, metaDesired: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const key of Object.keys(delta)) {
    const d = delta[key] as Json;
    const m = metaDesired[key];
    if (isJsonObject(d) && isJsonObject(m) && m.timestamp === undefined) setOwn(out, key, deltaMetadata(d, m));
    else if (m !== undefined) setOwn(out, key, m);
  }
  return out;
}

export function shadowDelta(shadow: StoredShadow): JsonObject {
  return computeDelta(shadow.desired, shadow.reported);
}

const nonEmpty = (o: JsonObject): boolean => Object.keys(o).length > 0;

/** The document as AWS shows it: empty sections are left out. */
export function shadowView(shadow: StoredShadow): ShadowView {
  const delta = shadowDelta(shadow);
  const state: ShadowView['state'] = {};
  const metadata: ShadowView['metadata'] = {};
  if (nonEmpty(shadow.desired)) {
    state.desired = shadow.desired;
    metadata.desired = shadow.metaDesired;
  }
  if (nonEmpty(shadow.reported)) {
    state.reported = shadow.reported;
    metadata.reported = shadow.metaReported;
  }
  if (nonEmpty(delta)) state.delta = delta;
  const view: ShadowView = { state, metadata, version: shadow.version, timestamp: shadow.timestamp };
  if (Object.keys(shadow.ack).length > 0) view.ack = shadow.ack;
  return view;
}

/** The value at a path of leaf keys; undefined when absent. */
export function valueAt(doc: JsonObject, path: readonly string[]): Json | undefined {
  let current: Json | undefined = doc;
  for (const key of path) {
    if (!isJsonObject(current) || !Object.hasOwn(current, key)) return undefined;
    current = current[key];
  }
  return current;
}

/** The leaf timestamp at a path (the nearest one above when the path runs into a leaf or an array). */
export function timestampAt(meta: JsonObject, path: readonly string[]): number | undefined {
  let current: Json | undefined = meta;
  for (const key of path) {
    if (!isJsonObject(current)) break;
    if (typeof current.timestamp === 'number' && !isJsonObject(current[key])) return current.timestamp;
    if (!Object.hasOwn(current, key)) return undefined;
    current = current[key];
  }
  if (isJsonObject(current) && typeof current.timestamp === 'number') return current.timestamp;
  return undefined;
}

/** Every leaf of a patch as a path and value (an object value is descended; arrays and nulls are leaves). */
export function patchLeaves(patch: JsonObject, prefix: readonly string[] = []): { path: string[]; value: Json }[] {
  const out: { path: string[]; value: Json }[] = [];
  for (const key of Object.keys(patch)) {
    const v = patch[key] as Json;
    const path = [...prefix, key];
    if (isJsonObject(v) && Object.keys(v).length > 0) out.push(...patchLeaves(v, path));
    else out.push({ path, value: v });
  }
  return out;
}

/** A patch that sets one path. */
export function patchAt(path: readonly string[], value: Json): JsonObject {
  let out: Json = value;
  for (let i = path.length - 1; i >= 0; i--) {
    const o: JsonObject = {};
    setOwn(o, path[i]!, out);
    out = o;
  }
  return out as JsonObject;
}

/** Deep-merges two patches (the second wins where both set a leaf). */
export function combinePatches(a: JsonObject, b: JsonObject): JsonObject {
  const out: JsonObject = { ...a };
  for (const key of Object.keys(b)) {
    const av = out[key];
    const bv = b[key] as Json;
    if (isJsonObject(av) && isJsonObject(bv)) setOwn(out, key, combinePatches(av, bv));
    else setOwn(out, key, bv);
  }
  return out;
}

/** Nesting depth of a JSON value: a scalar is 0, `{a: 1}` is 1. */
export function depthOf(value: Json): number {
  if (isJsonObject(value)) {
    let max = 0;
    for (const key of Object.keys(value)) max = Math.max(max, depthOf(value[key] as Json));
    return max + 1;
  }
  if (Array.isArray(value)) {
    let max = 0;
    for (const v of value) max = Math.max(max, depthOf(v));
    return max + 1;
  }
  return 0;
}
