import { randomUUID } from 'node:crypto';
import { newCommand, transition, type AuditRow, type Command, type CommandInput } from '../core/command/command.ts';
import { planDevice } from '../core/command/device-queue.ts';
import { sameRequest } from '../core/command/idempotency.ts';
import { RetryPolicies, type RetryPolicy } from '../core/command/retry-policy.ts';
import { CommandStatus, isFinal, isResponseStatus } from '../core/command/status.ts';
import { ErrorCode, NotFoundError, TwinflowError, ValidationError, type Problem } from '../core/errors.ts';
import { twinTopic } from '../core/telemetry/topic.ts';
import { EventType, type Json, type JsonObject, type Page, type Twin } from '../core/types.ts';
import type { Clock, InboundMessage, Logger, Storage, Timer, Transport } from '../ports.ts';
import { retryPolicyOf, type CommandRequest } from './commands-request.ts';
import type { EventBus } from './event-bus.ts';
import type { Registry } from './registry.ts';
import { twinKey } from './twin-key.ts';

export const COMMANDS_COLLECTION = 'commands';
export const AUDIT_STREAM = 'command-audit';

export interface CommandServiceOptions {
  storage: Pick<Storage, 'documents' | 'records'>;
  registry: Registry;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  transport?: Transport;
  /** Topic root. @default 'tf' */
  root?: string;
  /** Jitter source. @default Math.random */
  random?: () => number;
  /** Per-attempt timeout when a command names none. @default 10000 */
  defaultTimeoutMs?: number;
  /** @default RetryPolicies.default */
  defaultRetry?: RetryPolicy;
  /**
   * A device silent this long counts as offline; its commands wait queued. Off when undefined: then only the MQTT last
   * will (`…/status` = `offline`) marks a device offline.
   */
  offlineAfterMs?: number;
  /** Parameter validation against the twin's model (issue 3's `validateCommandParams`); none when absent. */
  validateParams?: (twin: Twin, name: string, params: JsonObject) => readonly Problem[];
  /** Webhook delivery. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** After a failed publish, the device is not tried again for this long. @default 1000 */
  publishRetryMs?: number;
}

export interface CommandListQuery {
  twinId?: string;
  status?: string;
  from?: number;
  to?: number;
  limit?: number;
  cursor?: string;
}

interface Device {
  tenant: string;
  twinId: string;
  /** Unfinished commands only; final ones live in the store. */
  commands: Map<string, Command>;
  explicitOffline: boolean;
  /** Publishing failed: not tried again before then. */
  pausedUntil: number;
  chain: Promise<void>;
  timer?: Timer;
  wakeAt?: number;
}

const deviceKey = twinKey;
const commandKey = (tenant: string, id: string): string => `${tenant}\u0000${id}`;

/**
 * Reliable commands (DESIGN §4, §5.7): the pure state machine and device queue of `core/command` driven by the clock,
 * persisted write-ahead (every transition is stored, with its audit row, before anything is published or
 * acknowledged) so a restart resumes each command from its stored state.
 *
 * Every change to one device's commands runs on that device's chain, one at a time: a response, a timeout and a new
 * command for the same device never interleave, which is what keeps per-device order and exactly-one transitions.
 */
export class CommandService {
  readonly #o: CommandServiceOptions;
  readonly #root: string;
  readonly #random: () => number;
  readonly #devices = new Map<string, Device>();
  /** Where each unfinished command lives. */
  readonly #owner = new Map<string, Device>();
  readonly #lastSeen = new Map<string, number>();
  readonly #waiters = new Map<string, Set<(command: Command) => void>>();
  #lastSeq = 0;
  #closed = false;

  constructor(options: CommandServiceOptions) {
    this.#o = options;
    this.#root = options.root ?? 'tf';
    this.#random = options.random ?? Math.random;
  }

