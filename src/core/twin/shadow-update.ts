/**
 * Applying one shadow update document (DESIGN §4, §5.5) to a stored shadow: validation with AWS-like limits,
 * the version check, conflict policies, per-property acknowledgements and clearing desired once reported matches.
 * The outcome names the patch that was actually applied, which is what history records and replays.
 */
import type { Problem } from '../errors.ts';
import type { Json, JsonObject } from '../types.ts';
import { isJsonObject, jsonEqual } from '../json.ts';
import {
  combinePatches,
  computeDelta,
  depthOf,
  emptyShadow,
  mergeSection,
  patchAt,
  patchLeaves,
  Section,
  timestampAt,
  valueAt,
  type AckEntry,
  type StoredShadow,
} from './shadow-document.ts';

export const ConflictPolicy = {
  LatestTimestamp: 'latest_timestamp',
  DeviceWins: 'device_wins',
  CloudWins: 'cloud_wins',
} as const;
export type ConflictPolicy = (typeof ConflictPolicy)[keyof typeof ConflictPolicy];

/** Who wrote an update: the device (its state topic, telemetry mapping) or the cloud (API, workflows). */
export const UpdateOrigin = { Device: 'device', Cloud: 'cloud' } as const;
export type UpdateOrigin = (typeof UpdateOrigin)[keyof typeof UpdateOrigin];

export interface ShadowLimits {
  /** Nesting levels allowed inside `desired` and `reported`. @default 8 (AWS) */
  maxDepth: number;
  /** Serialized size of each of `desired` and `reported` after the update. @default 8192 (AWS) */
  maxSectionBytes: number;
  /** @default 64 (AWS) */
  maxClientTokenBytes: number;
}

export const DEFAULT_SHADOW_LIMITS: ShadowLimits = { maxDepth: 8, maxSectionBytes: 8192, maxClientTokenBytes: 64 };

export interface ShadowUpdateDocument {
  desired?: JsonObject | null;
  reported?: JsonObject | null;
  ack?: Record<string, { desiredVersion: number; code: number; description?: string } | null>;
  version?: number;
  clientToken?: string;
  /** When the values were observed (epoch ms); `latest_timestamp` compares leaves by it. */
  timestamp?: number;
}

export interface UpdateOptions {
  now: number;
  origin: UpdateOrigin;
  /** @default 'latest_timestamp' */
  policy?: ConflictPolicy;
  /** Remove a desired leaf once reported equals it. @default false */
  clearDesiredOnMatch?: boolean;
  limits?: ShadowLimits;
}

/** 400, 409 or 413 as the AWS shadow service answers. */
export const RejectStatus = { BadRequest: 400, Conflict: 409, TooLarge: 413 } as const;
export type RejectStatus = (typeof RejectStatus)[keyof typeof RejectStatus];

export type UpdateOutcome =
  | {
      ok: true;
      shadow: StoredShadow;
      /** What was applied, after the conflict policy: the history record, replayable with {@link replayUpdate}. */
      applied: { desired?: JsonObject | null; reported?: JsonObject | null; ack?: Record<string, AckEntry | null> };
      /** Leaves that were older than the stored ones and left out (`latest_timestamp`). */
      ignored: string[];
      deltaBefore: JsonObject;
      deltaAfter: JsonObject;
      /** The cloud keeps its desired state over a diverging report: re-send the delta even if it did not change. */
      resendDelta: boolean;
    }
  | { ok: false; status: RejectStatus; message: string; problems: Problem[] };

const UPDATE_KEYS = new Set(['state', 'version', 'clientToken', 'ack', 'timestamp']);
const STATE_KEYS = new Set(['desired', 'reported']);

