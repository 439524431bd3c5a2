import { randomUUID } from 'node:crypto';
import { RetryPolicies } from '../core/command/retry-policy.ts';
import { ErrorStrategy, parseSequenceSpec, pathScope, resolveParams, type ErrorHandling, type SequenceSpec, type SequenceStep } from '../core/command/sequence.ts';
import { selectTargets } from '../core/command/targets.ts';
import { ErrorCode, NotFoundError, ValidationError } from '../core/errors.ts';
import type { Json, JsonObject, Twin } from '../core/types.ts';
import type { Clock, DocumentStore, Logger } from '../ports.ts';
import { retryPolicyFromHandling } from './commands-request.ts';
import type { CommandService } from './commands.ts';
import type { Registry } from './registry.ts';

export const RUNS_COLLECTION = 'sequence-runs';

export const StepStatus = {
  Pending: 'pending',
  Running: 'running',
  Succeeded: 'succeeded',
  Failed: 'failed',
  /** Its condition was false, or a step it depends on did not succeed. */
  Skipped: 'skipped',
  /** Failed, and the sequence's error handling says go on. */
  FailedSkipped: 'failed_skipped',
  /** Not run because an earlier step failed and the strategy aborted. */
  NotRun: 'not_run',
} as const;
export type StepStatus = (typeof StepStatus)[keyof typeof StepStatus];

export const RunStatus = { Running: 'running', Succeeded: 'succeeded', Failed: 'failed', Compensated: 'compensated', PartiallyFailed: 'partially_failed' } as const;
export type RunStatus = (typeof RunStatus)[keyof typeof RunStatus];

export interface StepState {
  status: StepStatus;
  commandId?: string;
  command: string;
  params?: JsonObject;
  result?: Json;
  error?: Json;
  detail?: string;
}

export interface DeviceRun {
  status: RunStatus;
  steps: Record<string, StepState>;
  compensation?: StepState[];
}

export interface SequenceRun {
  id: string;
  tenant: string;
  sequence: string;
  context: JsonObject;
  status: RunStatus;
  devices: Record<string, DeviceRun>;
  createdAt: number;
  updatedAt: number;
  error?: string;
}

export interface SequenceServiceOptions {
  commands: CommandService;
  registry: Registry;
  documents: DocumentStore;
  clock: Clock;
  logger: Logger;
}

/** What lets a dependent step run: success, or a step passed over on purpose (condition false, `skip` strategy). */
const FINAL_OK = new Set<string>([StepStatus.Succeeded, StepStatus.Skipped, StepStatus.FailedSkipped]);

/**
 * Runs command sequences (iotflow seed's `add_command_sequence`): per target device, the steps in dependency order,
 * each a command through the command service (so ordering, retries, offline waits and the audit trail all apply),
 * with conditions, parameter expressions and the sequence's error handling. A run is a stored document updated at
 * every step, and a run still going when twinflow stops is picked up again at start: steps that already have a
 * command wait for that command instead of sending a new one.
 */
export class SequenceService {
  readonly #o: SequenceServiceOptions;
  readonly #specs = new Map<string, { spec: SequenceSpec; raw: JsonObject }>();
  readonly #saving = new Map<string, Promise<unknown>>();
  readonly #active = new Set<Promise<void>>();

  constructor(options: SequenceServiceOptions) {
    this.#o = options;
  }

  /** Registers (or replaces) a named sequence; the workflow engine hands over its `command_sequences` this way. */
  registerSequence(tenant: string, name: string, raw: unknown): void {
    const parsed = parseSequenceSpec(raw);
    if (!parsed.ok) throw new ValidationError(ErrorCode.InvalidRequest, `command sequence "${name}" is invalid`, parsed.problems);
    this.#specs.set(`${tenant}\u0000${name}`, { spec: parsed.spec, raw: raw as JsonObject });
  }

  unregisterSequence(tenant: string, name: string): boolean {
    return this.#specs.delete(`${tenant}\u0000${name}`);
  }

