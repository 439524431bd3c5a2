import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryStorage } from '../../src/adapters/memory/storage.ts';
import { ManualClock } from '../../src/engine/clock.ts';
import { commandEngine, settle, T0 } from '../support/command-harness.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

async function given(options: Parameters<typeof commandEngine>[0] = {}) {
  const h = await commandEngine(options);
  closers.push(h.close);
  return h;
}

const ids = (h: { transport: { published: { payload: { id: string } }[] } }) => h.transport.published.map((p) => p.payload.id);

describe('CommandService', () => {
  it('given a command, when the device answers delivered then succeeded, then it is succeeded with an audit row per transition and events', async () => {
    const h = await given();
    const { command } = await h.engine.commands.submit('default', 'd1', 'set_mode', { params: { mode: 'cool' }, priority: 0, ordered: true });
    await settle();
    expect(h.transport.published).toEqual([{ topic: `tf/default/d1/commands/set_mode`, payload: expect.objectContaining({ id: command.id, params: { mode: 'cool' } }) }]);
    h.respond('d1', command.id, 'delivered');
    await settle();
    const acks = h.respond('d1', command.id, 'succeeded', { result: { mode: 'cool' } });
    await settle();
    expect(acks).toHaveLength(2);
    const final = await h.engine.commands.get('default', command.id);
    expect(final).toMatchObject({ status: 'succeeded', attempts: 1, result: { mode: 'cool' } });
    const audit = await h.engine.commands.audit('default', command.id);
    expect(audit.map((r) => `${r.from}→${r.to}`)).toEqual(['null→queued', 'queued→sent', 'sent→delivered', 'delivered→succeeded']);
    expect(h.events.filter((e) => e.type === 'command.status').map((e) => e.data.status)).toEqual(['queued', 'sent', 'delivered', 'succeeded']);
  });

  it('given two ordered commands, then the second goes out only after the first is final, and a higher priority jumps the waiting queue', async () => {
    const h = await given();
    const a = (await h.engine.commands.submit('default', 'd1', 'a', { params: {}, priority: 0, ordered: true })).command;
    const b = (await h.engine.commands.submit('default', 'd1', 'b', { params: {}, priority: 0, ordered: true })).command;
    const c = (await h.engine.commands.submit('default', 'd1', 'c', { params: {}, priority: 5, ordered: true })).command;
    await settle();
    expect(ids(h)).toEqual([a.id]);
    h.respond('d1', a.id, 'succeeded');
    await settle();
    expect(ids(h)).toEqual([a.id, c.id]);
    h.respond('d1', c.id, 'failed');
    await settle();
    expect(ids(h)).toEqual([a.id, c.id, b.id]);
  });

  it('given no answer, then the attempt times out and is retried with backoff, then ends timed_out', async () => {
    const h = await given({ commands: { defaultTimeoutMs: 1000 } });
    const { command } = await h.engine.commands.submit('default', 'd1', 'ping', { params: {}, priority: 0, ordered: true, retries: 1 });
    await settle();
    await h.advance(1000);
    expect((await h.engine.commands.get('default', command.id)).status).toBe('queued');
    await h.advance(999);
    expect(ids(h)).toHaveLength(1);
    await h.advance(1);
    expect(ids(h)).toEqual([command.id, command.id]);
    await h.advance(1000);
    expect((await h.engine.commands.get('default', command.id)).status).toBe('timed_out');
  });

  it('same idempotency key and params → the same command; other params → idempotency_conflict', async () => {
    const h = await given();
    const req = { params: { v: 1 }, priority: 0, ordered: true, idempotencyKey: 'k1' };
    const first = await h.engine.commands.submit('default', 'd1', 'set', req);
    const again = await h.engine.commands.submit('default', 'd1', 'set', req);
    expect(again).toEqual({ command: expect.objectContaining({ id: first.command.id }), created: false });
    await expect(h.engine.commands.submit('default', 'd1', 'set', { ...req, params: { v: 2 } })).rejects.toMatchObject({ code: 'idempotency_conflict' });
  });

  it('cancel: a queued command is cancelled; a final one answers command_final; an unknown one command_not_found', async () => {
    const h = await given();
    const a = (await h.engine.commands.submit('default', 'd1', 'a', { params: {}, priority: 0, ordered: true })).command;
    const b = (await h.engine.commands.submit('default', 'd1', 'b', { params: {}, priority: 0, ordered: true })).command;
    await settle();
    expect((await h.engine.commands.cancel('default', b.id, 'alice')).status).toBe('cancelled');
    h.respond('d1', a.id, 'succeeded');
    await settle();
    expect(ids(h)).toEqual([a.id]);
    await expect(h.engine.commands.cancel('default', a.id)).rejects.toMatchObject({ code: 'command_final' });
    await expect(h.engine.commands.cancel('default', 'nope')).rejects.toMatchObject({ code: 'command_not_found' });
  });

  it('given a device offline by its last will, then its commands wait without burning attempts and go out in order when it is back', async () => {
    const h = await given();
    const a = (await h.engine.commands.submit('default', 'd1', 'a', { params: {}, priority: 0, ordered: true })).command;
    await settle();
    h.transport.deliver('tf/default/d1/status', 'offline');
    await settle();
    expect(await h.engine.commands.get('default', a.id)).toMatchObject({ status: 'queued', attempts: 0 });
    const b = (await h.engine.commands.submit('default', 'd1', 'b', { params: {}, priority: 0, ordered: true })).command;
    const expiring = (await h.engine.commands.submit('default', 'd1', 'c', { params: {}, priority: 0, ordered: true, expiresAt: T0 + 500 })).command;
    await h.advance(60_000);
    expect(ids(h)).toEqual([a.id]);
    expect((await h.engine.commands.get('default', expiring.id)).status).toBe('expired');
    h.transport.deliver('tf/default/d1/telemetry', '{"t": 1}');
    await settle();
    expect(ids(h)).toEqual([a.id, a.id]);
    h.respond('d1', a.id, 'succeeded');
    await settle();
    expect(ids(h)).toEqual([a.id, a.id, b.id]);
    expect((await h.engine.commands.get('default', a.id)).attempts).toBe(1);
  });

  it('given silence past offlineAfterMs, then new commands wait until the device is heard again', async () => {
    const h = await given({ commands: { offlineAfterMs: 1000 } });
    h.transport.deliver('tf/default/d1/telemetry', '{"t": 1}');
    await settle();
    await h.advance(5000);
    expect(h.engine.commands.isOnline('default', 'd1')).toBe(false);
    const a = (await h.engine.commands.submit('default', 'd1', 'a', { params: {}, priority: 0, ordered: true })).command;
    await settle();
    expect(ids(h)).toEqual([]);
    h.transport.deliver('tf/default/d1/telemetry', '{"t": 2}');
    await settle();
    expect(ids(h)).toEqual([a.id]);
  });

  it('duplicate and unknown responses are acknowledged and change nothing', async () => {
    const h = await given();
    const a = (await h.engine.commands.submit('default', 'd1', 'a', { params: {}, priority: 0, ordered: true })).command;
    await settle();
    h.respond('d1', a.id, 'succeeded');
    h.respond('d1', a.id, 'succeeded');
    h.respond('d1', 'unknown', 'succeeded');
    const acks = h.transport.deliver('tf/default/d1/commands/response', 'not json');
    await settle();
    expect(acks).toHaveLength(4);
    expect((await h.engine.commands.audit('default', a.id)).filter((r) => r.to === 'succeeded')).toHaveLength(1);
  });

  it('wait resolves at the final status, or with the current one at the timeout', async () => {
    const h = await given();
    const a = (await h.engine.commands.submit('default', 'd1', 'a', { params: {}, priority: 0, ordered: true })).command;
    const waited = h.engine.commands.wait('default', a.id, 5000);
    await settle();
    h.respond('d1', a.id, 'succeeded');
    await expect(waited).resolves.toMatchObject({ status: 'succeeded' });
    const b = (await h.engine.commands.submit('default', 'd1', 'b', { params: {}, priority: 0, ordered: true })).command;
    const timedOut = h.engine.commands.wait('default', b.id, 100);
    await settle();
    h.clock.advance(100);
    await expect(timedOut).resolves.toMatchObject({ status: 'sent' });
  });

  it('given commands in flight, when twinflow restarts on the same store, then they resume from their stored state and nothing is sent twice', async () => {
    const storage = createMemoryStorage();
    const clock = new ManualClock(T0);
    const before = await commandEngine({ storage, clock, commands: { defaultTimeoutMs: 10_000 } });
    const a = (await before.engine.commands.submit('default', 'd1', 'a', { params: {}, priority: 0, ordered: true })).command;
    const b = (await before.engine.commands.submit('default', 'd1', 'b', { params: {}, priority: 0, ordered: true })).command;
    await settle();
    await before.close();
    const after = await given({ storage, clock, commands: { defaultTimeoutMs: 10_000 } });
    await settle();
    expect(after.engine.commands.pending).toBe(2);
    expect(ids(after)).toEqual([]);
    after.respond('d1', a.id, 'succeeded');
    await settle();
    expect(ids(after)).toEqual([b.id]);
    after.respond('d1', b.id, 'succeeded');
    await settle();
    expect(after.engine.commands.pending).toBe(0);
    const listed = await after.engine.commands.list('default', { twinId: 'd1', status: 'succeeded' });
    expect(listed.items.map((c) => c.id).sort()).toEqual([a.id, b.id].sort());
  });

  it('given the broker refusing a publish, then the command returns to the queue and is tried again', async () => {
    const h = await given();
    h.transport.fail = true;
    const a = (await h.engine.commands.submit('default', 'd1', 'a', { params: {}, priority: 0, ordered: true })).command;
    await settle();
    h.transport.fail = false;
    await h.advance(1000);
    expect(ids(h)).toEqual([a.id]);
  });

  it('rejects unknown twins and bad names', async () => {
    const h = await given();
    await expect(h.engine.commands.submit('default', 'ghost', 'a', { params: {}, priority: 0, ordered: true })).rejects.toMatchObject({ code: 'twin_not_found' });
    await expect(h.engine.commands.submit('default', 'd1', 'response', { params: {}, priority: 0, ordered: true })).rejects.toMatchObject({ code: 'invalid_request' });
  });
});

