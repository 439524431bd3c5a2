import { ErrorCode, NotFoundError, TwinflowError, ValidationError, type Problem } from '../core/errors.ts';
import { isJsonObject, jsonEqual } from '../core/json.ts';
import { parseTimestamp } from '../core/telemetry/parse.ts';
import { twinTopic, type TwinTopic } from '../core/telemetry/topic.ts';
import {
  deltaMetadata,
  metadataOf,
  shadowDelta,
  shadowView,
  type AckEntry,
  type ShadowView,
  type StoredShadow,
} from '../core/twin/shadow-document.ts';
import {
  applyShadowUpdate,
  ConflictPolicy,
  DEFAULT_SHADOW_LIMITS,
  deleteShadow,
  parseShadowUpdate,
  replayUpdate,
  RejectStatus,
  UpdateOrigin,
  type ShadowLimits,
} from '../core/twin/shadow-update.ts';
import { mappedField, parseTwinSyncSection, retryDelay, type TwinSyncSettings } from '../core/twin/shadow-sync.ts';
import { EventType, type Json, type JsonObject } from '../core/types.ts';
import type { Clock, DocumentStore, InboundMessage, Logger, RecordLog, Timer, Transport } from '../ports.ts';
import type { EventBus } from './event-bus.ts';
import { KeyedQueue } from './keyed-queue.ts';
import type { AcceptedReading } from './ingest.ts';
import type { Registry } from './registry.ts';

export const SHADOW_COLLECTION = 'shadows';
export const HISTORY_STREAM = 'shadow-history';

/** Checks a section patch against the twin's model; problems name the field. */
export type StateValidator = (tenant: string, twinId: string, section: 'desired' | 'reported', patch: JsonObject) => Problem[];

export interface ShadowServiceOptions {
  documents: DocumentStore;
  records: RecordLog;
  registry: Registry;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  /** Where `…/state/delta` and the update answers go; absent for an HTTP-only engine. */
  transport?: () => Transport | undefined;
  /** @default 'tf' */
  root?: string;
  limits?: ShadowLimits;
  validate?: StateValidator;
}

export interface UpdateRequest {
  /** Who: `api:1.2.3.4`, `mqtt`, `telemetry`, a workflow name. */
  source: string;
  origin: UpdateOrigin;
}

/** The accepted answer, as AWS's `…/update/accepted`: what was applied, its metadata, the new version. */
export interface AcceptedUpdate extends JsonObject {
  state: JsonObject;
  metadata: JsonObject;
  version: number;
  timestamp: number;
}

export interface HistoryEntry {
  version: number;
  time: number;
  source: string;
  op: 'update' | 'delete';
  patch: JsonObject;
  ignored?: string[];
  clientToken?: string;
}

interface Cached {
  shadow: StoredShadow;
  /** The document store's version of the stored copy (0: none yet). */
  storeVersion: number;
}

interface Healing {
  timer?: Timer;
  attempts: number;
  drifted: boolean;
}

interface Throttle {
  pending: JsonObject;
  observed: number;
  timer?: Timer;
  lastAt: number;
}

const key = (tenant: string, id: string): string => `${tenant}\u0000${id}`;

/**
 * The twins' state (DESIGN §4, §5.5): shadow documents kept in the document store with a write-through cache,
 * every accepted update in the history log, `state.update`/`state.delta` events, the MQTT state topics, telemetry
 * mapped into reported state, and healing of desired changes the device does not take.
 */
export class ShadowService {
  readonly #o: ShadowServiceOptions;
  readonly #cache = new Map<string, Cached>();
  /** Changes to one twin are applied one after another. */
  readonly #queue = new KeyedQueue();
  readonly #limits: ShadowLimits;
  readonly #root: string;
  /** tenant → group → settings; `*` applies to every twin of the tenant. */
  readonly #sync = new Map<string, Map<string, TwinSyncSettings>>();
  readonly #healing = new Map<string, Healing>();
  readonly #throttles = new Map<string, Throttle>();

  constructor(options: ShadowServiceOptions) {
    this.#o = options;
    this.#limits = options.limits ?? DEFAULT_SHADOW_LIMITS;
    this.#root = options.root ?? 'tf';
  }

