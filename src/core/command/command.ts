import type { Json, JsonObject } from '../types.ts';
import { AttemptOutcome, retryDelay, shouldRetry, type RetryPolicy } from './retry-policy.ts';
import { CommandStatus, isFinal, type ResponseStatus } from './status.ts';

/** A command (DESIGN §4) with the bookkeeping its state machine needs. Times are epoch ms. */
export interface Command {
  id: string;
  tenant: string;
  twinId: string;
  name: string;
  params: JsonObject;
  /** Higher goes first among the device's waiting commands. */
  priority: number;
  /** Per device, increasing in creation order: the tie-break among equal priorities. */
  seq: number;
  /**
   * Ordered commands go out one at a time per device, each only after the previous one is final; an unordered one
   * (`ordered: false`) goes out as soon as the device is reachable and holds nobody up.
   */
  ordered: boolean;
  status: CommandStatus;
  /** Attempts that counted against the retry budget (a send interrupted by the device going offline does not). */
  attempts: number;
  /** Per attempt: the time from sending to a final answer. */
  timeoutMs: number;
  retry: RetryPolicy;
  createdAt: number;
  updatedAt: number;
  expiresAt?: number;
  idempotencyKey?: string;
  /** When the current attempt times out (sent/delivered). */
  deadline?: number;
  /** A retry waits until then (queued). */
  notBefore?: number;
  result?: Json;
  error?: Json;
  /** Who asked: `api`, `sequence:<run>`, `rollout:<id>`… */
  createdBy: string;
  /** How it reaches the device: MQTT (`…/commands/{name}`) or a webhook to the twin's `interfaces.api`. */
  delivery: 'mqtt' | 'http';
  /** Sequence run or rollout this command belongs to. */
  origin?: JsonObject;
}

/** One row of the audit trail: every transition has one. */
export interface AuditRow {
  commandId: string;
  twinId: string;
  at: number;
  by: string;
  from: CommandStatus | null;
  to: CommandStatus;
  attempt: number;
  detail?: string;
}

export type CommandInput =
  | { type: 'send' }
  | { type: 'response'; status: ResponseStatus; result?: Json; error?: Json }
  | { type: 'timeout' }
  | { type: 'expire' }
  | { type: 'cancel'; by: string }
  /** The device went away while the command was out: back to the queue, the attempt not counted. */
  | { type: 'offline' };

export type Transition =
  | { ok: true; command: Command; audit: AuditRow }
  | { ok: false; reason: string };

export interface TransitionContext {
  now: number;
  random: () => number;
  /** Who causes the transition, for the audit row. @default 'device' for responses, else 'system' */
  by?: string;
}

export function newCommand(fields: Omit<Command, 'status' | 'attempts' | 'updatedAt'>): { command: Command; audit: AuditRow } {
  const command: Command = { ...fields, status: CommandStatus.Queued, attempts: 0, updatedAt: fields.createdAt };
  return { command, audit: row(command, null, fields.createdAt, fields.createdBy, 'created') };
}

/** The pure transition function of the state machine: what `input` does to `command` at `now`. */
export function transition(command: Command, input: CommandInput, context: TransitionContext): Transition {
  const { status } = command;
  if (isFinal(status)) return refuse(command, input);
  const by = context.by ?? (input.type === 'response' ? 'device' : input.type === 'cancel' ? input.by : 'system');
  switch (input.type) {
    case 'send': {
      if (status !== CommandStatus.Queued) return refuse(command, input);
      const { notBefore: _n, ...rest } = command;
      return move(command, { ...rest, attempts: command.attempts + 1, deadline: context.now + command.timeoutMs }, CommandStatus.Sent, context.now, by);
    }
    case 'response':
      return respond(command, input, context, by);
    case 'timeout':
      if (status !== CommandStatus.Sent && status !== CommandStatus.Delivered) return refuse(command, input);
      return endAttempt(command, AttemptOutcome.TimedOut, {}, context, by, 'no final answer in time');
    case 'expire':
      if (status !== CommandStatus.Queued) return refuse(command, input);
      return move(command, clearTimes(command), CommandStatus.Expired, context.now, by, 'expired before it could be delivered');
    case 'cancel':
      return move(command, clearTimes(command), CommandStatus.Cancelled, context.now, by, status === CommandStatus.Queued ? undefined : `cancelled while ${status}: the device may still act on it`);
    case 'offline':
      if (status !== CommandStatus.Sent && status !== CommandStatus.Delivered) return refuse(command, input);
      return move(command, { ...clearTimes(command), attempts: command.attempts - 1 }, CommandStatus.Queued, context.now, by, 'device went offline; the attempt does not count');
  }
}

function respond(command: Command, input: Extract<CommandInput, { type: 'response' }>, context: TransitionContext, by: string): Transition {
  // A response to an attempt whose timeout already sent the command back to the queue still counts: the device acted on it.
  if (command.status === CommandStatus.Queued && command.attempts === 0) return refuse(command, input);
  const extra = { ...(input.result === undefined ? {} : { result: input.result }), ...(input.error === undefined ? {} : { error: input.error }) };
  if (input.status === CommandStatus.Delivered) {
    if (command.status === CommandStatus.Delivered) return refuse(command, input);
    // A late "delivered" of an earlier attempt keeps the retry wait: only a final answer ends it.
    if (command.status === CommandStatus.Queued) return refuse(command, input);
    return move(command, { ...command, ...extra }, CommandStatus.Delivered, context.now, by);
  }
  if (input.status === CommandStatus.Succeeded) {
    return move(command, { ...clearTimes(command), ...extra }, CommandStatus.Succeeded, context.now, by);
  }
  const outcome = input.status === CommandStatus.Failed ? AttemptOutcome.Failed : AttemptOutcome.Rejected;
  return endAttempt(command, outcome, extra, context, by);
}

function endAttempt(command: Command, outcome: AttemptOutcome, extra: Partial<Command>, context: TransitionContext, by: string, detail?: string): Transition {
  if (shouldRetry(command.retry, outcome, command.attempts)) {
    const wait = retryDelay(command.retry, command.attempts, context.random);
    const next = { ...clearTimes(command), ...extra, notBefore: context.now + wait };
    return move(command, next, CommandStatus.Queued, context.now, by, `${detail ?? outcome}; retry ${command.attempts} in ${wait} ms`);
  }
  return move(command, { ...clearTimes(command), ...extra }, outcome, context.now, by, detail);
}

function clearTimes(command: Command): Command {
  const { deadline: _d, notBefore: _n, ...rest } = command;
  return rest;
}

function move(before: Command, after: Command, to: CommandStatus, now: number, by: string, detail?: string): Transition {
  const command = { ...after, status: to, updatedAt: now };
  return { ok: true, command, audit: row(command, before.status, now, by, detail) };
}

function refuse(command: Command, input: CommandInput): Transition {
  const what = input.type === 'response' ? `response "${input.status}"` : input.type;
  return { ok: false, reason: `${what} does not apply to a ${command.status} command (attempt ${command.attempts})` };
}

function row(command: Command, from: CommandStatus | null, at: number, by: string, detail?: string): AuditRow {
  return {
    commandId: command.id,
    twinId: command.twinId,
    at,
    by,
    from,
    to: command.status,
    attempt: command.attempts,
    ...(detail === undefined ? {} : { detail }),
  };
}