describe('CommandService seams', () => {
  it('validates parameters against the twin model when the model defines the command', async () => {
    const { compileCompactModel } = await import('../../src/core/model/compact.ts');
    const { modelParamValidator } = await import('../../src/engine/commands-validation.ts');
    const compiled = compileCompactModel({ name: 'hvac', commands: { set_temperature: { params: { temperature: 'float' } } } });
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.problems));
    const h = await given({ commands: { validateParams: modelParamValidator((_, id) => (id === 'hvac' ? compiled.model : undefined)) } });
    await h.engine.registry.upsert('default', { id: 'ac', model: 'hvac' }, 'test');
    await expect(h.engine.commands.submit('default', 'ac', 'set_temperature', { params: { temperature: 'hot' }, priority: 0, ordered: true })).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(h.engine.commands.submit('default', 'ac', 'set_temperature', { params: { temperature: 21.5 }, priority: 0, ordered: true })).resolves.toMatchObject({ created: true });
    await expect(h.engine.commands.submit('default', 'ac', 'not_in_model', { params: { x: 1 }, priority: 0, ordered: true })).resolves.toMatchObject({ created: true });
    await expect(h.engine.commands.submit('default', 'd1', 'any', { params: {}, priority: 0, ordered: true })).resolves.toMatchObject({ created: true });
  });

  it("delivers over HTTP to the twin's interfaces.api and takes the answer from the reply", async () => {
    const calls: { url: string; body: string }[] = [];
    const fetchStub = (async (url: string, init: { body: string }) => {
      calls.push({ url, body: init.body });
      return new Response(JSON.stringify({ status: 'succeeded', result: { ok: true } }), { status: 200 });
    }) as unknown as typeof fetch;
    const h = await given({ commands: { fetch: fetchStub } });
    await h.engine.registry.upsert('default', { id: 'web', interfaces: { api: 'http://device.local/api/' } }, 'test');
    const { command } = await h.engine.commands.submit('default', 'web', 'reboot', { params: { now: true }, priority: 0, ordered: true, delivery: 'http' });
    await settle();
    expect(calls[0]!.url).toBe('http://device.local/api/commands/reboot');
    expect(await h.engine.commands.get('default', command.id)).toMatchObject({ status: 'succeeded', result: { ok: true } });
  });
});
