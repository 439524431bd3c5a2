import { ErrorCode, NotFoundError, ValidationError, type Problem } from '../core/errors.ts';
import { defaultParams, resolveParams, type SimModel, type SimParams, type SimState } from '../core/sim/sim-model.ts';
import { EventType, type JsonObject } from '../core/types.ts';
import type { Clock, Logger, SessionStore } from '../ports.ts';
import type { BlockRegistry } from './block-registry.ts';
import type { BlockRunner } from './blocks.ts';
import type { EventBus } from './event-bus.ts';
import type { Registry } from './registry.ts';

export interface SimulationOptions {
  sessions: SessionStore;
  blocks: BlockRegistry;
  clock: Clock;
  logger: Logger;
  /** Idle time before a session expires (config `simulation.ttl`). @default 3600000 */
  ttlMs?: number;
  /** History entries kept per session; older ones are dropped. @default 10000 */
  maxHistory?: number;
  /** For `from_twin`. */
  registry?: Registry;
  latest?: (tenant: string, twinId: string) => Promise<Record<string, { ts: number; value: unknown }>>;
  runner?: BlockRunner;
  bus?: EventBus;
  newId: () => string;
}

export interface LogEntry extends JsonObject {
  time: string;
  level: string;
  message: string;
}

/** A session as stored: everything needed to go on stepping, in any process that shares the store. */
export interface Session extends JsonObject {
  session_id: string;
  tenant: string;
  model_name: string;
  params: SimParams;
  state: SimState;
  history: SimState[];
  logs: LogEntry[];
  created_at: string;
  updated_at: string;
  steps: number;
  from_twin: string | null;
}

const SNAPSHOT_FORMAT = 'twinflow.simulation/1';

/**
 * The dual-system seed's simulation sessions (DESIGN §5.8): init, step, state, history, logs, reset, params —
 * plus `from_twin` (a what-if fork of a live twin), snapshot and restore. Sessions are isolated documents in a
 * SessionStore; steps of one session are serialized, different sessions run independently.
 */
export class SimulationService {
  readonly #o: SimulationOptions;
  readonly #locks = new Map<string, Promise<unknown>>();

  constructor(options: SimulationOptions) {
    this.#o = options;
  }

  get ttlMs(): number {
    return this.#o.ttlMs ?? 3_600_000;
  }

