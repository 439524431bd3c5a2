import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/engine/clock.ts';
import { roomTemperature } from '../../src/core/sim/room-temperature.ts';
import { blocksApp } from '../support/blocks-app.ts';

type App = Awaited<ReturnType<typeof blocksApp>>;

describe('/simulate (dual-system seed)', () => {
  let t: App;
  let clock: ManualClock;
  beforeEach(async () => {
    clock = new ManualClock(Date.parse('2025-01-01T00:00:00Z'));
    t = await blocksApp({ clock, ttlMs: 60_000 });
  });
  afterEach(() => t.close());

  const post = (url: string, payload: unknown) => t.app.inject({ method: 'POST', url, payload: payload as object, headers: { 'content-type': 'application/json' } });

  it("runs the seed's curl session as written: init, step, state", async () => {
    const init = await post('/simulate/init', { model_name: 'water_tank', params: {} });
    expect(init.statusCode).toBe(200);
    const { session_id } = init.json();
    expect(session_id).toMatch(/^[0-9a-f-]{36}$/);
    const step = await post('/simulate/step', { session_id, control_input: 10.0, delta_time: 1.0 });
    expect(step.statusCode).toBe(200);
    const state = await t.app.inject({ method: 'GET', url: `/simulate/state/${session_id}` });
    expect(state.statusCode).toBe(200);
    const body = state.json();
    expect(body.state).toMatchObject({ time: 1, level: 2, inflow: 10 });
    expect(body.state.overflow).toBeGreaterThan(9);
    const logs = (await t.app.inject({ method: 'GET', url: `/simulate/logs/${session_id}` })).json().logs;
    expect(logs.some((l: { level: string }) => l.level === 'warning')).toBe(true);
  });

  it('steps room_temperature to the analytic solution and keeps the history; reset and params', async () => {
    const { session_id } = (await post('/simulate/init', { model_name: 'room_temperature', params: { initial_temperature: 15 } })).json();
    for (let i = 0; i < 10; i++) expect((await post('/simulate/step', { session_id, control_input: 100, delta_time: 60 })).statusCode).toBe(200);
    const history = (await t.app.inject({ method: 'GET', url: `/simulate/history/${session_id}` })).json().history;
    expect(history).toHaveLength(11);
    const Teq = 20 + 600 * 0.01 * 100;
    const exact = Teq + (15 - Teq) * Math.exp(-600 / 600);
    expect(Math.abs(history[10].temperature - exact) / exact).toBeLessThan(1e-6);
    const patched = await t.app.inject({ method: 'PATCH', url: '/simulate/params', payload: { session_id, params: { time_constant: 300 } } });
    expect(patched.json().params.time_constant).toBe(300);
    const reset = await post('/simulate/reset', { session_id, params: { initial_temperature: 18 } });
    expect(reset.json().state).toEqual({ ...roomTemperature.initial({ initial_temperature: 18 }), time: 0 });
    expect((await t.app.inject({ method: 'GET', url: `/simulate/history/${session_id}` })).json().history).toHaveLength(1);
  });

  it('answers 404 for an unknown session and after the idle time, 422 for bad input', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/simulate/state/nope' })).statusCode).toBe(404);
    expect((await post('/simulate/step', { session_id: 'nope', control_input: 1, delta_time: 1 })).json().error.code).toBe('session_not_found');
    const { session_id } = (await post('/simulate/init', { model_name: 'water_tank' })).json();
    const negative = await post('/simulate/step', { session_id, control_input: 1, delta_time: -1 });
    expect(negative.statusCode).toBe(422);
    expect(negative.json().error.details[0].path).toBe('delta_time');
    expect((await post('/simulate/init', { model_name: 'reactor' })).statusCode).toBe(422);
    const bad = await post('/simulate/init', { model_name: 'water_tank', params: { tank_area: -1, colour: 3 } });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.details).toHaveLength(2);
    expect((await t.app.inject({ method: 'PATCH', url: '/simulate/params', payload: { session_id, params: { g: 'x' } } })).statusCode).toBe(422);
    clock.advance(30_000);
    expect((await t.app.inject({ method: 'GET', url: `/simulate/state/${session_id}` })).statusCode).toBe(200);
    clock.advance(61_000);
    expect((await t.app.inject({ method: 'GET', url: `/simulate/state/${session_id}` })).statusCode).toBe(404);
  });

  it('keeps sessions isolated', async () => {
    const a = (await post('/simulate/init', { model_name: 'water_tank' })).json().session_id;
    const b = (await post('/simulate/init', { model_name: 'water_tank' })).json().session_id;
    await post('/simulate/step', { session_id: a, control_input: 0, delta_time: 10 });
    expect((await t.app.inject({ method: 'GET', url: `/simulate/state/${b}` })).json().state.time).toBe(0);
    expect((await t.app.inject({ method: 'GET', url: `/simulate/state/${a}`, headers: { 'x-tenant': 'other' } })).statusCode).toBe(404);
  });

  it('snapshots and restores a session: the copy goes on exactly as the original', async () => {
    const { session_id } = (await post('/simulate/init', { model_name: 'water_tank' })).json();
    await post('/simulate/step', { session_id, control_input: 0.02, delta_time: 5 });
    const { snapshot } = (await post('/simulate/snapshot', { session_id })).json();
    const copy = (await post('/simulate/restore', { snapshot })).json().session_id;
    expect(copy).not.toBe(session_id);
    const a = (await post('/simulate/step', { session_id, control_input: 0.03, delta_time: 7 })).json().state;
    const b = (await post('/simulate/step', { session_id: copy, control_input: 0.03, delta_time: 7 })).json().state;
    expect(b).toEqual(a);
    expect((await post('/simulate/restore', { snapshot: { format: 'x' } })).statusCode).toBe(422);
  });

  it('forks a live twin (from_twin): its block parameters and its latest value', async () => {
    await t.engine.registry.upsert('default', {
      id: 'room-1', name: 'Room 1',
      blocks: [{ use: 'room-thermal', input: 'temperature', params: { time_constant: 1200, ambient_temperature: 12 } }],
    }, 'test');
    const { durable } = t.engine.ingest.accept('default', 'room-1', { ts: clock.now(), temperature: 21.5, heater_power: 0 });
    clock.advance(10);
    await durable;
    const init = await post('/simulate/init', { model_name: 'room_temperature', from_twin: 'room-1' });
    expect(init.statusCode).toBe(200);
    const state = (await t.app.inject({ method: 'GET', url: `/simulate/state/${init.json().session_id}` })).json();
    expect(state.params).toMatchObject({ time_constant: 1200, ambient_temperature: 12 });
    expect(state.state.temperature).toBeCloseTo(21.5, 6);
    expect((await post('/simulate/init', { model_name: 'water_tank', from_twin: 'room-1' })).statusCode).toBe(422);
    expect((await post('/simulate/init', { model_name: 'water_tank', from_twin: 'ghost' })).statusCode).toBe(404);
  });

  it('lists models, block aliases included', async () => {
    const names = (await t.app.inject({ method: 'GET', url: '/simulate/models' })).json().items.map((m: { name: string }) => m.name);
    expect(names).toEqual(expect.arrayContaining(['water_tank', 'room_temperature', 'room-thermal', 'water-tank']));
  });
});
