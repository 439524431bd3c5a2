import { ErrorCode, NotFoundError, ValidationError } from '../core/errors.ts';
import { ALL_GROUP, GroupAggregation, type GroupResult } from '../core/stream/group-aggregation.ts';
import { StreamProcessor, type PatternTransition, type ProcessorState } from '../core/stream/processor.ts';
import { IoTWorkflow } from '../core/workflow/builder.ts';
import { parseWorkflow, type ActionDef, type AggregationDef, type SourceDef, type WorkflowDefinition, type WorkflowPattern, type WorkflowProcessor } from '../core/workflow/definition.ts';
import { EventType, type Json, type JsonObject, type TelemetryValue } from '../core/types.ts';
import type { InboundMessage, Timer } from '../ports.ts';
import type { Engine } from './engine.ts';
import type { AcceptedReading } from './ingest.ts';

export interface WorkflowEngineOptions {
  engine: Engine;
  /** Runs a command sequence (issue 5); without it the action is recorded as skipped. */
  startSequence?: (tenant: string, name: string, context: Record<string, unknown>) => Promise<string>;
  /** Hands each of a deployed workflow's `command_sequences` to the sequence service. */
  registerSequence?: (tenant: string, name: string, spec: unknown) => void;
  /** Hands the `twin_sync` section to twin sync (issue 3). */
  onTwinSync?: (tenant: string, workflow: string, section: unknown) => void;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** How often idle windows are closed and `absent` judged. @default 1000 */
  tickMs?: number;
  /** How often evaluation state is persisted. @default 5000 */
  snapshotMs?: number;
}

export const WORKFLOWS = 'workflows';
export const WORKFLOW_STATE = 'workflow-state';
export const ALARMS = 'alarms';

export interface ActionRecord {
  type: string;
  status: 'done' | 'skipped' | 'failed';
  reason?: string;
}

interface RunningProcessor {
  def: WorkflowProcessor;
  processor: StreamProcessor;
}

interface RunningAggregation {
  def: AggregationDef;
  agg: GroupAggregation;
  processed: number;
}

/** One deployed workflow: its processors and aggregations, and what they have done. */
export class Execution {
  readonly tenant: string;
  definition: WorkflowDefinition;
  status: 'deployed' | 'removed' = 'deployed';
  deployedAt: number;
  readonly processors = new Map<string, RunningProcessor>();
  readonly aggregations = new Map<string, RunningAggregation>();
  readonly detected = new Map<string, number>();
  readonly actions = new Map<string, number>();
  anomalies = 0;
  commandsIssued = 0;
  readonly #clock: () => number;

  constructor(tenant: string, definition: WorkflowDefinition, now: number, clock: () => number) {
    this.tenant = tenant;
    this.definition = definition;
    this.deployedAt = now;
    this.#clock = clock;
  }

  get name(): string {
    return this.definition.name;
  }

  /** The seed's `execution.get_metrics()`: counts and rates since deployment, as of `now` (the engine's clock). */
  getMetrics(now: number = this.#clock()): JsonObject {
    const seconds = Math.max(0.001, (now - this.deployedAt) / 1000);
    const processors: JsonObject = {};
    let processed = 0;
    let late = 0;
    let dropped = 0;
    let detected = 0;
    for (const [name, { processor }] of this.processors) {
      const c = processor.counters;
      processed += c.processed;
      late += c.late;
      dropped += c.filtered;
      detected += c.detected;
      processors[name] = { ...c, rate_per_s: c.processed / seconds };
    }
    const aggregations: JsonObject = {};
    for (const [name, a] of this.aggregations) {
      processed += a.processed;
      late += a.agg.late();
      const byWindow: JsonObject = {};
      for (const [window, groups] of a.agg.latest) {
        const all = groups.get(ALL_GROUP);
        byWindow[window] = (all?.values ?? {}) as JsonObject;
      }
      aggregations[name] = byWindow;
    }
    return {
      workflow: this.name,
      status: this.status,
      events_processed: processed,
      late,
      dropped,
      patterns_detected: detected,
      detected_patterns: Object.fromEntries(this.detected),
      anomalies_detected: this.anomalies,
      commands_issued: this.commandsIssued,
      actions: Object.fromEntries(this.actions),
      processors,
      aggregations,
      edge_distribution: this.definition.edgeDistribution as Json,
    } as JsonObject;
  }
}

