import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ErrorCode, TwinflowError } from '../core/errors.ts';
import { tenantOf } from './request.ts';

export const Role = { Admin: 'admin', Operator: 'operator', Viewer: 'viewer', Device: 'device' } as const;
export type Role = (typeof Role)[keyof typeof Role];

export interface AuthToken {
  token: string;
  /** A tenant, or `*` for every tenant. */
  tenant: string;
  role: Role;
}

/** Paths that need no token: probes, the dashboard's files and the API description. */
const PUBLIC = /^\/(?:healthz|readyz|metrics|docs(?:\/.*)?)?$|^\/(?!api\/|simulate\/)/;

const READ = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Writes a device may make: its own telemetry, state updates and command responses. */
const DEVICE_WRITE = /^\/api\/twins\/[^/]+\/(?:telemetry|state)$/;
/** Writes an operator may not make: the registry, models and workflow deployments belong to admins. */
const ADMIN_WRITE = /^\/api\/(?:registry|models|workflows|blocks)(?:\/|$)/;

/** May `role` make this request? Reads are open to every role but devices'; writes depend on the role. */
export function allowed(role: Role, method: string, path: string): boolean {
  switch (role) {
    case Role.Admin:
      return true;
    case Role.Viewer:
      return READ.has(method);
    case Role.Device:
      return !READ.has(method) && DEVICE_WRITE.test(path);
    case Role.Operator:
      return READ.has(method) || !ADMIN_WRITE.test(path);
  }
}

const digest = (token: string): Buffer => createHash('sha256').update(token).digest();

/**
 * Bearer-token auth (`auth.tokens` in config). A token names a tenant (or `*`) and a role; the request's tenant
 * must be one the token may use. EventSource cannot send headers, so `?access_token=` is accepted too.
 * With no tokens configured the API is open, as on a laptop.
 */
export function installAuth(app: FastifyInstance, tokens: readonly AuthToken[], defaultTenant: string): void {
  if (tokens.length === 0) return;
  const known = tokens.map((t) => ({ ...t, digest: digest(t.token) }));
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const path = request.url.split('?')[0] ?? '/';
    if (PUBLIC.test(path)) return;
    const presented = bearer(request);
    if (presented === undefined) throw new TwinflowError(ErrorCode.Unauthorized, 'a token is required: Authorization: Bearer <token>');
    const d = digest(presented);
    const token = known.find((t) => timingSafeEqual(t.digest, d));
    if (token === undefined) throw new TwinflowError(ErrorCode.Unauthorized, 'the token is not valid');
    const tenant = tenantOf(request, token.tenant === '*' ? defaultTenant : token.tenant);
    if (token.tenant !== '*' && token.tenant !== tenant) {
      throw new TwinflowError(ErrorCode.Forbidden, `the token may not use tenant "${tenant}"`);
    }
    // A request that names no tenant acts in its token's: the routes read the tenant from this header.
    request.headers['x-tenant'] = tenant;
    if (!allowed(token.role, request.method, path)) {
      throw new TwinflowError(ErrorCode.Forbidden, `role ${token.role} may not ${request.method} ${path}`);
    }
  });
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (match !== null) return match[1];
  }
  const query = (request.query as Record<string, unknown> | undefined)?.access_token;
  return typeof query === 'string' && query !== '' ? query : undefined;
}