/** Reads an update document `{state: {desired?, reported?}, version?, clientToken?, ack?, timestamp?}`. */
export function parseShadowUpdate(
  raw: unknown,
  limits: ShadowLimits = DEFAULT_SHADOW_LIMITS,
): { ok: true; update: ShadowUpdateDocument } | { ok: false; status: RejectStatus; message: string; problems: Problem[] } {
  const problems: Problem[] = [];
  if (!isJsonObject(raw)) return bad([{ path: '', message: 'must be a JSON object {"state": {"desired"?, "reported"?}}' }]);
  for (const key of Object.keys(raw)) if (!UPDATE_KEYS.has(key)) problems.push({ path: key, message: 'is not a member of a shadow update' });
  const update: ShadowUpdateDocument = {};
  const state = raw.state;
  if (state !== undefined) {
    if (!isJsonObject(state)) problems.push({ path: 'state', message: 'must be an object with desired and/or reported' });
    else {
      for (const key of Object.keys(state)) {
        if (!STATE_KEYS.has(key)) problems.push({ path: `state.${key}`, message: key === 'delta' ? 'is computed and cannot be written' : 'is not a shadow section (desired, reported)' });
      }
      for (const section of [Section.Desired, Section.Reported]) {
        const value = state[section];
        if (value === undefined) continue;
        if (value !== null && !isJsonObject(value)) {
          problems.push({ path: `state.${section}`, message: 'must be an object (or null to clear the section)' });
          continue;
        }
        if (value !== null && depthOf(value) > limits.maxDepth) {
          problems.push({ path: `state.${section}`, message: `is nested ${depthOf(value)} levels deep; the limit is ${limits.maxDepth}` });
          continue;
        }
        update[section] = value;
      }
    }
  }
  if (raw.version !== undefined) {
    if (typeof raw.version !== 'number' || !Number.isInteger(raw.version) || raw.version < 0) problems.push({ path: 'version', message: 'must be a non-negative integer' });
    else update.version = raw.version;
  }
  if (raw.clientToken !== undefined) {
    if (typeof raw.clientToken !== 'string') problems.push({ path: 'clientToken', message: 'must be a string' });
    else if (new TextEncoder().encode(raw.clientToken).byteLength > limits.maxClientTokenBytes) {
      problems.push({ path: 'clientToken', message: `is longer than ${limits.maxClientTokenBytes} bytes` });
    } else update.clientToken = raw.clientToken;
  }
  if (raw.timestamp !== undefined) {
    if (typeof raw.timestamp !== 'number' || !Number.isFinite(raw.timestamp)) problems.push({ path: 'timestamp', message: 'must be epoch milliseconds' });
    else update.timestamp = raw.timestamp;
  }
  if (raw.ack !== undefined) {
    if (!isJsonObject(raw.ack)) problems.push({ path: 'ack', message: 'must map property names to {desiredVersion, code, description?}' });
    else {
      const ack: NonNullable<ShadowUpdateDocument['ack']> = {};
      for (const [prop, entry] of Object.entries(raw.ack)) {
        if (entry === null) {
          ack[prop] = null;
          continue;
        }
        if (!isJsonObject(entry) || typeof entry.desiredVersion !== 'number' || typeof entry.code !== 'number') {
          problems.push({ path: `ack.${prop}`, message: 'must be {desiredVersion: number, code: number, description?: string}' });
          continue;
        }
        ack[prop] = {
          desiredVersion: entry.desiredVersion,
          code: entry.code,
          ...(typeof entry.description === 'string' ? { description: entry.description } : {}),
        };
      }
      update.ack = ack;
    }
  }
  if (problems.length === 0 && update.desired === undefined && update.reported === undefined && update.ack === undefined) {
    problems.push({ path: 'state', message: 'required: an update names desired and/or reported state (or acknowledgements)' });
  }
  if (problems.length > 0) return bad(problems);
  return { ok: true, update };

  function bad(list: Problem[]) {
    return { ok: false as const, status: RejectStatus.BadRequest, message: `invalid shadow update: ${list.map((p) => (p.path === '' ? p.message : `${p.path}: ${p.message}`)).join('; ')}`, problems: list };
  }
}

