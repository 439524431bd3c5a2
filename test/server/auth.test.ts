import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryStorage } from '../../src/adapters/memory/storage.ts';
import { Engine } from '../../src/engine/engine.ts';
import { buildServer } from '../../src/server/app.ts';
import { allowed, Role } from '../../src/server/auth.ts';
import { silentLogger } from '../support/logger.ts';

let app: Awaited<ReturnType<typeof buildServer>>;
let engine: Engine;
beforeEach(async () => {
  engine = new Engine({ storage: createMemoryStorage(), logger: silentLogger, processMetrics: false, ingest: { maxDelayMs: 1 } });
  await engine.start();
  app = await buildServer({
    engine,
    tokens: [
      { token: 'root', tenant: '*', role: 'admin' },
      { token: 'acme-ops', tenant: 'acme', role: 'operator' },
      { token: 'acme-view', tenant: 'acme', role: 'viewer' },
      { token: 'acme-dev', tenant: 'acme', role: 'device' },
    ],
  });
  await app.inject({ method: 'POST', url: '/api/registry/twins', headers: { authorization: 'Bearer root', 'x-tenant': 'acme' }, payload: { id: 'm1' } });
});
afterEach(async () => {
  await engine.close();
  await app.close();
});

const call = (token: string | undefined, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) =>
  app.inject({ method, url, ...(payload === undefined ? {} : { payload }), headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });

describe('auth', () => {
  it('leaves probes and the API description open, and asks for a token everywhere else', async () => {
    expect((await call(undefined, 'GET', '/healthz')).statusCode).toBe(200);
    expect((await call(undefined, 'GET', '/readyz')).statusCode).toBe(200);
    const missing = await call(undefined, 'GET', '/api/registry/twins');
    expect(missing.statusCode).toBe(401);
    expect(missing.json().error.code).toBe('unauthorized');
    expect((await call('wrong', 'GET', '/api/registry/twins')).statusCode).toBe(401);
  });

  it("scopes a token to its tenant: the token's tenant is the default, another tenant is forbidden", async () => {
    const own = await call('acme-view', 'GET', '/api/registry/twins');
    expect(own.json().items.map((t: { id: string }) => t.id)).toEqual(['m1']);
    const other = await call('acme-view', 'GET', '/api/registry/twins?tenant=default');
    expect(other.statusCode).toBe(403);
    expect(other.json().error.code).toBe('forbidden');
    expect((await call('root', 'GET', '/api/registry/twins?tenant=acme')).json().items).toHaveLength(1);
  });

  it('takes the token from ?access_token= for EventSource', async () => {
    expect((await app.inject({ url: '/api/registry/twins?access_token=acme-view' })).statusCode).toBe(200);
  });

  it('lets each role do what it is for', async () => {
    expect((await call('acme-view', 'POST', '/api/twins/m1/telemetry', { a: 1 })).statusCode).toBe(403);
    expect((await call('acme-dev', 'POST', '/api/twins/m1/telemetry', { a: 1 })).statusCode).toBe(202);
    expect((await call('acme-dev', 'GET', '/api/twins/m1/telemetry')).statusCode).toBe(403);
    expect((await call('acme-ops', 'POST', '/api/twins/m1/telemetry', { a: 2 })).statusCode).toBe(202);
    expect((await call('acme-ops', 'DELETE', '/api/registry/twins/m1')).statusCode).toBe(403);
    expect((await call('root', 'DELETE', '/api/registry/twins/m1?tenant=acme')).statusCode).toBe(204);
  });

  it('has a rule table that matches the roles', () => {
    expect(allowed(Role.Viewer, 'GET', '/api/commands')).toBe(true);
    expect(allowed(Role.Viewer, 'POST', '/api/twins/x/commands/reboot')).toBe(false);
    expect(allowed(Role.Operator, 'POST', '/api/twins/x/commands/reboot')).toBe(true);
    expect(allowed(Role.Operator, 'POST', '/api/models')).toBe(false);
    expect(allowed(Role.Operator, 'POST', '/api/workflows')).toBe(false);
    expect(allowed(Role.Device, 'PATCH', '/api/twins/x/state')).toBe(true);
    expect(allowed(Role.Admin, 'DELETE', '/api/anything')).toBe(true);
  });
});