  /** Loads every unfinished command of every tenant and resumes it from its stored state. */
  async start(): Promise<void> {
    for (const status of [CommandStatus.Queued, CommandStatus.Sent, CommandStatus.Delivered]) {
      let cursor: string | undefined;
      do {
        const page = await this.#o.storage.documents.list({ collection: COMMANDS_COLLECTION, tags: { status }, limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
        for (const record of page.items) {
          const command = record.doc as unknown as Command;
          const device = this.#device(command.tenant, command.twinId);
          device.commands.set(command.id, command);
          this.#owner.set(commandKey(command.tenant, command.id), device);
          this.#lastSeq = Math.max(this.#lastSeq, command.seq);
        }
        cursor = page.next;
      } while (cursor !== undefined);
    }
    for (const device of this.#devices.values()) this.#schedule(device, async () => {});
    this.#o.logger.info({ unfinished: this.#owner.size }, 'commands resumed');
  }

  /** Creates a command (or returns the one with the same idempotency key) and queues it on its device. */
  async submit(tenant: string, twinId: string, name: string, request: CommandRequest, by = 'api', origin?: JsonObject): Promise<{ command: Command; created: boolean }> {
    const twin = this.#o.registry.peek(tenant, twinId);
    if (twin === undefined) throw new NotFoundError(ErrorCode.TwinNotFound, `twin "${twinId}" is not registered in tenant "${tenant}"`);
    if (!/^[A-Za-z0-9_.-]{1,128}$/.test(name) || name === 'response') {
      throw new ValidationError(ErrorCode.InvalidRequest, 'the command name is invalid', [
        { path: 'name', message: 'must be 1 to 128 letters, digits, "_", "." or "-", and not "response"' },
      ]);
    }
    const problems = this.#o.validateParams?.(twin, name, request.params) ?? [];
    if (problems.length > 0) throw new ValidationError(ErrorCode.InvalidRequest, `parameters of command "${name}" do not fit model "${twin.model}"`, problems);
    const device = this.#device(tenant, twinId);
    return this.#exclusive(device, async () => {
      if (request.idempotencyKey !== undefined) {
        const existing = await this.#byIdempotencyKey(tenant, twinId, request.idempotencyKey);
        if (existing !== undefined) {
          if (!sameRequest(existing, { name, params: request.params })) {
            throw new TwinflowError(ErrorCode.IdempotencyConflict, `idempotency key "${request.idempotencyKey}" was used for another command (${existing.id}) with other parameters`);
          }
          return { command: existing, created: false };
        }
      }
      const now = this.#o.clock.now();
      const delivery = request.delivery ?? (this.#o.transport === undefined && twin.interfaces.api !== undefined ? 'http' : 'mqtt');
      const { command, audit } = newCommand({
        id: randomUUID(),
        tenant,
        twinId,
        name,
        params: request.params,
        priority: request.priority,
        seq: this.#nextSeq(now),
        ordered: request.ordered,
        timeoutMs: request.timeoutMs ?? this.#o.defaultTimeoutMs ?? 10_000,
        retry: retryPolicyOf(request, this.#o.defaultRetry ?? RetryPolicies.default),
        createdAt: now,
        createdBy: by,
        delivery,
        ...(request.expiresAt === undefined ? {} : { expiresAt: request.expiresAt }),
        ...(request.idempotencyKey === undefined ? {} : { idempotencyKey: request.idempotencyKey }),
        ...(origin === undefined ? {} : { origin }),
      });
      await this.#persist(command, audit);
      device.commands.set(command.id, command);
      this.#owner.set(commandKey(tenant, command.id), device);
      return { command, created: true };
    });
  }

  async get(tenant: string, id: string): Promise<Command> {
    const live = this.#owner.get(commandKey(tenant, id))?.commands.get(id);
    if (live !== undefined) return live;
    const record = await this.#o.storage.documents.get(COMMANDS_COLLECTION, tenant, id);
    if (record === undefined) throw new NotFoundError(ErrorCode.CommandNotFound, `command "${id}" does not exist in tenant "${tenant}"`);
    return record.doc as unknown as Command;
  }

  async list(tenant: string, query: CommandListQuery): Promise<Page<Command>> {
    const tags: Record<string, string> = {};
    if (query.twinId !== undefined) tags.twin = query.twinId;
    if (query.status !== undefined) tags.status = query.status;
    const limit = query.limit ?? 100;
    const items: Command[] = [];
    let cursor = query.cursor;
    // Time bounds filter pages of the tag query; a page may come back short, never wrong.
    do {
      const page = await this.#o.storage.documents.list({ collection: COMMANDS_COLLECTION, tenant, tags, limit, ...(cursor === undefined ? {} : { cursor }) });
      for (const record of page.items) {
        const c = record.doc as unknown as Command;
        if ((query.from === undefined || c.createdAt >= query.from) && (query.to === undefined || c.createdAt < query.to)) items.push(c);
      }
      cursor = page.next;
    } while (cursor !== undefined && items.length === 0);
    return { items, ...(cursor === undefined ? {} : { next: cursor }) };
  }

  /** The audit trail of one command, oldest first. */
  async audit(tenant: string, id: string): Promise<AuditRow[]> {
    const rows: AuditRow[] = [];
    let after: number | undefined;
    for (;;) {
      const entries = await this.#o.storage.records.read({ stream: AUDIT_STREAM, tenant, key: id, limit: 1000, ...(after === undefined ? {} : { after }) });
      for (const e of entries) rows.push(e.data as unknown as AuditRow);
      if (entries.length < 1000) return rows;
      after = entries.at(-1)!.seq;
    }
  }

  async cancel(tenant: string, id: string, by = 'api'): Promise<Command> {
    const device = this.#owner.get(commandKey(tenant, id));
    if (device === undefined) {
      const command = await this.get(tenant, id);
      throw new TwinflowError(ErrorCode.CommandFinal, `command "${id}" is already ${command.status}`);
    }
    return this.#exclusive(device, async () => {
      const current = device.commands.get(id);
      if (current === undefined) throw new TwinflowError(ErrorCode.CommandFinal, `command "${id}" is already final`);
      return (await this.#apply(device, current, { type: 'cancel', by })) ?? current;
    });
  }