  /** The current document; 404 when the twin has no state (as AWS answers for a missing shadow). */
  async get(tenant: string, twinId: string): Promise<ShadowView> {
    this.#twin(tenant, twinId);
    const cached = await this.#load(tenant, twinId);
    if (cached.storeVersion === 0 || cached.shadow.deleted === true) throw noShadow(tenant, twinId);
    return shadowView(cached.shadow);
  }

  /** The stored shadow, or undefined; for the engine's own readers (queries). */
  async peek(tenant: string, twinId: string): Promise<StoredShadow | undefined> {
    const cached = await this.#load(tenant, twinId);
    return cached.storeVersion === 0 || cached.shadow.deleted === true ? undefined : cached.shadow;
  }

  /** Applies an update document; throws 400/409/413 errors with the problems. */
  update(tenant: string, twinId: string, raw: unknown, request: UpdateRequest): Promise<AcceptedUpdate> {
    this.#twin(tenant, twinId);
    const parsed = parseShadowUpdate(raw, this.#limits);
    if (!parsed.ok) return Promise.reject(toError(parsed.status, parsed.message, parsed.problems));
    const update = parsed.update;
    const validate = this.#o.validate;
    if (validate !== undefined) {
      const problems: Problem[] = [];
      for (const section of ['desired', 'reported'] as const) {
        const patch = update[section];
        if (isJsonObject(patch)) problems.push(...validate(tenant, twinId, section, patch).map((p) => ({ ...p, path: `state.${section}.${p.path}` })));
      }
      if (problems.length > 0) return Promise.reject(new ValidationError(ErrorCode.InvalidRequest, `the state of twin "${twinId}" does not fit its model`, problems));
    }
    return this.#queue.run(key(tenant, twinId), async () => {
      const cached = await this.#load(tenant, twinId);
      const settings = this.settingsFor(tenant, twinId);
      const outcome = applyShadowUpdate(cached.storeVersion === 0 ? undefined : cached.shadow, update, {
        now: this.#o.clock.now(),
        origin: request.origin,
        policy: settings?.conflictResolution ?? ConflictPolicy.LatestTimestamp,
        clearDesiredOnMatch: settings?.clearDesiredOnMatch ?? false,
        limits: this.#limits,
      });
      if (!outcome.ok) throw toError(outcome.status, outcome.message, outcome.problems);
      const patch: JsonObject = {};
      if (outcome.applied.desired !== undefined) patch.desired = outcome.applied.desired;
      if (outcome.applied.reported !== undefined) patch.reported = outcome.applied.reported;
      const history: JsonObject = { version: outcome.shadow.version, source: request.source, op: 'update', patch, observed: update.timestamp ?? outcome.shadow.timestamp };
      if (outcome.applied.ack !== undefined) history.ack = outcome.applied.ack as unknown as JsonObject;
      if (outcome.ignored.length > 0) {
        // Stale leaves do not change state but stay on record (DESIGN §5.5 latest_timestamp).
        history.ignored = outcome.ignored;
        history.received = { ...(update.desired === undefined ? {} : { desired: update.desired }), ...(update.reported === undefined ? {} : { reported: update.reported }) };
      }
      if (update.clientToken !== undefined) history.clientToken = update.clientToken;
      await this.#save(tenant, twinId, cached, outcome.shadow, history);

      const accepted = acceptedDocument(outcome.shadow, outcome.applied, update.clientToken);
      const time = outcome.shadow.timestamp;
      const data: JsonObject = { version: outcome.shadow.version, source: request.source, origin: request.origin, patch, state: shadowView(outcome.shadow).state as JsonObject };
      if (outcome.ignored.length > 0) data.ignored = outcome.ignored;
      if (update.clientToken !== undefined) data.clientToken = update.clientToken;
      this.#o.bus.publish({ type: EventType.StateUpdate, tenant, twinId, time, data });
      if (!jsonEqual(outcome.deltaBefore, outcome.deltaAfter) || (outcome.resendDelta && Object.keys(outcome.deltaAfter).length > 0)) {
        this.#publishDelta(tenant, twinId, outcome.shadow, update.clientToken, false);
      }
      this.#afterUpdate(tenant, twinId, outcome.shadow, settings);
      return accepted;
    });
  }

  /** Deletes the document; its version keeps counting (AWS). */
  delete(tenant: string, twinId: string, source: string): Promise<{ version: number; timestamp: number }> {
    this.#twin(tenant, twinId);
    return this.#queue.run(key(tenant, twinId), async () => {
      const cached = await this.#load(tenant, twinId);
      if (cached.storeVersion === 0 || cached.shadow.deleted === true) throw noShadow(tenant, twinId);
      const shadow = deleteShadow(cached.shadow, this.#o.clock.now());
      await this.#save(tenant, twinId, cached, shadow, { version: shadow.version, source, op: 'delete', patch: {} });
      this.#stopHealing(key(tenant, twinId));
      this.#o.bus.publish({ type: EventType.StateUpdate, tenant, twinId, time: shadow.timestamp, data: { version: shadow.version, source, deleted: true } });
      return { version: shadow.version, timestamp: shadow.timestamp };
    });
  }

  /** Accepted updates, oldest first. */
  async history(tenant: string, twinId: string, query: { from?: number; to?: number; limit?: number; descending?: boolean }): Promise<HistoryEntry[]> {
    this.#twin(tenant, twinId);
    const entries = await this.#o.records.read({
      stream: HISTORY_STREAM,
      tenant,
      key: twinId,
      limit: query.limit ?? 100,
      ...(query.from === undefined ? {} : { from: query.from }),
      ...(query.to === undefined ? {} : { to: query.to }),
      ...(query.descending === true ? { descending: true } : {}),
    });
    return entries.map((e) => {
      const d = e.data;
      const entry: HistoryEntry = { version: d.version as number, time: e.time, source: d.source as string, op: d.op as 'update' | 'delete', patch: d.patch as JsonObject };
      if (Array.isArray(d.ignored)) entry.ignored = d.ignored as string[];
      if (typeof d.clientToken === 'string') entry.clientToken = d.clientToken;
      return entry;
    });
  }

  /** The document as it was at a time (epoch ms) or right after a version, rebuilt from history. */
  async at(tenant: string, twinId: string, at: { time?: number; version?: number }): Promise<ShadowView> {
    this.#twin(tenant, twinId);
    let shadow: StoredShadow | undefined;
    let after: number | undefined;
    for (;;) {
      const page = await this.#o.records.read({
        stream: HISTORY_STREAM,
        tenant,
        key: twinId,
        limit: 1000,
        ...(after === undefined ? {} : { after }),
        ...(at.time === undefined ? {} : { to: at.time + 1 }),
      });
      for (const entry of page) {
        const d = entry.data;
        const version = d.version as number;
        if (at.version !== undefined && version > at.version) return finish();
        if (d.op === 'delete') shadow = shadow === undefined ? undefined : deleteShadow(shadow, entry.time);
        else {
          const patch = d.patch as JsonObject;
          shadow = replayUpdate(
            shadow,
            {
              ...(patch.desired === undefined ? {} : { desired: patch.desired as JsonObject | null }),
              ...(patch.reported === undefined ? {} : { reported: patch.reported as JsonObject | null }),
              ...(d.ack === undefined ? {} : { ack: d.ack as unknown as Record<string, AckEntry | null> }),
            },
            version,
            entry.time,
            typeof d.observed === 'number' ? d.observed : entry.time,
          );
        }
      }
      if (page.length < 1000) return finish();
      after = page[page.length - 1]!.seq;
    }
    function finish(): ShadowView {
      if (shadow === undefined || shadow.deleted === true || (at.version !== undefined && shadow.version !== at.version)) {
        throw new NotFoundError(ErrorCode.NotFound, `twin "${twinId}" had no state at ${at.version === undefined ? new Date(at.time ?? 0).toISOString() : `version ${at.version}`}`);
      }
      return shadowView(shadow);
    }
  }

  // ── MQTT state topics ──────────────────────────────────────────────────────────────────────────────

  /** `tf/{tenant}/{twin}/state/update` (and `state/get`, `state/delete`): answered on `…/accepted` or `…/rejected`. */
  onStateMessage(topic: TwinTopic, message: InboundMessage): void {
    const reply = `${twinTopic(this.#root, topic.tenant, topic.twinId, topic.channel)}`;
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder().decode(message.payload));
    } catch {
      body = undefined;
    }
    const clientToken = isJsonObject(body) && typeof body.clientToken === 'string' ? body.clientToken : undefined;
    const work =
      topic.channel === 'state/update'
        ? body === undefined
          ? Promise.reject(toError(RejectStatus.BadRequest, 'the payload is not JSON', [{ path: '', message: 'must be JSON' }]))
          : this.update(topic.tenant, topic.twinId, body, { source: 'mqtt', origin: UpdateOrigin.Device })
        : topic.channel === 'state/get'
          ? this.get(topic.tenant, topic.twinId).then((view) => view as unknown as JsonObject)
          : this.delete(topic.tenant, topic.twinId, 'mqtt').then((r) => r as unknown as JsonObject);
    work.then(
      (answer) => {
        message.ack();
        this.#publish(`${reply}/accepted`, clientToken === undefined ? answer : { ...answer, clientToken });
      },
      (err: unknown) => {
        message.ack();
        const status = err instanceof TwinflowError ? statusOf(err) : 500;
        if (status === 500) this.#o.logger.error({ err, topic: message.topic }, 'state update failed');
        const rejected: JsonObject = { code: status, message: err instanceof Error ? err.message : String(err), timestamp: this.#o.clock.now() };
        if (clientToken !== undefined) rejected.clientToken = clientToken;
        this.#publish(`${reply}/rejected`, rejected);
      },
    );
  }

  // ── Twin sync (DESIGN §5.5) ────────────────────────────────────────────────────────────────────────

  /**
   * Applies one group's `twin_sync` section (the workflow hook `onTwinSync`, or config). Group `*` covers every twin
   * of the tenant. Throws a ValidationError listing every problem.
   */
  applyTwinSync(tenant: string, group: string, section: unknown, path = `twin_sync.${group}`): TwinSyncSettings {
    const parsed = parseTwinSyncSection(section, path);
    if (!parsed.ok) throw new ValidationError(ErrorCode.InvalidRequest, 'the twin_sync section is invalid', parsed.problems);
    let groups = this.#sync.get(tenant);
    if (groups === undefined) this.#sync.set(tenant, (groups = new Map()));
    groups.set(group, parsed.settings);
    return parsed.settings;
  }

  /** The hook a deployed workflow calls with its whole `twin_sync` section: group → settings. */
  onTwinSync(tenant: string, workflowName: string, section: unknown): void {
    if (!isJsonObject(section)) {
      throw new ValidationError(ErrorCode.InvalidRequest, `workflow "${workflowName}": twin_sync is invalid`, [{ path: 'twin_sync', message: 'must map device groups to sync settings' }]);
    }
    const problems: Problem[] = [];
    for (const [group, settings] of Object.entries(section)) {
      try {
        this.applyTwinSync(tenant, group, settings);
      } catch (err) {
        if (err instanceof TwinflowError && err.details !== undefined) problems.push(...err.details);
        else throw err;
      }
    }
    if (problems.length > 0) throw new ValidationError(ErrorCode.InvalidRequest, `workflow "${workflowName}": twin_sync is invalid`, problems);
  }

  /** The sync settings of a twin: those of its first group that has some, else the tenant's `*`. */
  settingsFor(tenant: string, twinId: string): TwinSyncSettings | undefined {
    const groups = this.#sync.get(tenant);
    if (groups === undefined) return undefined;
    const twin = this.#o.registry.peek(tenant, twinId);
    for (const group of twin?.groups ?? []) {
      const s = groups.get(group);
      if (s !== undefined) return s;
    }
    return groups.get('*');
  }

  /** An ingest listener: telemetry mapped into reported state, throttled by `update_frequency`. */
  onReading(reading: AcceptedReading): void {
    const settings = this.settingsFor(reading.tenant, reading.twinId);
    if (settings === undefined) return;
    const patch: JsonObject = {};
    for (const [prop, source] of Object.entries(settings.telemetryMapping)) {
      const value = reading.values[mappedField(source)];
      if (value !== undefined) patch[prop] = value;
    }
    if (Object.keys(patch).length === 0) return;
    const k = key(reading.tenant, reading.twinId);
    let throttle = this.#throttles.get(k);
    if (throttle === undefined) this.#throttles.set(k, (throttle = { pending: {}, observed: reading.ts, lastAt: Number.NEGATIVE_INFINITY }));
    Object.assign(throttle.pending, patch);
    throttle.observed = Math.max(throttle.observed, reading.ts);
    const now = this.#o.clock.now();
    const t = throttle;
    if (now - t.lastAt >= settings.updateFrequencyMs) this.#flushMapped(reading.tenant, reading.twinId, t);
    else t.timer ??= this.#o.clock.setTimeout(() => this.#flushMapped(reading.tenant, reading.twinId, t), t.lastAt + settings.updateFrequencyMs - now);
  }

  /** Cancels healing and throttle timers. */
  close(): void {
    for (const h of this.#healing.values()) h.timer?.cancel();
    for (const t of this.#throttles.values()) t.timer?.cancel();
    this.#healing.clear();
    this.#throttles.clear();
  }

  #flushMapped(tenant: string, twinId: string, throttle: Throttle): void {
    throttle.timer?.cancel();
    delete throttle.timer;
    throttle.lastAt = this.#o.clock.now();
    const pending = throttle.pending;
    throttle.pending = {};
    void this.#load(tenant, twinId).then((cached) => {
      // A mapped value equal to what is reported changes nothing and is not worth a version.
      const reported = cached.shadow.reported;
      const changed: JsonObject = {};
      for (const [prop, value] of Object.entries(pending)) if (!jsonEqual(reported[prop], value)) changed[prop] = value as Json;
      if (Object.keys(changed).length === 0) return;
      return this.update(tenant, twinId, { state: { reported: changed }, timestamp: throttle.observed }, { source: 'telemetry', origin: UpdateOrigin.Device });
    }).catch((err: unknown) => this.#o.logger.warn({ err, twinId }, 'mapping telemetry into reported state failed'));
  }

  #afterUpdate(tenant: string, twinId: string, shadow: StoredShadow, settings: TwinSyncSettings | undefined): void {
    const k = key(tenant, twinId);
    const ack = settings?.acknowledgment;
    if (ack === undefined) return;
    const delta = shadowDelta(shadow);
    if (Object.keys(delta).length === 0) {
      this.#stopHealing(k);
      return;
    }
    let healing = this.#healing.get(k);
    if (healing === undefined) this.#healing.set(k, (healing = { attempts: 0, drifted: false }));
    if (healing.timer !== undefined || healing.drifted) return;
    healing.timer = this.#o.clock.setTimeout(() => this.#heal(tenant, twinId), ack.timeoutMs);
  }

  #heal(tenant: string, twinId: string): void {
    const k = key(tenant, twinId);
    const healing = this.#healing.get(k);
    const settings = this.settingsFor(tenant, twinId);
    const cached = this.#cache.get(k);
    if (healing === undefined || settings?.acknowledgment === undefined || cached === undefined) return;
    delete healing.timer;
    const delta = shadowDelta(cached.shadow);
    if (Object.keys(delta).length === 0) {
      this.#stopHealing(k);
      return;
    }
    const ack = settings.acknowledgment;
    if (settings.healing && healing.attempts < ack.maxRetries) {
      healing.attempts++;
      this.#publishDelta(tenant, twinId, cached.shadow, undefined, true, healing.attempts);
      healing.timer = this.#o.clock.setTimeout(() => this.#heal(tenant, twinId), retryDelay(ack, healing.attempts + 1));
      return;
    }
    healing.drifted = true;
    this.#o.bus.publish({
      type: EventType.TwinDrift,
      tenant,
      twinId,
      time: this.#o.clock.now(),
      data: { delta, version: cached.shadow.version, attempts: healing.attempts, reason: settings.healing ? 'retries spent' : 'not acknowledged in time' },
    });
  }

  #stopHealing(k: string): void {
    const healing = this.#healing.get(k);
    healing?.timer?.cancel();
    this.#healing.delete(k);
  }

  #publishDelta(tenant: string, twinId: string, shadow: StoredShadow, clientToken: string | undefined, resend: boolean, attempt?: number): void {
    const delta = shadowDelta(shadow);
    const data: JsonObject = { version: shadow.version, delta };
    if (resend) {
      data.resend = true;
      if (attempt !== undefined) data.attempt = attempt;
    }
    this.#o.bus.publish({ type: EventType.StateDelta, tenant, twinId, time: this.#o.clock.now(), data });
    if (Object.keys(delta).length === 0) return;
    const doc: JsonObject = { state: delta, metadata: deltaMetadata(delta, shadow.metaDesired), version: shadow.version, timestamp: shadow.timestamp };
    if (clientToken !== undefined) doc.clientToken = clientToken;
    this.#publish(twinTopic(this.#root, tenant, twinId, 'state/delta'), doc);
  }

  #publish(topic: string, doc: JsonObject): void {
    const transport = this.#o.transport?.();
    if (transport === undefined) return;
    transport.publish(topic, JSON.stringify(doc), { qos: 1 }).catch((err: unknown) => this.#o.logger.warn({ err, topic }, 'publishing a state message failed'));
  }

  #twin(tenant: string, twinId: string): void {
    if (this.#o.registry.peek(tenant, twinId) === undefined) {
      throw new NotFoundError(ErrorCode.TwinNotFound, `twin "${twinId}" does not exist in tenant "${tenant}"`);
    }
  }

  async #load(tenant: string, twinId: string): Promise<Cached> {
    const k = key(tenant, twinId);
    const hit = this.#cache.get(k);
    if (hit !== undefined) return hit;
    const record = await this.#o.documents.get(SHADOW_COLLECTION, tenant, twinId);
    const again = this.#cache.get(k);
    if (again !== undefined) return again;
    const cached: Cached =
      record === undefined
        ? { shadow: { desired: {}, reported: {}, metaDesired: {}, metaReported: {}, ack: {}, version: 0, timestamp: 0 }, storeVersion: 0 }
        : { shadow: record.doc as unknown as StoredShadow, storeVersion: record.version };
    this.#cache.set(k, cached);
    return cached;
  }

  async #save(tenant: string, twinId: string, cached: Cached, shadow: StoredShadow, history: JsonObject): Promise<void> {
    const k = key(tenant, twinId);
    try {
      const storeVersion = await this.#o.documents.put(SHADOW_COLLECTION, tenant, twinId, shadow as unknown as JsonObject, {
        expectedVersion: cached.storeVersion,
        tags: { twin: twinId },
        now: shadow.timestamp,
      });
      await this.#o.records.append([{ stream: HISTORY_STREAM, tenant, key: twinId, time: shadow.timestamp, data: history }]);
      this.#cache.set(k, { shadow, storeVersion });
    } catch (err) {
      // Another writer (a second process) got there first: forget the cache so the next try reads the truth.
      this.#cache.delete(k);
      throw err;
    }
  }
}