  sequences(tenant: string): string[] {
    const prefix = `${tenant}\u0000`;
    return [...this.#specs.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
  }

  /** Starts a run and returns its id at once; the run goes on in the background. */
  startSequence = async (tenant: string, name: string, context: Record<string, unknown>): Promise<string> => {
    const entry = this.#specs.get(`${tenant}\u0000${name}`);
    if (entry === undefined) throw new NotFoundError(ErrorCode.SequenceNotFound, `no command sequence "${name}" in tenant "${tenant}"`);
    const now = this.#o.clock.now();
    const run: SequenceRun = { id: randomUUID(), tenant, sequence: name, context: context as JsonObject, status: RunStatus.Running, devices: {}, createdAt: now, updatedAt: now };
    const targets = selectTargets(entry.spec.target, this.#o.registry.all().filter((t) => t.tenant === tenant), pathScope({ context }));
    for (const twin of targets) {
      run.devices[twin.id] = { status: RunStatus.Running, steps: Object.fromEntries(entry.spec.steps.map((s) => [s.name, { status: StepStatus.Pending, command: s.command }])) };
    }
    if (targets.length === 0) {
      run.status = RunStatus.Failed;
      run.error = 'no device matched the target';
    }
    await this.#save(run);
    this.#track(this.#execute(run, entry.spec, targets));
    return run.id;
  };

  async getRun(tenant: string, id: string): Promise<SequenceRun> {
    const record = await this.#o.documents.get(RUNS_COLLECTION, tenant, id);
    if (record === undefined) throw new NotFoundError(ErrorCode.CommandNotFound, `sequence run "${id}" does not exist in tenant "${tenant}"`);
    return record.doc as unknown as SequenceRun;
  }

  /** Resumes the runs that were going when twinflow stopped. Sequences must be registered first. */
  async start(): Promise<void> {
    let cursor: string | undefined;
    do {
      const page = await this.#o.documents.list({ collection: RUNS_COLLECTION, tags: { status: RunStatus.Running }, limit: 500, ...(cursor === undefined ? {} : { cursor }) });
      for (const record of page.items) {
        const run = record.doc as unknown as SequenceRun;
        const entry = this.#specs.get(`${run.tenant}\u0000${run.sequence}`);
        if (entry === undefined) {
          this.#o.logger.warn({ run: run.id, sequence: run.sequence }, 'sequence run not resumed: its sequence is no longer registered');
          continue;
        }
        const twins = Object.keys(run.devices)
          .map((id) => this.#o.registry.peek(run.tenant, id))
          .filter((t): t is Twin => t !== undefined);
        this.#track(this.#execute(run, entry.spec, twins));
      }
      cursor = page.next;
    } while (cursor !== undefined);
  }

  /** Waits for the runs in progress to settle (tests, shutdown of a finished workload). */
  async idle(): Promise<void> {
    while (this.#active.size > 0) await Promise.all([...this.#active]);
  }

  #track(p: Promise<void>): void {
    const tracked = p.catch((err: unknown) => this.#o.logger.error({ err }, 'sequence run failed')).finally(() => this.#active.delete(tracked));
    this.#active.add(tracked);
  }

  async #execute(run: SequenceRun, spec: SequenceSpec, targets: Twin[]): Promise<void> {
    await Promise.all(targets.map((twin) => this.#runDevice(run, spec, twin)));
    if (run.status !== RunStatus.Running) return;
    const statuses = Object.values(run.devices).map((d) => d.status);
    run.status = statuses.every((s) => s === RunStatus.Succeeded)
      ? RunStatus.Succeeded
      : statuses.every((s) => s !== RunStatus.Succeeded)
        ? statuses.every((s) => s === RunStatus.Compensated) ? RunStatus.Compensated : RunStatus.Failed
        : RunStatus.PartiallyFailed;
    await this.#save(run);
  }

  async #runDevice(run: SequenceRun, spec: SequenceSpec, twin: Twin): Promise<void> {
    const device = run.devices[twin.id]!;
    if (device.status !== RunStatus.Running) return;
    const stepsScope: Record<string, unknown> = {};
    const scope = () => pathScope({ context: run.context, device: { id: twin.id, name: twin.name, model: twin.model, dimensions: twin.dimensions, metadata: twin.metadata }, steps: stepsScope });
    let failedWith: ErrorHandling | undefined;
    for (const step of spec.steps) {
      const state = device.steps[step.name]!;
      if (state.status !== StepStatus.Pending && state.status !== StepStatus.Running) {
        stepsScope[step.name] = { status: state.status, result: state.result ?? null };
        continue;
      }
      if (failedWith !== undefined) {
        state.status = StepStatus.NotRun;
        continue;
      }
      const unmet = step.dependsOn.filter((d) => !FINAL_OK.has(device.steps[d]?.status ?? ''));
      if (unmet.length > 0 || (step.condition !== undefined && step.condition.evaluate(scope()) !== true)) {
        state.status = StepStatus.Skipped;
        state.detail = unmet.length > 0 ? `depends on ${unmet.join(', ')}, which did not succeed` : 'condition was false';
        stepsScope[step.name] = { status: state.status, result: null };
        await this.#save(run);
        continue;
      }
      const handling = step.errorHandling ?? spec.errorHandling;
      const ok = await this.#runStep(run, twin, step, state, handling, scope);
      stepsScope[step.name] = { status: state.status, result: state.result ?? null };
      if (!ok) {
        if (handling.strategy === ErrorStrategy.Skip) state.status = StepStatus.FailedSkipped;
        else failedWith = handling;
      }
      await this.#save(run);
    }
    if (failedWith === undefined) device.status = RunStatus.Succeeded;
    else if (failedWith.strategy === ErrorStrategy.Compensate) {
      device.compensation = [];
      for (const undo of failedWith.compensate ?? []) {
        const state: StepState = { status: StepStatus.Pending, command: undo.command };
        device.compensation.push(state);
        const step: SequenceStep = { name: `compensate:${undo.command}`, command: undo.command, parameters: {}, dependsOn: [] };
        await this.#runStep(run, twin, step, state, { strategy: ErrorStrategy.Abort }, scope, undo.parameters ?? {});
      }
      device.status = RunStatus.Compensated;
    } else device.status = RunStatus.Failed;
    await this.#save(run);
  }

  /** One command for one step; true when it succeeded. */
  async #runStep(run: SequenceRun, twin: Twin, step: SequenceStep, state: StepState, handling: ErrorHandling, scope: () => (path: string) => unknown, literalParams?: JsonObject): Promise<boolean> {
    if (state.commandId === undefined) {
      const params = literalParams ?? resolveParams(step.parameters, scope());
      const { command } = await this.#o.commands.submit(
        run.tenant,
        twin.id,
        step.command,
        {
          params,
          priority: 0,
          ordered: true,
          retry: handling.strategy === ErrorStrategy.Retry ? retryPolicyFromHandling(handling) : RetryPolicies.default,
          // The run id + step makes a resumed run find its command instead of sending a second one.
          idempotencyKey: `seq:${run.id}:${step.name}`,
          ...(step.timeoutMs === undefined ? {} : { timeoutMs: step.timeoutMs }),
        },
        `sequence:${run.sequence}`,
        { sequenceRun: run.id, step: step.name },
      );
      state.commandId = command.id;
      state.params = params;
      state.status = StepStatus.Running;
      await this.#save(run);
    }
    const final = await this.#o.commands.wait(run.tenant, state.commandId);
    state.status = final.status === 'succeeded' ? StepStatus.Succeeded : StepStatus.Failed;
    if (final.result !== undefined) state.result = final.result;
    if (final.status !== 'succeeded') state.error = final.error ?? final.status;
    return final.status === 'succeeded';
  }

  /** Saves are serialised per run: device runners share one document. */
  #save(run: SequenceRun): Promise<void> {
    run.updatedAt = this.#o.clock.now();
    const previous = this.#saving.get(run.id) ?? Promise.resolve();
    const next = previous.then(() =>
      this.#o.documents.put(RUNS_COLLECTION, run.tenant, run.id, structuredClone(run) as unknown as JsonObject, { tags: { sequence: run.sequence, status: run.status }, now: run.updatedAt }),
    );
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.#saving.set(run.id, settled);
    void settled.then(() => {
      if (this.#saving.get(run.id) === settled) this.#saving.delete(run.id);
    });
    return next.then(() => undefined);
  }
}