  /** Resolves with the command once it is final, or with its state then when `timeoutMs` passes first. */
  async wait(tenant: string, id: string, timeoutMs?: number): Promise<Command> {
    const current = await this.get(tenant, id);
    if (isFinal(current.status)) return current;
    return new Promise((resolve) => {
      const key = commandKey(tenant, id);
      let waiters = this.#waiters.get(key);
      if (waiters === undefined) this.#waiters.set(key, (waiters = new Set()));
      let timer: Timer | undefined;
      const done = (command: Command): void => {
        timer?.cancel();
        waiters.delete(done);
        if (waiters.size === 0) this.#waiters.delete(key);
        resolve(command);
      };
      waiters.add(done);
      if (timeoutMs !== undefined) {
        timer = this.#o.clock.setTimeout(() => void this.get(tenant, id).then(done, () => done(current)), timeoutMs);
      }
    });
  }

  /**
   * A device's answer on `…/commands/response`. The MQTT message is acknowledged once the transition it causes is
   * durable, so a crash before that gets the answer redelivered.
   */
  onResponse(tenant: string, twinId: string, message: InboundMessage): void {
    this.seen(tenant, twinId);
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder().decode(message.payload));
    } catch {
      body = undefined;
    }
    const response = body as { id?: unknown; status?: unknown; result?: Json; error?: Json } | undefined;
    if (typeof response !== 'object' || response === null || typeof response.id !== 'string' || !isResponseStatus(response.status)) {
      this.#o.logger.warn({ topic: message.topic }, 'command response ignored: it needs "id" and a "status" of delivered, succeeded, failed or rejected');
      message.ack();
      return;
    }
    this.respond(tenant, twinId, response.id, { type: 'response', status: response.status, ...(response.result === undefined ? {} : { result: response.result }), ...(response.error === undefined ? {} : { error: response.error }) }).then(
      () => message.ack(),
      (err: unknown) => this.#o.logger.error({ err, topic: message.topic }, 'command response not acknowledged'),
    );
  }

  /** Applies a device answer (MQTT, webhook reply or `POST /api/commands/{id}/response`); duplicates are ignored. */
  async respond(tenant: string, twinId: string, id: string, input: Extract<CommandInput, { type: 'response' }>): Promise<Command | undefined> {
    const device = this.#owner.get(commandKey(tenant, id));
    if (device === undefined || device.twinId !== twinId) return undefined;
    return this.#exclusive(device, async () => {
      const current = device.commands.get(id);
      return current === undefined ? undefined : this.#apply(device, current, input);
    });
  }

  /** `…/status` (the device's last will, or its own announcement): `offline` / `online`, plain or `{"status": …}`. */
  onStatus(tenant: string, twinId: string, message: InboundMessage): void {
    const text = new TextDecoder().decode(message.payload).trim();
    let status: unknown = text;
    try {
      const parsed = JSON.parse(text) as unknown;
      status = typeof parsed === 'object' && parsed !== null ? (parsed as { status?: unknown }).status : parsed;
    } catch {
      // plain text
    }
    const done = status === 'offline' ? this.setOnline(tenant, twinId, false) : status === 'online' ? this.setOnline(tenant, twinId, true) : Promise.resolve();
    done.then(
      () => message.ack(),
      (err: unknown) => this.#o.logger.error({ err, topic: message.topic }, 'device status not acknowledged'),
    );
  }

  /**
   * Marks a device reachable or not. Going offline sends its in-flight commands back to the queue without using up
   * an attempt; coming back sends the queue in order.
   */
  async setOnline(tenant: string, twinId: string, online: boolean): Promise<void> {
    if (online) this.#lastSeen.set(deviceKey(tenant, twinId), this.#o.clock.now());
    const device = this.#device(tenant, twinId);
    if (device.explicitOffline === !online) return;
    device.explicitOffline = !online;
    device.pausedUntil = 0;
    await this.#schedule(device, async () => {});
  }

  /** Any sign of life (telemetry, a response): cheap, since it runs for every reading. */
  seen(tenant: string, twinId: string): void {
    const key = deviceKey(tenant, twinId);
    const before = this.#lastSeen.get(key);
    const now = this.#o.clock.now();
    this.#lastSeen.set(key, now);
    const device = this.#devices.get(key);
    if (device === undefined || device.commands.size === 0) return;
    const silent = this.#o.offlineAfterMs !== undefined && before !== undefined && now - before > this.#o.offlineAfterMs;
    if (device.explicitOffline || silent) {
      device.explicitOffline = false;
      void this.#schedule(device, async () => {});
    }
  }

  /** Whether the device is reachable as far as twinflow knows; a device never heard of counts as online. */
  isOnline(tenant: string, twinId: string): boolean {
    const key = deviceKey(tenant, twinId);
    if (this.#devices.get(key)?.explicitOffline === true) return false;
    const last = this.#lastSeen.get(key);
    return this.#o.offlineAfterMs === undefined || last === undefined || this.#o.clock.now() - last <= this.#o.offlineAfterMs;
  }

  /** Unfinished commands in memory. */
  get pending(): number {
    return this.#owner.size;
  }

  /** Stops the timers; unfinished commands stay stored and resume on the next start. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const device of this.#devices.values()) device.timer?.cancel();
    await Promise.all([...this.#devices.values()].map((d) => d.chain));
  }

  #device(tenant: string, twinId: string): Device {
    const key = deviceKey(tenant, twinId);
    let device = this.#devices.get(key);
    if (device === undefined) {
      device = { tenant, twinId, commands: new Map(), explicitOffline: false, pausedUntil: 0, chain: Promise.resolve() };
      this.#devices.set(key, device);
    }
    return device;
  }

  #nextSeq(now: number): number {
    // Follows the clock so that commands created after a restart sort after the resumed ones.
    this.#lastSeq = Math.max(this.#lastSeq + 1, now * 1000);
    return this.#lastSeq;
  }

  /** Runs `fn` on the device's chain, then lets the scheduler act on whatever changed. */
  #exclusive<T>(device: Device, fn: () => Promise<T>): Promise<T> {
    const result = device.chain.then(fn);
    device.chain = result.then(
      () => this.#plan(device),
      () => this.#plan(device),
    );
    return result;
  }

  #schedule(device: Device, fn: () => Promise<void>): Promise<void> {
    return this.#exclusive(device, fn);
  }

  /** Applies what the pure scheduler says for this device now; re-arms its timer. Runs on the device's chain. */
  async #plan(device: Device): Promise<void> {
    if (this.#closed) return;
    const now = this.#o.clock.now();
    const online = this.isOnline(device.tenant, device.twinId);
    if (!online) {
      for (const c of [...device.commands.values()]) {
        if (c.status === CommandStatus.Sent || c.status === CommandStatus.Delivered) await this.#apply(device, c, { type: 'offline' }, 'system');
      }
    }
    const plan = planDevice(device.commands.values(), now, online && device.pausedUntil <= now);
    for (const id of plan.expire) await this.#applyId(device, id, { type: 'expire' });
    for (const id of plan.timeout) await this.#applyId(device, id, { type: 'timeout' });
    for (const id of plan.send) {
      const sent = await this.#applyId(device, id, { type: 'send' });
      if (sent !== undefined && !(await this.#deliver(device, sent))) break;
    }
    if (plan.expire.length + plan.timeout.length > 0 || (plan.send.length > 0 && device.pausedUntil <= now)) {
      // What just ended may let the next command go: plan again right away.
      return this.#plan(device);
    }
    let wakeAt = plan.wakeAt;
    if (device.pausedUntil > now && device.commands.size > 0) wakeAt = Math.min(wakeAt ?? Infinity, device.pausedUntil);
    this.#arm(device, wakeAt);
  }

  #arm(device: Device, wakeAt: number | undefined): void {
    if (device.wakeAt === wakeAt && device.timer !== undefined) return;
    device.timer?.cancel();
    delete device.timer;
    delete device.wakeAt;
    if (wakeAt === undefined) return;
    device.wakeAt = wakeAt;
    device.timer = this.#o.clock.setTimeout(() => {
      delete device.timer;
      delete device.wakeAt;
      void this.#schedule(device, async () => {});
    }, Math.max(0, wakeAt - this.#o.clock.now()));
  }

  #applyId(device: Device, id: string, input: CommandInput): Promise<Command | undefined> {
    const c = device.commands.get(id);
    return c === undefined ? Promise.resolve(undefined) : this.#apply(device, c, input);
  }

  /** One transition: stored with its audit row, then announced; final commands leave memory and wake their waiters. */
  async #apply(device: Device, current: Command, input: CommandInput, by?: string): Promise<Command | undefined> {
    const t = transition(current, input, { now: this.#o.clock.now(), random: this.#random, ...(by === undefined ? {} : { by }) });
    if (!t.ok) {
      this.#o.logger.debug({ commandId: current.id, reason: t.reason }, 'command input ignored');
      return undefined;
    }
    await this.#persist(t.command, t.audit);
    const key = commandKey(device.tenant, current.id);
    if (isFinal(t.command.status)) {
      device.commands.delete(current.id);
      this.#owner.delete(key);
      const waiters = this.#waiters.get(key);
      if (waiters !== undefined) for (const w of [...waiters]) w(t.command);
    } else device.commands.set(current.id, t.command);
    return t.command;
  }

  async #persist(command: Command, audit: AuditRow): Promise<void> {
    const tags: Record<string, string> = { twin: command.twinId, status: command.status };
    if (command.idempotencyKey !== undefined) tags.idem = command.idempotencyKey;
    await Promise.all([
      this.#o.storage.documents.put(COMMANDS_COLLECTION, command.tenant, command.id, command as unknown as JsonObject, { tags, now: audit.at }),
      this.#o.storage.records.append([{ stream: AUDIT_STREAM, tenant: command.tenant, key: command.id, time: audit.at, data: audit as unknown as JsonObject }]),
    ]);
    this.#o.bus.publish({
      type: EventType.CommandStatus,
      tenant: command.tenant,
      twinId: command.twinId,
      time: audit.at,
      data: {
        id: command.id,
        name: command.name,
        status: command.status,
        from: audit.from,
        attempt: audit.attempt,
        by: audit.by,
        ...(audit.detail === undefined ? {} : { detail: audit.detail }),
        ...(command.result === undefined ? {} : { result: command.result }),
        ...(command.error === undefined ? {} : { error: command.error }),
      },
    });
  }

  async #byIdempotencyKey(tenant: string, twinId: string, key: string): Promise<Command | undefined> {
    const page = await this.#o.storage.documents.list({ collection: COMMANDS_COLLECTION, tenant, tags: { twin: twinId, idem: key }, limit: 1 });
    const record = page.items[0];
    if (record === undefined) return undefined;
    return this.#owner.get(commandKey(tenant, record.id))?.commands.get(record.id) ?? (record.doc as unknown as Command);
  }

  /** Hands a sent command to the device; false when that failed and the device is paused. */
  async #deliver(device: Device, command: Command): Promise<boolean> {
    try {
      if (command.delivery === 'http') await this.#webhook(device, command);
      else this.#publish(device, command);
      return true;
    } catch (err) {
      this.#o.logger.warn({ err, commandId: command.id }, 'command delivery failed; the device is tried again shortly');
      device.pausedUntil = this.#o.clock.now() + (this.#o.publishRetryMs ?? 1000);
      await this.#apply(device, command, { type: 'offline' }, 'system');
      return false;
    }
  }

  #publish(device: Device, command: Command): void {
    const transport = this.#o.transport;
    if (transport === undefined) throw new TwinflowError(ErrorCode.BrokerFailure, 'no MQTT transport to deliver commands');
    const payload = JSON.stringify({
      id: command.id,
      params: command.params,
      ts: new Date(command.updatedAt).toISOString(),
      ...(command.expiresAt === undefined ? {} : { expiresAt: new Date(command.expiresAt).toISOString() }),
    });
    // Not awaited: the PUBACK only says the broker has it, while the device's answer is what moves the command on.
    // Waiting would put a broker round trip into every command on the device's chain.
    transport.publish(twinTopic(this.#root, command.tenant, command.twinId, `commands/${command.name}`), payload, { qos: 1 }).catch((err: unknown) => {
      this.#o.logger.warn({ err, commandId: command.id }, 'command publish failed; the device is tried again shortly');
      void this.#exclusive(device, async () => {
        const current = device.commands.get(command.id);
        if (current?.status !== CommandStatus.Sent || current.attempts !== command.attempts) return;
        device.pausedUntil = this.#o.clock.now() + (this.#o.publishRetryMs ?? 1000);
        await this.#apply(device, current, { type: 'offline' }, 'system');
      });
    });
  }

  /** POST to `{interfaces.api}/commands/{name}`; a 2xx reply may carry the device's answer, else counts as delivered. */
  async #webhook(device: Device, command: Command): Promise<void> {
    const api = this.#o.registry.peek(command.tenant, command.twinId)?.interfaces.api;
    if (api === undefined) throw new TwinflowError(ErrorCode.InvalidRequest, `twin "${command.twinId}" has no interfaces.api for HTTP delivery`);
    const fetchFn = this.#o.fetch ?? globalThis.fetch;
    const body = JSON.stringify({ id: command.id, name: command.name, params: command.params, ts: new Date(command.updatedAt).toISOString() });
    // Off the device chain: a slow endpoint must not hold up responses to this device's other commands.
    void (async () => {
      try {
        const res = await fetchFn(`${api.replace(/\/$/, '')}/commands/${encodeURIComponent(command.name)}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        const text = await res.text();
        let reply: { status?: unknown; result?: Json; error?: Json } = {};
        try {
          reply = text === '' ? {} : (JSON.parse(text) as typeof reply);
        } catch {
          reply = {};
        }
        if (res.status >= 400 && res.status < 500) {
          await this.respond(command.tenant, command.twinId, command.id, { type: 'response', status: 'rejected', error: reply.error ?? `HTTP ${res.status}` });
        } else if (res.ok) {
          const status = isResponseStatus(reply.status) ? reply.status : CommandStatus.Delivered;
          await this.respond(command.tenant, command.twinId, command.id, { type: 'response', status, ...(reply.result === undefined ? {} : { result: reply.result }), ...(reply.error === undefined ? {} : { error: reply.error }) });
        }
        // A 5xx: the attempt times out and the retry policy decides.
      } catch (err) {
        this.#o.logger.warn({ err, commandId: command.id }, 'webhook delivery failed; the attempt times out and is retried');
      }
    })();
  }
}