const wkey = (tenant: string, name: string) => `${tenant}\u0000${name}`;

function topicMatches(filter: string, topic: string): string[] | undefined {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return t;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return undefined;
  }
  return f.length === t.length ? t : undefined;
}

function readPath(root: unknown, path: readonly string[]): unknown {
  let v = root;
  for (const p of path) {
    if (typeof v !== 'object' || v === null || !Object.hasOwn(v, p)) return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}

function eventTime(payload: unknown, fallback: number): number {
  const ts = typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>).ts : undefined;
  if (typeof ts === 'number' && Number.isFinite(ts)) return ts;
  if (typeof ts === 'string') {
    const ms = Date.parse(ts);
    if (Number.isFinite(ms)) return ms;
  }
  return fallback;
}

/**
 * Runs deployed workflows (DESIGN §5.6) on the engine: feeds them twins' readings and mapped MQTT topics, runs the
 * pattern actions, persists workflows, evaluation state and alarms through the document store.
 */
export class WorkflowEngine {
  readonly #o: WorkflowEngineOptions;
  readonly #engine: Engine;
  readonly #executions = new Map<string, Execution>();
  readonly #unsubscribe: (() => void)[] = [];
  #tickTimer: Timer | undefined;
  #lastSnapshot = 0;
  #closed = false;
  #alarmChain: Promise<void> = Promise.resolve();

  constructor(options: WorkflowEngineOptions) {
    this.#o = options;
    this.#engine = options.engine;
  }

  /** Loads persisted workflows and their evaluation state, then starts listening. */
  async start(): Promise<void> {
    const docs = this.#engine.storage.documents;
    let cursor: string | undefined;
    do {
      const page = await docs.list({ collection: WORKFLOWS, limit: 100, ...(cursor === undefined ? {} : { cursor }) });
      for (const rec of page.items) {
        try {
          await this.deploy(rec.doc, rec.tenant, { persist: false });
        } catch (err) {
          this.#engine.logger.error({ err, workflow: rec.id }, 'a stored workflow no longer deploys');
        }
      }
      cursor = page.next;
    } while (cursor !== undefined);
    this.#unsubscribe.push(this.#engine.ingest.addListener((r) => this.onReading(r)));
    this.#unsubscribe.push(this.#engine.ingest.addRawListener((m) => this.onRaw(m)));
    this.#lastSnapshot = this.#engine.clock.now();
    this.#scheduleTick();
  }