/** `?at=` as a version (digits, small) or a time (ISO-8601 or epoch ms). */
export function parseAt(text: string): { version: number } | { time: number } | undefined {
  if (/^\d{1,12}$/.test(text) && Number(text) < 1e11) return { version: Number(text) };
  const time = parseTimestamp(/^\d+$/.test(text) ? Number(text) : text);
  return time === undefined ? undefined : { time };
}

function acceptedDocument(shadow: StoredShadow, applied: { desired?: JsonObject | null; reported?: JsonObject | null; ack?: unknown }, clientToken: string | undefined): AcceptedUpdate {
  const state: JsonObject = {};
  const metadata: JsonObject = {};
  for (const section of ['desired', 'reported'] as const) {
    const patch = applied[section];
    if (patch === undefined) continue;
    state[section] = patch;
    metadata[section] = patch === null ? null : (metadataOf(patch, shadow.timestamp) as JsonObject);
  }
  const doc: AcceptedUpdate = { state, metadata, version: shadow.version, timestamp: shadow.timestamp };
  if (applied.ack !== undefined) doc.ack = applied.ack as JsonObject;
  if (clientToken !== undefined) doc.clientToken = clientToken;
  return doc;
}

function toError(status: RejectStatus, message: string, problems: Problem[]): TwinflowError {
  if (status === RejectStatus.Conflict) return new TwinflowError(ErrorCode.Conflict, message, { details: problems });
  if (status === RejectStatus.TooLarge) return new TwinflowError(ErrorCode.PayloadTooLarge, message, { details: problems });
  return new TwinflowError(ErrorCode.InvalidRequest, message, { details: problems });
}

function statusOf(err: TwinflowError): number {
  switch (err.code) {
    case ErrorCode.Conflict:
      return 409;
    case ErrorCode.PayloadTooLarge:
      return 413;
    case ErrorCode.NotFound:
    case ErrorCode.TwinNotFound:
      return 404;
    default:
      return 400;
  }
}

function noShadow(tenant: string, twinId: string): NotFoundError {
  return new NotFoundError(ErrorCode.NotFound, `twin "${twinId}" in tenant "${tenant}" has no state yet`);
}
