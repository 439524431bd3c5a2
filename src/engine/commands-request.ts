import { parseDuration } from '../core/duration.ts';
import type { Problem } from '../core/errors.ts';
import { Backoff, AttemptOutcome, RetryPolicies, type RetryPolicy } from '../core/command/retry-policy.ts';
import { parseTimestamp } from '../core/telemetry/parse.ts';
import type { JsonObject } from '../core/types.ts';

/** A command request as the API and sequences hand it over, checked. */
export interface CommandRequest {
  params: JsonObject;
  priority: number;
  timeoutMs?: number;
  /** Retries after the first attempt; the rest of the policy comes from the defaults. */
  retries?: number;
  retry?: RetryPolicy;
  expiresAt?: number;
  idempotencyKey?: string;
  ordered: boolean;
  delivery?: 'mqtt' | 'http';
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads the body of `POST /api/twins/{id}/commands/{name}`; every problem is reported, not only the first. */
export function parseCommandRequest(body: unknown): { ok: true; request: CommandRequest } | { ok: false; problems: Problem[] } {
  const problems: Problem[] = [];
  const b = body === undefined || body === null ? {} : body;
  if (!isObject(b)) return { ok: false, problems: [{ path: 'body', message: 'must be a JSON object' }] };
  const request: CommandRequest = { params: {}, priority: 0, ordered: true };
  if (b.params !== undefined) {
    if (isObject(b.params)) request.params = b.params as JsonObject;
    else problems.push({ path: 'params', message: 'must be an object' });
  }
  if (b.priority !== undefined) {
    if (Number.isInteger(b.priority)) request.priority = b.priority as number;
    else problems.push({ path: 'priority', message: 'must be an integer' });
  }
  if (b.timeout !== undefined) {
    const ms = typeof b.timeout === 'string' || typeof b.timeout === 'number' ? parseDuration(b.timeout) : undefined;
    if (ms !== undefined && ms > 0) request.timeoutMs = ms;
    else problems.push({ path: 'timeout', message: 'must be a duration such as 500ms, 10s, 5m' });
  }
  if (b.retries !== undefined) {
    if (Number.isInteger(b.retries) && (b.retries as number) >= 0 && (b.retries as number) <= 100) request.retries = b.retries as number;
    else problems.push({ path: 'retries', message: 'must be an integer from 0 to 100' });
  }
  if (b.expiresAt !== undefined) {
    const at = typeof b.expiresAt === 'string' || typeof b.expiresAt === 'number' ? parseTimestamp(b.expiresAt) : undefined;
    if (at !== undefined) request.expiresAt = at;
    else problems.push({ path: 'expiresAt', message: 'must be an ISO-8601 time or epoch milliseconds' });
  }
  if (b.idempotencyKey !== undefined) {
    if (typeof b.idempotencyKey === 'string' && b.idempotencyKey !== '' && b.idempotencyKey.length <= 200) request.idempotencyKey = b.idempotencyKey;
    else problems.push({ path: 'idempotencyKey', message: 'must be a string of 1 to 200 characters' });
  }
  if (b.ordered !== undefined) {
    if (typeof b.ordered === 'boolean') request.ordered = b.ordered;
    else problems.push({ path: 'ordered', message: 'must be true or false' });
  }
  if (b.delivery !== undefined) {
    if (b.delivery === 'mqtt' || b.delivery === 'http') request.delivery = b.delivery;
    else problems.push({ path: 'delivery', message: 'must be "mqtt" or "http"' });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, request };
}

/** The retry policy of a command: `retries` on top of the default policy. */
export function retryPolicyOf(request: CommandRequest, base: RetryPolicy = RetryPolicies.default): RetryPolicy {
  if (request.retry !== undefined) return request.retry;
  if (request.retries === undefined) return base;
  return { ...base, maxAttempts: request.retries + 1 };
}

/** The `error_handling` of a sequence (seed: `{strategy: retry, max_attempts: 3, backoff: exponential}`) as a policy. */
export function retryPolicyFromHandling(handling: { max_attempts?: number; backoff?: string; delay?: string | number }): RetryPolicy {
  const delay = handling.delay === undefined ? 1000 : (parseDuration(handling.delay) ?? 1000);
  return {
    maxAttempts: handling.max_attempts ?? 3,
    backoff: handling.backoff === 'constant' ? { kind: Backoff.Constant, ms: delay } : { kind: Backoff.Exponential, initialMs: delay, factor: 2, maxMs: 60_000 },
    jitter: 0.2,
    retryOn: [AttemptOutcome.TimedOut, AttemptOutcome.Failed],
  };
}