  /**
   * Validates and deploys a workflow (a document or an {@link IoTWorkflow}). A redeploy keeps the window and pattern
   * state of every processor whose definition did not change. Throws a ValidationError listing every problem.
   */
  async deploy(input: unknown, tenant = 'default', options: { persist?: boolean } = {}): Promise<Execution> {
    const doc = input instanceof IoTWorkflow ? input.toDocument() : input;
    const parsed = parseWorkflow(doc);
    if (!parsed.ok) throw new ValidationError(ErrorCode.InvalidRequest, 'invalid workflow', parsed.problems);
    const def = parsed.workflow;
    const now = this.#engine.clock.now();
    const k = wkey(tenant, def.name);
    const previous = this.#executions.get(k);
    const exec = new Execution(tenant, def, previous?.deployedAt ?? now, () => this.#engine.clock.now());
    const stored = previous === undefined ? await this.#loadState(tenant, def.name) : undefined;
    for (const p of def.processors) {
      const old = previous?.processors.get(p.name);
      if (old !== undefined && old.def.fingerprint === p.fingerprint) {
        exec.processors.set(p.name, old);
        continue;
      }
      const processor = new StreamProcessor(p, { onTransition: (t) => this.#onTransition(exec, p, t) });
      const saved = stored?.[p.name];
      if (saved !== undefined && saved.fingerprint === p.fingerprint) processor.restore(saved.state);
      exec.processors.set(p.name, { def: p, processor });
    }
    for (const a of def.aggregations) {
      const old = previous?.aggregations.get(a.name);
      if (old !== undefined && old.def.fingerprint === a.fingerprint) {
        exec.aggregations.set(a.name, old);
        continue;
      }
      const agg = new GroupAggregation(a, {
        onResult: () => undefined,
        onOutlier: (window, start, end, o) => {
          exec.anomalies++;
          this.#publish(EventType.AnomalyDetected, tenant, o.device, {
            workflow: def.name,
            aggregation: a.name,
            window,
            start: new Date(start).toISOString(),
            end: new Date(end).toISOString(),
            device: o.device,
            metric: o.metric,
            value: o.value,
            score: o.score,
            rule: o.rule,
          });
        },
      });
      exec.aggregations.set(a.name, { def: a, agg, processed: 0 });
    }
    if (previous !== undefined) {
      for (const [name, count] of previous.detected) exec.detected.set(name, count);
      for (const [name, count] of previous.actions) exec.actions.set(name, count);
      exec.anomalies = previous.anomalies;
      exec.commandsIssued = previous.commandsIssued;
      previous.status = 'removed';
    }
    this.#executions.set(k, exec);
    if (options.persist !== false) {
      await this.#engine.storage.documents.put(WORKFLOWS, tenant, def.name, def.document, { now });
    }
    for (const [name, spec] of Object.entries(def.commandSequences)) this.#o.registerSequence?.(tenant, name, spec);
    for (const [group, section] of Object.entries(def.twinSync)) this.#o.onTwinSync?.(tenant, def.name, { [group]: section });
    this.#publish(EventType.WorkflowDeployed, tenant, undefined, { workflow: def.name, redeploy: previous !== undefined });
    return exec;
  }

  now(): number {
    return this.#engine.clock.now();
  }

  get(tenant: string, name: string): Execution {
    const exec = this.#executions.get(wkey(tenant, name));
    if (exec === undefined) throw new NotFoundError(ErrorCode.NotFound, `workflow "${name}" is not deployed in tenant "${tenant}"`);
    return exec;
  }

  list(tenant: string): Execution[] {
    return [...this.#executions.values()].filter((e) => e.tenant === tenant);
  }

  async remove(tenant: string, name: string): Promise<void> {
    const exec = this.get(tenant, name);
    exec.status = 'removed';
    this.#executions.delete(wkey(tenant, name));
    await this.#engine.storage.documents.delete(WORKFLOWS, tenant, name);
    await this.#engine.storage.documents.delete(WORKFLOW_STATE, tenant, name);
  }

  /** Latest closed results of one aggregation window, by group; with `group`, that group only. */
  aggregation(tenant: string, name: string, agg: string, window?: string, group?: string): { window: string; groups: GroupResult[]; open: GroupResult[] } {
    const a = this.get(tenant, name).aggregations.get(agg);
    if (a === undefined) throw new NotFoundError(ErrorCode.NotFound, `workflow "${name}" has no aggregation "${agg}"`);
    const w = window ?? a.def.windows[0]!.name;
    const groups = a.agg.latest.get(w);
    if (groups === undefined) throw new NotFoundError(ErrorCode.NotFound, `aggregation "${agg}" has no window "${w}"`);
    const pick = (rs: GroupResult[]) => (group === undefined ? rs : rs.filter((r) => r.group === group));
    return { window: w, groups: pick([...groups.values()]), open: pick(a.agg.open(w)) };
  }

  /** A twin's reading: to every processor and aggregation whose source takes this twin's own telemetry. */
  onReading(r: AcceptedReading): void {
    if (r.source.startsWith('workflow:')) return;
    const twin = this.#engine.registry.peek(r.tenant, r.twinId);
    for (const exec of this.#executions.values()) {
      if (exec.tenant !== r.tenant) continue;
      const fields = (source: SourceDef): Record<string, unknown> | undefined => {
        if (source.topic !== undefined) return undefined;
        if (source.twins !== undefined && !source.twins.includes(r.twinId)) return undefined;
        if (source.group !== undefined && !(twin?.groups.includes(source.group) ?? false)) {
          if (source.twins === undefined) return undefined;
        }
        const out: Record<string, unknown> = { ...twin?.dimensions, ...r.values, device_id: r.twinId };
        for (const [name, ref] of source.mapping) out[name] = ref.type === 'payload' ? readPath(r.values, ref.path) : undefined;
        return out;
      };
      this.#dispatch(exec, r.ts, fields);
    }
  }

  /** A message on a topic outside the twin layout: to the sources whose topic filter matches, through their mapping. */
  onRaw(message: InboundMessage): void {
    let payload: unknown;
    let parsed = false;
    for (const exec of this.#executions.values()) {
      const fields = (source: SourceDef): Record<string, unknown> | undefined => {
        if (source.topic === undefined) return undefined;
        const levels = topicMatches(source.topic, message.topic);
        if (levels === undefined) return undefined;
        if (!parsed) {
          parsed = true;
          try {
            payload = JSON.parse(new TextDecoder().decode(message.payload));
          } catch {
            payload = undefined;
          }
        }
        if (payload === undefined) return undefined;
        const out: Record<string, unknown> = {};
        for (const [name, ref] of source.mapping) out[name] = ref.type === 'topic' ? levels[ref.index] : readPath({ payload }, ['payload', ...ref.path]);
        const device = typeof out.device_id === 'string' ? out.device_id : undefined;
        if (device !== undefined) Object.assign(out, this.#engine.registry.peek(exec.tenant, device)?.dimensions);
        return out;
      };
      this.#dispatch(exec, eventTime(payload, message.receivedAt), fields, () => eventTime(payload, message.receivedAt));
    }
  }

  async snapshot(): Promise<void> {
    const now = this.#engine.clock.now();
    this.#lastSnapshot = now;
    for (const exec of this.#executions.values()) {
      const processors: JsonObject = {};
      for (const [name, { def, processor }] of exec.processors) {
        processors[name] = { fingerprint: def.fingerprint, state: processor.snapshot() as unknown as Json };
      }
      await this.#engine.storage.documents.put(WORKFLOW_STATE, exec.tenant, exec.name, JSON.parse(JSON.stringify({ processors })) as JsonObject, { now });
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#tickTimer?.cancel();
    for (const u of this.#unsubscribe) u();
    await this.#alarmChain;
    await this.snapshot();
  }

  tick(): void {
    const now = this.#engine.clock.now();
    for (const exec of this.#executions.values()) {
      for (const { processor } of exec.processors.values()) processor.tick(now);
      for (const a of exec.aggregations.values()) a.agg.advance(now);
    }
    if (now - this.#lastSnapshot >= (this.#o.snapshotMs ?? 5000)) {
      this.snapshot().catch((err: unknown) => this.#engine.logger.error({ err }, 'persisting workflow state failed'));
    }
  }

  #scheduleTick(): void {
    if (this.#closed) return;
    this.#tickTimer = this.#engine.clock.setTimeout(() => {
      this.tick();
      this.#scheduleTick();
    }, this.#o.tickMs ?? 1000);
  }

  #dispatch(exec: Execution, ts: number, fields: (s: SourceDef) => Record<string, unknown> | undefined, time?: () => number): void {
    for (const { def, processor } of exec.processors.values()) {
      for (const source of def.sources) {
        const f = fields(source);
        if (f !== undefined) {
          processor.push(time?.() ?? ts, f);
          break;
        }
      }
    }
    for (const a of exec.aggregations.values()) {
      for (const source of a.def.sources) {
        const f = fields(source);
        if (f !== undefined) {
          a.processed++;
          a.agg.add(String(f.device_id ?? ''), time?.() ?? ts, f);
          break;
        }
      }
    }
  }

  async #loadState(tenant: string, name: string): Promise<Record<string, { fingerprint: string; state: ProcessorState }> | undefined> {
    const rec = await this.#engine.storage.documents.get(WORKFLOW_STATE, tenant, name);
    return rec?.doc.processors as unknown as Record<string, { fingerprint: string; state: ProcessorState }> | undefined;
  }

  #onTransition(exec: Execution, p: WorkflowProcessor, t: PatternTransition): void {
    const pattern = p.patterns.find((x) => x.name === t.pattern)!;
    const twinId = this.#engine.registry.peek(exec.tenant, t.key) === undefined ? undefined : t.key;
    const data: JsonObject = {
      workflow: exec.name,
      processor: p.name,
      pattern: t.pattern,
      key: t.key,
      group: JSON.parse(JSON.stringify(t.group)) as JsonObject,
      window: { start: new Date(t.start).toISOString(), end: new Date(t.end).toISOString() },
      values: JSON.parse(JSON.stringify(t.values)) as JsonObject,
    };
    if (t.phase === 'detected') {
      exec.detected.set(t.pattern, (exec.detected.get(t.pattern) ?? 0) + 1);
      this.#publish(EventType.PatternDetected, exec.tenant, twinId, data);
    }
    for (const action of pattern.actions) {
      void this.#run(exec, pattern, action, t, data, twinId).then((rec) => {
        const k = `${rec.type}:${rec.status}`;
        exec.actions.set(k, (exec.actions.get(k) ?? 0) + 1);
        if (rec.status !== 'done' && t.phase === 'detected') this.#engine.logger.warn({ workflow: exec.name, pattern: t.pattern, ...rec }, 'pattern action not done');
      });
    }
  }

