import { randomUUID } from 'node:crypto';
import { batchSize, DEFAULT_ROLLOUT, Growth, shouldAbort, summarize, type RolloutPolicy, type RolloutSummary } from '../core/command/rollout.ts';
import { parseSequenceSpec, pathScope } from '../core/command/sequence.ts';
import { selectTargets } from '../core/command/targets.ts';
import { ErrorCode, NotFoundError, TwinflowError, ValidationError, type Problem } from '../core/errors.ts';
import type { JsonObject } from '../core/types.ts';
import type { Clock, DocumentStore, Logger } from '../ports.ts';
import { parseCommandRequest, type CommandRequest } from './commands-request.ts';
import type { CommandService } from './commands.ts';
import type { Registry } from './registry.ts';

export const ROLLOUTS_COLLECTION = 'rollouts';

export const RolloutStatus = { Running: 'running', Aborted: 'aborted', Completed: 'completed' } as const;
export type RolloutStatus = (typeof RolloutStatus)[keyof typeof RolloutStatus];

type DeviceStatus = 'pending' | 'running' | 'succeeded' | 'failed';

export interface Rollout {
  id: string;
  tenant: string;
  command: string;
  request: CommandRequest;
  policy: RolloutPolicy;
  status: RolloutStatus;
  /** In rollout order. */
  devices: { twinId: string; status: DeviceStatus; commandId?: string; batch?: number; error?: unknown }[];
  batches: number;
  summary: RolloutSummary;
  reason?: string;
  createdAt: number;
  updatedAt: number;
}

export interface RolloutServiceOptions {
  commands: CommandService;
  registry: Registry;
  documents: DocumentStore;
  clock: Clock;
  logger: Logger;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Rolling deployment of one command over a fleet (firmware updates): batch after batch, each batch's commands final
 * before the next starts, aborting when the failure share passes the threshold; an aborted rollout can be resumed.
 */
export class RolloutService {
  readonly #o: RolloutServiceOptions;
  readonly #running = new Map<string, Promise<void>>();

  constructor(options: RolloutServiceOptions) {
    this.#o = options;
  }

  /**
   * Body: `{command, params?, target: {group|filter|twin}, batch_size? | rate?: {initial, growth, factor?, max?},
   * max_failure_share?, timeout?, retries?}`.
   */
  async create(tenant: string, body: unknown): Promise<Rollout> {
    const problems: Problem[] = [];
    const b = isObject(body) ? body : {};
    if (typeof b.command !== 'string' || b.command === '') problems.push({ path: 'command', message: 'required: the command to roll out' });
    const parsedTarget = parseSequenceSpec({ target: b.target, steps: [{ command: 'x' }] });
    if (!parsedTarget.ok) problems.push(...parsedTarget.problems);
    const request = parseCommandRequest({ params: b.params, timeout: b.timeout, retries: b.retries });
    if (!request.ok) problems.push(...request.problems);
    const policy = { ...DEFAULT_ROLLOUT };
    if (b.batch_size !== undefined) {
      if (Number.isInteger(b.batch_size) && (b.batch_size as number) >= 1) policy.initial = b.batch_size as number;
      else problems.push({ path: 'batch_size', message: 'must be an integer of at least 1' });
    }
    if (b.rate !== undefined) {
      const r = isObject(b.rate) ? b.rate : {};
      if (!Number.isInteger(r.initial) || (r.initial as number) < 1) problems.push({ path: 'rate.initial', message: 'must be an integer of at least 1' });
      else policy.initial = r.initial as number;
      if (r.growth !== Growth.Constant && r.growth !== Growth.Exponential) problems.push({ path: 'rate.growth', message: 'must be constant or exponential' });
      else policy.growth = r.growth;
      if (r.factor !== undefined) policy.factor = Number(r.factor);
      if (r.max !== undefined) policy.maxBatch = Number(r.max);
    }
    if (b.max_failure_share !== undefined) {
      if (typeof b.max_failure_share === 'number' && b.max_failure_share >= 0 && b.max_failure_share <= 1) policy.maxFailureShare = b.max_failure_share;
      else problems.push({ path: 'max_failure_share', message: 'must be a number from 0 to 1' });
    }
    if (problems.length > 0 || !parsedTarget.ok || !request.ok) throw new ValidationError(ErrorCode.InvalidRequest, 'the rollout is invalid', problems);
    const twins = this.#o.registry.all().filter((t) => t.tenant === tenant);
    const targets = selectTargets(parsedTarget.spec.target, twins, pathScope({}));
    const now = this.#o.clock.now();
    const rollout: Rollout = {
      id: randomUUID(),
      tenant,
      command: b.command as string,
      request: request.request,
      policy,
      status: RolloutStatus.Running,
      devices: targets.map((t) => ({ twinId: t.id, status: 'pending' })),
      batches: 0,
      summary: summarize(targets.length, []),
      createdAt: now,
      updatedAt: now,
    };
    await this.#save(rollout);
    this.#spawn(rollout);
    return rollout;
  }

