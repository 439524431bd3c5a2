import { afterEach, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/server/app.ts';
import { commandEngine, settle } from '../support/command-harness.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

async function given() {
  const h = await commandEngine({ twins: ['d1'] });
  const app = await buildServer({ engine: h.engine });
  closers.push(h.close, () => app.close());
  return { ...h, app };
}

describe('command routes', () => {
  it('POST → 202 with the id; GET shows status and audit; the list filters by twin and status', async () => {
    const { app, respond } = await given();
    const res = await app.inject({ method: 'POST', url: '/api/twins/d1/commands/set_mode', payload: { params: { mode: 'cool' }, priority: 2, timeout: '5s', retries: 1 } });
    expect(res.statusCode).toBe(202);
    const id = res.json().id as string;
    expect(res.json()).toMatchObject({ status: 'queued', maxAttempts: 2, timeoutMs: 5000 });
    await settle();
    respond('d1', id, 'succeeded', { result: 'ok' });
    await settle();
    const got = (await app.inject({ method: 'GET', url: `/api/commands/${id}` })).json();
    expect(got).toMatchObject({ status: 'succeeded', final: true, result: 'ok' });
    expect(got.audit.map((r: { to: string }) => r.to)).toEqual(['queued', 'sent', 'succeeded']);
    const list = (await app.inject({ method: 'GET', url: '/api/commands?twin=d1&status=succeeded&from=2000-01-01T00:00:00Z' })).json();
    expect(list.items.map((c: { id: string }) => c.id)).toEqual([id]);
    expect((await app.inject({ method: 'GET', url: '/api/commands?status=bogus' })).statusCode).toBe(400);
    expect((await app.inject({ method: 'GET', url: '/api/commands?limit=0' })).statusCode).toBe(400);
  });

  it('?wait= answers 200 with the final status when it comes in time', async () => {
    const { app, respond, transport } = await given();
    const pending = app.inject({ method: 'POST', url: '/api/twins/d1/commands/ping?wait=5s', payload: {} });
    for (let i = 0; i < 50 && transport.published.length === 0; i++) await settle(1);
    respond('d1', transport.published[0]!.payload.id, 'succeeded');
    const res = await pending;
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('succeeded');
  });

  it('validates the body, answers 409 on an idempotency mismatch and on cancelling a final command, 404 for unknown ones', async () => {
    const { app } = await given();
    const bad = await app.inject({ method: 'POST', url: '/api/twins/d1/commands/x', payload: { params: 3, priority: 'high', timeout: 'soon', retries: -1, expiresAt: 'never', idempotencyKey: '', ordered: 'yes', delivery: 'pigeon' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.map((d: { path: string }) => d.path)).toEqual(['body.params', 'body.priority', 'body.timeout', 'body.retries', 'body.expiresAt', 'body.idempotencyKey', 'body.ordered', 'body.delivery']);
    const first = await app.inject({ method: 'POST', url: '/api/twins/d1/commands/x', payload: { params: { a: 1 }, idempotencyKey: 'k' } });
    const same = await app.inject({ method: 'POST', url: '/api/twins/d1/commands/x', payload: { params: { a: 1 }, idempotencyKey: 'k' } });
    expect(same.statusCode).toBe(200);
    expect(same.json().id).toBe(first.json().id);
    expect((await app.inject({ method: 'POST', url: '/api/twins/d1/commands/x', payload: { params: { a: 2 }, idempotencyKey: 'k' } })).statusCode).toBe(409);
    const id = first.json().id as string;
    expect((await app.inject({ method: 'POST', url: `/api/commands/${id}/cancel` })).json().status).toBe('cancelled');
    expect((await app.inject({ method: 'POST', url: `/api/commands/${id}/cancel` })).statusCode).toBe(409);
    expect((await app.inject({ method: 'GET', url: '/api/commands/nope' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: '/api/twins/ghost/commands/x', payload: {} })).statusCode).toBe(404);
  });

  it('HTTP devices answer on POST /api/commands/{id}/response', async () => {
    const { app } = await given();
    const id = (await app.inject({ method: 'POST', url: '/api/twins/d1/commands/x', payload: {} })).json().id as string;
    await settle();
    expect((await app.inject({ method: 'POST', url: `/api/commands/${id}/response`, payload: { status: 'nope' } })).statusCode).toBe(400);
    const res = await app.inject({ method: 'POST', url: `/api/commands/${id}/response`, payload: { status: 'succeeded', result: 1 } });
    expect(res.json()).toMatchObject({ status: 'succeeded', result: 1 });
  });
});