  async #run(exec: Execution, pattern: WorkflowPattern, action: ActionDef, t: PatternTransition, data: JsonObject, twinId: string | undefined): Promise<ActionRecord> {
    const detected = t.phase === 'detected';
    const type = action.type === 'sequence' ? `sequence:${action.name}` : action.type;
    try {
      switch (action.type) {
        case 'log_anomaly':
          if (!detected) return { type, status: 'skipped', reason: 'episode cleared' };
          exec.anomalies++;
          this.#engine.logger.warn(data, `anomaly: ${exec.name}/${t.pattern} on ${t.key}`);
          this.#publish(EventType.AnomalyDetected, exec.tenant, twinId, { ...data, rule: 'pattern' });
          return { type, status: 'done' };
        case 'update_twin': {
          if (twinId === undefined) return { type, status: 'skipped', reason: `"${t.key}" is not a twin` };
          const values: Record<string, TelemetryValue> = {};
          if (action.values === undefined) values[t.pattern] = detected;
          else {
            const scope = (x: string) => (Object.hasOwn(t.values, x) ? t.values[x] : Object.hasOwn(t.group, x) ? t.group[x] : undefined);
            for (const [k, e] of action.values) {
              const v = e.evaluate(scope);
              if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') values[k] = v;
            }
          }
          await this.#engine.ingest.derived(exec.tenant, twinId, Math.max(t.end, 0), values, `workflow:${exec.name}`);
          return { type, status: 'done' };
        }
        case 'sequence': {
          if (!detected) return { type, status: 'skipped', reason: 'episode cleared' };
          if (this.#o.startSequence === undefined) return { type, status: 'skipped', reason: 'commands not available' };
          exec.commandsIssued++;
          await this.#o.startSequence(exec.tenant, action.name, { device_id: t.key, ...t.group, ...t.values, workflow: exec.name, pattern: t.pattern });
          return { type, status: 'done' };
        }
        case 'publish': {
          const transport = this.#engine.transport;
          if (transport === undefined) return { type, status: 'skipped', reason: 'no MQTT transport' };
          const topic = action.topic ?? `tf/${exec.tenant}/workflows/${exec.name}/patterns/${t.pattern}`;
          await transport.publish(topic, JSON.stringify({ phase: t.phase, ...data }), { qos: 1 });
          return { type, status: 'done' };
        }
        case 'webhook': {
          const f = this.#o.fetch ?? globalThis.fetch;
          const res = await f(action.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phase: t.phase, ...data }) });
          return res.ok ? { type, status: 'done' } : { type, status: 'failed', reason: `HTTP ${res.status}` };
        }
        case 'raise_alarm': {
          // Alarm updates read then write: one at a time, so a clear never overtakes its raise.
          const next = this.#alarmChain.then(() => this.#alarm(exec, pattern, t, data, twinId));
          this.#alarmChain = next.catch(() => undefined);
          await next;
          return { type, status: 'done' };
        }
      }
    } catch (err) {
      return { type, status: 'failed', reason: err instanceof Error ? err.message : String(err) };
    }
  }

  async #alarm(exec: Execution, pattern: WorkflowPattern, t: PatternTransition, data: JsonObject, twinId: string | undefined): Promise<void> {
    const docs = this.#engine.storage.documents;
    const id = `${exec.name}:${t.pattern}:${t.key}`;
    const now = this.#engine.clock.now();
    const existing = await docs.get(ALARMS, exec.tenant, id);
    const active = existing?.doc.status === 'active';
    if (t.phase === 'detected') {
      if (active) return; // no duplicates while active
      const doc: JsonObject = { id, ...data, severity: pattern.severity, status: 'active', acknowledged: false, raisedAt: new Date(now).toISOString() };
      await docs.put(ALARMS, exec.tenant, id, doc, { now, tags: { workflow: exec.name, status: 'active', ...(twinId === undefined ? {} : { twin: twinId }) } });
      this.#publish(EventType.AlarmRaised, exec.tenant, twinId, doc);
      return;
    }
    if (!active || existing === undefined) return;
    const doc: JsonObject = { ...existing.doc, status: 'cleared', clearedAt: new Date(now).toISOString() };
    await docs.put(ALARMS, exec.tenant, id, doc, { now, tags: { workflow: exec.name, status: 'cleared', ...(twinId === undefined ? {} : { twin: twinId }) } });
    this.#publish(EventType.AlarmCleared, exec.tenant, twinId, doc);
  }

  /** Marks an alarm acknowledged; it stays active until its episode clears. */
  async acknowledgeAlarm(tenant: string, id: string, by: string): Promise<JsonObject> {
    const docs = this.#engine.storage.documents;
    const existing = await docs.get(ALARMS, tenant, id);
    if (existing === undefined) throw new NotFoundError(ErrorCode.NotFound, `alarm "${id}" does not exist`);
    const doc: JsonObject = { ...existing.doc, acknowledged: true, acknowledgedBy: by, acknowledgedAt: new Date(this.#engine.clock.now()).toISOString() };
    await docs.put(ALARMS, tenant, id, doc, { tags: existing.tags, now: this.#engine.clock.now() });
    return doc;
  }

  async alarms(tenant: string, status?: string): Promise<JsonObject[]> {
    const page = await this.#engine.storage.documents.list({ collection: ALARMS, tenant, ...(status === undefined ? {} : { tags: { status } }), limit: 1000 });
    return page.items.map((r) => r.doc);
  }

  #publish(type: EventType, tenant: string, twinId: string | undefined, data: JsonObject): void {
    this.#engine.bus.publish({ type, tenant, ...(twinId === undefined ? {} : { twinId }), time: this.#engine.clock.now(), data });
  }
}