  models(): JsonObject[] {
    return this.#o.blocks.simModelNames().map((name) => {
      const m = this.#o.blocks.simModel(name)!;
      return { name, description: m.description, control_input: m.control, params: defaultParams(m) };
    });
  }

  async init(tenant: string, body: unknown): Promise<{ session_id: string }> {
    const b = object(body);
    const problems: Problem[] = [];
    const modelName = b.model_name;
    let model: SimModel | undefined;
    if (typeof modelName !== 'string' || modelName === '') problems.push({ path: 'model_name', message: 'required: a model name' });
    else {
      model = this.#o.blocks.simModel(modelName);
      if (model === undefined) problems.push({ path: 'model_name', message: `unknown model "${modelName}" (known: ${this.#o.blocks.simModelNames().join(', ')})` });
    }
    if (b.from_twin !== undefined && b.from_twin !== null && typeof b.from_twin !== 'string') problems.push({ path: 'from_twin', message: 'must be a twin id' });
    if (problems.length > 0 || model === undefined) throw invalid(problems);
    let base = defaultParams(model);
    const logs: LogEntry[] = [];
    const fromTwin = typeof b.from_twin === 'string' ? b.from_twin : null;
    if (fromTwin !== null) {
      const forked = await this.#fromTwin(tenant, fromTwin, model, modelName as string);
      base = forked.params;
      logs.push(this.#log('info', forked.message));
    }
    const resolved = resolveParams(model, base, b.params);
    if (resolved.problems.length > 0) throw invalid(resolved.problems);
    const now = this.#now();
    const state = model.initial(resolved.params);
    const session: Session = {
      session_id: this.#o.newId(),
      tenant,
      model_name: modelName as string,
      params: resolved.params,
      state,
      history: [state],
      logs: [this.#log('info', `session created with model ${modelName as string}`), ...logs],
      created_at: now,
      updated_at: now,
      steps: 0,
      from_twin: fromTwin,
    };
    await this.#o.sessions.put(session.session_id, session, this.ttlMs);
    this.#o.logger.info({ sessionId: session.session_id, model: modelName }, 'simulation session created');
    return { session_id: session.session_id };
  }

  step(tenant: string, body: unknown): Promise<JsonObject> {
    const b = object(body);
    const problems: Problem[] = [];
    const id = sessionId(b, problems);
    const control = b.control_input ?? 0;
    if (typeof control !== 'number' || !Number.isFinite(control)) problems.push({ path: 'control_input', message: 'must be a finite number' });
    const dt = b.delta_time;
    if (typeof dt !== 'number' || !Number.isFinite(dt)) problems.push({ path: 'delta_time', message: 'required: a finite number of seconds' });
    else if (dt < 0) problems.push({ path: 'delta_time', message: 'must not be negative' });
    if (problems.length > 0) throw invalid(problems);
    return this.#withSession(tenant, id, async (session, model) => {
      let state: SimState;
      try {
        state = model.step(session.state, session.params, control as number, dt as number);
      } catch (err) {
        session.logs.push(this.#log('error', `step failed: ${err instanceof Error ? err.message : String(err)}`));
        await this.#save(session);
        throw invalid([{ path: 'delta_time', message: `the model could not be integrated over this step: ${err instanceof Error ? err.message : String(err)}` }]);
      }
      session.state = state;
      session.steps++;
      session.history.push(state);
      const max = this.#o.maxHistory ?? 10_000;
      if (session.history.length > max) session.history.splice(0, session.history.length - max);
      if ((state.overflow ?? 0) > 0) session.logs.push(this.#log('warning', `tank overflowing at ${round(state.overflow!)} m³/s (t=${round(state.time!)} s)`));
      await this.#save(session);
      this.#o.bus?.publish({
        type: EventType.SimStep,
        tenant,
        ...(session.from_twin === null ? {} : { twinId: session.from_twin }),
        time: this.#o.clock.now(),
        data: { session_id: session.session_id, model_name: session.model_name, state },
      });
      return { session_id: session.session_id, state };
    });
  }

  state(tenant: string, id: string): Promise<JsonObject> {
    return this.#withSession(tenant, id, async (s) => ({ session_id: s.session_id, model_name: s.model_name, state: s.state, params: s.params, steps: s.steps }));
  }

  history(tenant: string, id: string): Promise<JsonObject> {
    return this.#withSession(tenant, id, async (s) => ({ session_id: s.session_id, history: s.history }));
  }

  logs(tenant: string, id: string): Promise<JsonObject> {
    return this.#withSession(tenant, id, async (s) => ({ session_id: s.session_id, logs: s.logs }));
  }

  reset(tenant: string, body: unknown): Promise<JsonObject> {
    const b = object(body);
    const problems: Problem[] = [];
    const id = sessionId(b, problems);
    if (problems.length > 0) throw invalid(problems);
    return this.#withSession(tenant, id, async (session, model) => {
      const { params, problems: bad } = resolveParams(model, session.params, b.params);
      if (bad.length > 0) throw invalid(bad);
      session.params = params;
      session.state = model.initial(params);
      session.history = [session.state];
      session.steps = 0;
      session.logs.push(this.#log('info', 'session reset'));
      await this.#save(session);
      return { session_id: session.session_id, state: session.state, params };
    });
  }

  updateParams(tenant: string, body: unknown): Promise<JsonObject> {
    const b = object(body);
    const problems: Problem[] = [];
    const id = sessionId(b, problems);
    if (b.params === undefined || b.params === null) problems.push({ path: 'params', message: 'required: the parameters to change' });
    if (problems.length > 0) throw invalid(problems);
    return this.#withSession(tenant, id, async (session, model) => {
      const { params, problems: bad } = resolveParams(model, session.params, b.params);
      if (bad.length > 0) throw invalid(bad);
      session.params = params;
      session.logs.push(this.#log('info', `params updated: ${Object.keys(b.params as object).join(', ')}`));
      await this.#save(session);
      return { session_id: session.session_id, params };
    });
  }

  /** The whole session as a portable document, for `restore` here or in another deployment. */
  snapshot(tenant: string, body: unknown): Promise<JsonObject> {
    const b = object(body);
    const problems: Problem[] = [];
    const id = sessionId(b, problems);
    if (problems.length > 0) throw invalid(problems);
    return this.#withSession(tenant, id, async (s) => {
      const { session_id: _id, tenant: _t, ...rest } = s;
      return { snapshot: { format: SNAPSHOT_FORMAT, taken_at: this.#now(), source_session: s.session_id, ...rest } };
    });
  }

  /** A new session from a snapshot, or the named session overwritten by it. */
  async restore(tenant: string, body: unknown): Promise<{ session_id: string }> {
    const b = object(body);
    const snap = b.snapshot;
    const problems: Problem[] = [];
    if (typeof snap !== 'object' || snap === null || Array.isArray(snap)) problems.push({ path: 'snapshot', message: 'required: a snapshot from POST /simulate/snapshot' });
    const s = (snap ?? {}) as Record<string, unknown>;
    if (problems.length === 0 && s.format !== SNAPSHOT_FORMAT) problems.push({ path: 'snapshot.format', message: `must be ${SNAPSHOT_FORMAT}` });
    const model = typeof s.model_name === 'string' ? this.#o.blocks.simModel(s.model_name) : undefined;
    if (problems.length === 0 && model === undefined) problems.push({ path: 'snapshot.model_name', message: 'is not a known model' });
    if (problems.length > 0 || model === undefined) throw invalid(problems);
    const { params, problems: bad } = resolveParams(model, defaultParams(model), s.params, 'snapshot.params');
    if (bad.length > 0) throw invalid(bad);
    if (!isNumberRecord(s.state) || !Array.isArray(s.history)) throw invalid([{ path: 'snapshot.state', message: 'must be the state of the snapshot' }]);
    const id = typeof b.session_id === 'string' && b.session_id !== '' ? b.session_id : this.#o.newId();
    if (typeof b.session_id === 'string' && (await this.#load(tenant, b.session_id)) === undefined) {
      throw new NotFoundError(ErrorCode.SessionNotFound, `no simulation session ${b.session_id}`);
    }
    const now = this.#now();
    const session: Session = {
      session_id: id,
      tenant,
      model_name: s.model_name as string,
      params,
      state: s.state,
      history: (s.history as SimState[]).filter(isNumberRecord),
      logs: [...(Array.isArray(s.logs) ? (s.logs as LogEntry[]) : []), this.#log('info', `restored from a snapshot of ${String(s.source_session ?? 'a session')}`)],
      created_at: typeof s.created_at === 'string' ? s.created_at : now,
      updated_at: now,
      steps: typeof s.steps === 'number' ? s.steps : 0,
      from_twin: typeof s.from_twin === 'string' ? s.from_twin : null,
    };
    await this.#o.sessions.put(id, session, this.ttlMs);
    return { session_id: id };
  }

  async #fromTwin(tenant: string, twinId: string, model: SimModel, modelName: string): Promise<{ params: SimParams; message: string }> {
    if (this.#o.registry === undefined) throw invalid([{ path: 'from_twin', message: 'this server has no twin registry' }]);
    const twin = await this.#o.registry.get(tenant, twinId);
    const binding = twin.blocks.find((bb) => bb.use !== undefined && this.#o.blocks.simModel(bb.use) === model);
    if (binding === undefined) {
      throw invalid([{ path: 'from_twin', message: `twin "${twinId}" has no block simulatable as ${modelName} (bind e.g. ${model.name === 'water_tank' ? 'water-tank' : 'room-thermal'})` }]);
    }
    const own = Object.fromEntries(Object.entries(binding.params ?? {}).filter(([k, v]) => k in model.params && typeof v === 'number'));
    const params = { ...defaultParams(model), ...(own as SimParams) };
    let message = `forked from twin ${twinId} (block ${binding.use}${binding.version === undefined ? '' : `@${binding.version}`})`;
    const input = binding.input;
    if (model.initialFrom !== undefined && input !== undefined && this.#o.latest !== undefined) {
      const latest = await this.#o.latest(tenant, twinId);
      const point = latest[`${input}.estimate`] ?? latest[input];
      if (typeof point?.value === 'number') {
        params[model.initialFrom] = point.value;
        message += `, ${model.initialFrom} = ${round(point.value)} from ${input} at ${new Date(point.ts).toISOString()}`;
      }
    }
    return { params, message };
  }

  async #withSession<T>(tenant: string, id: string, fn: (session: Session, model: SimModel) => Promise<T>): Promise<T> {
    const previous = this.#locks.get(id) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(async () => {
      const session = await this.#load(tenant, id);
      if (session === undefined) throw new NotFoundError(ErrorCode.SessionNotFound, `no simulation session ${id} (unknown, or expired after ${Math.round(this.ttlMs / 1000)} s idle)`);
      const model = this.#o.blocks.simModel(session.model_name);
      if (model === undefined) throw new NotFoundError(ErrorCode.SessionNotFound, `session ${id} uses model ${session.model_name}, which this server does not have`);
      return fn(session, model);
    });
    this.#locks.set(id, run);
    try {
      return await run;
    } finally {
      if (this.#locks.get(id) === run) this.#locks.delete(id);
    }
  }

  async #load(tenant: string, id: string): Promise<Session | undefined> {
    const doc = await this.#o.sessions.get(id, this.ttlMs);
    // Another tenant's session is as good as absent.
    return doc === undefined || doc.tenant !== tenant ? undefined : (doc as Session);
  }

  async #save(session: Session): Promise<void> {
    session.updated_at = this.#now();
    await this.#o.sessions.put(session.session_id, session, this.ttlMs);
  }

  #now(): string {
    return new Date(this.#o.clock.now()).toISOString();
  }

  #log(level: string, message: string): LogEntry {
    return { time: this.#now(), level, message };
  }
}

function object(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid([{ path: 'body', message: 'must be a JSON object' }]);
  return body as Record<string, unknown>;
}

function sessionId(b: Record<string, unknown>, problems: Problem[]): string {
  if (typeof b.session_id !== 'string' || b.session_id === '') {
    problems.push({ path: 'session_id', message: 'required: the id from POST /simulate/init' });
    return '';
  }
  return b.session_id;
}

function invalid(problems: readonly Problem[]): ValidationError {
  return new ValidationError(ErrorCode.InvalidParameters, 'invalid simulation request', problems);
}

function isNumberRecord(v: unknown): v is SimState {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'number');
}

function round(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}