  async get(tenant: string, id: string): Promise<Rollout> {
    const record = await this.#o.documents.get(ROLLOUTS_COLLECTION, tenant, id);
    if (record === undefined) throw new NotFoundError(ErrorCode.CommandNotFound, `rollout "${id}" does not exist in tenant "${tenant}"`);
    return record.doc as unknown as Rollout;
  }

  /** Goes on with an aborted rollout (after the cause is fixed): the failure share is counted afresh from here. */
  async resume(tenant: string, id: string): Promise<Rollout> {
    const rollout = await this.get(tenant, id);
    if (this.#running.has(id)) return rollout;
    if (rollout.status === RolloutStatus.Completed) throw new TwinflowError(ErrorCode.CommandFinal, `rollout "${id}" is complete`);
    rollout.status = RolloutStatus.Running;
    delete rollout.reason;
    await this.#save(rollout);
    this.#spawn(rollout, true);
    return rollout;
  }

  /** Resumes the rollouts that were running when twinflow stopped. */
  async start(): Promise<void> {
    const page = await this.#o.documents.list({ collection: ROLLOUTS_COLLECTION, tags: { status: RolloutStatus.Running }, limit: 1000 });
    for (const record of page.items) this.#spawn(record.doc as unknown as Rollout);
  }

  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.all([...this.#running.values()]);
  }

  #spawn(rollout: Rollout, fresh = false): void {
    const p = this.#run(rollout, fresh)
      .catch((err: unknown) => this.#o.logger.error({ err, rollout: rollout.id }, 'rollout failed'))
      .finally(() => this.#running.delete(rollout.id));
    this.#running.set(rollout.id, p);
  }

  async #run(rollout: Rollout, fresh: boolean): Promise<void> {
    // Failures before a resume were looked at by whoever resumed: only what happens from here counts towards aborting.
    const countFrom = fresh ? rollout.devices.filter((d) => d.status === 'succeeded' || d.status === 'failed').length : 0;
    const finishedOrder: ('succeeded' | 'failed')[] = [];
    for (;;) {
      let batch = rollout.devices.filter((d) => d.status === 'running');
      if (batch.length === 0) {
        const size = batchSize(rollout.policy, rollout.batches);
        batch = rollout.devices.filter((d) => d.status === 'pending').slice(0, size);
        if (batch.length === 0) break;
        rollout.batches++;
        for (const d of batch) {
          const { command } = await this.#o.commands.submit(rollout.tenant, d.twinId, rollout.command, { ...rollout.request, idempotencyKey: `rollout:${rollout.id}:${d.twinId}` }, `rollout:${rollout.id}`, { rollout: rollout.id });
          d.status = 'running';
          d.commandId = command.id;
          d.batch = rollout.batches;
        }
        await this.#save(rollout);
      }
      await Promise.all(
        batch.map(async (d) => {
          const final = await this.#o.commands.wait(rollout.tenant, d.commandId!);
          d.status = final.status === 'succeeded' ? 'succeeded' : 'failed';
          if (d.status === 'failed') d.error = final.error ?? final.status;
          finishedOrder.push(d.status);
        }),
      );
      rollout.summary = summarize(rollout.devices.length, rollout.devices.flatMap((d) => (d.status === 'succeeded' || d.status === 'failed' ? [d.status] : [])));
      const recent = summarize(rollout.devices.length - countFrom, finishedOrder);
      if (shouldAbort(recent, rollout.policy)) {
        rollout.status = RolloutStatus.Aborted;
        rollout.reason = `failure share ${recent.failed}/${recent.failed + recent.succeeded} passed ${rollout.policy.maxFailureShare}`;
        await this.#save(rollout);
        return;
      }
      await this.#save(rollout);
    }
    rollout.status = RolloutStatus.Completed;
    await this.#save(rollout);
  }

  async #save(rollout: Rollout): Promise<void> {
    rollout.updatedAt = this.#o.clock.now();
    await this.#o.documents.put(ROLLOUTS_COLLECTION, rollout.tenant, rollout.id, structuredClone(rollout) as unknown as JsonObject, { tags: { status: rollout.status, command: rollout.command }, now: rollout.updatedAt });
  }
}
