import type { FastifyRequest } from 'fastify';
import { ErrorCode, ValidationError } from '../core/errors.ts';
import { parseDuration } from '../core/duration.ts';
import { checkTenant } from '../core/ids.ts';
import { parseTimestamp } from '../core/telemetry/parse.ts';

/** The tenant of a request: `X-Tenant`, else `?tenant=`, else the server's default. */
export function tenantOf(request: FastifyRequest, fallback: string): string {
  const header = request.headers['x-tenant'];
  const query = (request.query as Record<string, unknown> | undefined)?.tenant;
  const tenant = (typeof header === 'string' && header !== '' ? header : typeof query === 'string' && query !== '' ? query : fallback);
  const problem = checkTenant(tenant);
  if (problem !== undefined) throw invalid(typeof header === 'string' ? 'headers.x-tenant' : 'query.tenant', problem);
  return tenant;
}

export function invalid(path: string, message: string): ValidationError {
  return new ValidationError(ErrorCode.InvalidRequest, `${path}: ${message}`, [{ path, message }]);
}

/** An ISO-8601 time or epoch milliseconds from the query string. */
export function timeParam(value: string | undefined, path: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const ms = /^\d+$/.test(value) ? parseTimestamp(Number(value)) : parseTimestamp(value);
  if (ms === undefined) throw invalid(path, `"${value}" is neither an ISO-8601 time nor epoch milliseconds`);
  return ms;
}

export function durationParam(value: string | undefined, path: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) throw invalid(path, `"${value}" is not a duration such as 500ms, 10s, 5m, 1h, 1d`);
  return ms;
}

export function listParam(value: string | undefined): string[] | undefined {
  if (value === undefined || value === '') return undefined;
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
}