/** Applies a parsed update. `current` undefined is a twin with no shadow yet. */
export function applyShadowUpdate(current: StoredShadow | undefined, update: ShadowUpdateDocument, options: UpdateOptions): UpdateOutcome {
  const limits = options.limits ?? DEFAULT_SHADOW_LIMITS;
  const base = current === undefined ? emptyShadow() : current.deleted === true ? emptyShadow(current.version) : current;
  if (update.version !== undefined && update.version !== base.version) {
    return {
      ok: false,
      status: RejectStatus.Conflict,
      message: `version conflict: the update is for version ${update.version} but the shadow is at version ${base.version}`,
      problems: [{ path: 'version', message: `is ${update.version}; the shadow is at ${base.version}` }],
    };
  }
  const policy = options.policy ?? ConflictPolicy.LatestTimestamp;
  const observed = update.timestamp ?? options.now;
  const ignored: string[] = [];

  let desiredPatch = update.desired;
  let reportedPatch = update.reported;
  if (policy === ConflictPolicy.LatestTimestamp && update.timestamp !== undefined) {
    if (isJsonObject(desiredPatch)) desiredPatch = dropStale(desiredPatch, base.metaDesired, update.timestamp, 'desired', ignored);
    if (isJsonObject(reportedPatch)) reportedPatch = dropStale(reportedPatch, base.metaReported, update.timestamp, 'reported', ignored);
  }

  let shadow: StoredShadow = { ...base, version: base.version + 1, timestamp: options.now };
  delete shadow.deleted;
  const deltaBefore = computeDelta(base.desired, base.reported);
  const applied: Extract<UpdateOutcome, { ok: true }>['applied'] = {};

  if (desiredPatch !== undefined) {
    shadow = applySection(shadow, Section.Desired, desiredPatch, observed);
    applied.desired = desiredPatch;
  }
  if (reportedPatch !== undefined) {
    shadow = applySection(shadow, Section.Reported, reportedPatch, observed);
    applied.reported = reportedPatch;
  }

  let resendDelta = false;
  if (options.origin === UpdateOrigin.Device && isJsonObject(reportedPatch)) {
    // A report that contradicts desired: the policy decides which side the twin keeps.
    let follow: JsonObject = {};
    for (const { path, value } of patchLeaves(reportedPatch)) {
      if (value === null) continue;
      const wanted = valueAt(shadow.desired, path);
      if (wanted === undefined || jsonEqual(wanted, valueAt(shadow.reported, path))) continue;
      if (policy === ConflictPolicy.DeviceWins) follow = combinePatches(follow, patchAt(path, valueAt(shadow.reported, path) as Json));
      else if (policy === ConflictPolicy.CloudWins) resendDelta = true;
    }
    if (Object.keys(follow).length > 0) {
      shadow = applySection(shadow, Section.Desired, follow, observed);
      applied.desired = isJsonObject(applied.desired) ? combinePatches(applied.desired, follow) : follow;
    }
  }

  if (options.clearDesiredOnMatch === true && isJsonObject(reportedPatch)) {
    let clear: JsonObject = {};
    for (const { path, value } of patchLeaves(reportedPatch)) {
      if (value === null) continue;
      const wanted = valueAt(shadow.desired, path);
      if (wanted !== undefined && jsonEqual(wanted, valueAt(shadow.reported, path))) clear = combinePatches(clear, patchAt(path, null));
    }
    if (Object.keys(clear).length > 0) {
      shadow = applySection(shadow, Section.Desired, clear, observed);
      applied.desired = isJsonObject(applied.desired) ? combinePatches(applied.desired, clear) : clear;
    }
  }

  if (update.ack !== undefined) {
    const ack = { ...shadow.ack };
    const appliedAck: Record<string, AckEntry | null> = {};
    for (const [prop, entry] of Object.entries(update.ack)) {
      if (entry === null) {
        delete ack[prop];
        appliedAck[prop] = null;
      } else {
        const stored: AckEntry = { ...entry, ackVersion: shadow.version, timestamp: options.now };
        ack[prop] = stored;
        appliedAck[prop] = stored;
      }
    }
    shadow = { ...shadow, ack };
    applied.ack = appliedAck;
  }

  for (const section of [Section.Desired, Section.Reported]) {
    const size = new TextEncoder().encode(JSON.stringify(shadow[section])).byteLength;
    if (size > limits.maxSectionBytes) {
      return {
        ok: false,
        status: RejectStatus.TooLarge,
        message: `the ${section} state would be ${size} bytes; the limit is ${limits.maxSectionBytes}`,
        problems: [{ path: `state.${section}`, message: `would be ${size} bytes; the limit is ${limits.maxSectionBytes}` }],
      };
    }
  }
  return { ok: true, shadow, applied, ignored, deltaBefore, deltaAfter: computeDelta(shadow.desired, shadow.reported), resendDelta };
}

/** Replays a history record's applied patch, at the time it was recorded. */
export function replayUpdate(
  current: StoredShadow | undefined,
  applied: { desired?: JsonObject | null; reported?: JsonObject | null; ack?: Record<string, AckEntry | null> },
  version: number,
  time: number,
  observed: number = time,
): StoredShadow {
  const base = current === undefined || current.deleted === true ? emptyShadow(version - 1) : current;
  let shadow: StoredShadow = { ...base, version, timestamp: time };
  delete shadow.deleted;
  if (applied.desired !== undefined) shadow = applySection(shadow, Section.Desired, applied.desired, observed);
  if (applied.reported !== undefined) shadow = applySection(shadow, Section.Reported, applied.reported, observed);
  if (applied.ack !== undefined) {
    const ack = { ...shadow.ack };
    for (const [prop, entry] of Object.entries(applied.ack)) {
      if (entry === null) delete ack[prop];
      else ack[prop] = entry;
    }
    shadow = { ...shadow, ack };
  }
  return shadow;
}

/** The shadow after `DELETE`: gone, but its version keeps counting (AWS). */
export function deleteShadow(current: StoredShadow, now: number): StoredShadow {
  return { ...emptyShadow(current.version + 1, now), deleted: true };
}

function applySection(shadow: StoredShadow, section: Section, patch: JsonObject | null, timestamp: number): StoredShadow {
  const metaKey = section === Section.Desired ? 'metaDesired' : 'metaReported';
  if (patch === null) return { ...shadow, [section]: {}, [metaKey]: {} };
  const merged = mergeSection(shadow[section], shadow[metaKey], patch, timestamp);
  return { ...shadow, [section]: merged.value, [metaKey]: merged.meta };
}

/** The patch without the leaves whose stored timestamp is newer than `observed`. */
function dropStale(patch: JsonObject, meta: JsonObject, observed: number, section: string, ignored: string[]): JsonObject {
  let out: JsonObject = {};
  for (const { path, value } of patchLeaves(patch)) {
    const stored = timestampAt(meta, path);
    if (stored !== undefined && stored > observed) {
      ignored.push(`${section}.${path.join('.')}`);
      continue;
    }
    out = combinePatches(out, patchAt(path, value));
  }
  return out;
}
