import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventType, type TwinEvent } from '../../src/core/types.ts';
import { testApp } from '../support/app.ts';

const SAMPLES = resolve(import.meta.dirname, '../../../shared/dtdl/samples');

let t: Awaited<ReturnType<typeof testApp>>;
let events: TwinEvent[];
beforeEach(async () => {
  t = await testApp();
  events = [];
  const sub = t.engine.bus.subscribe({});
  void (async () => {
    for await (const e of sub) events.push(e);
  })();
});
afterEach(() => t.close());

const hvac = {
  id: 'hvac_controller',
  properties: {
    mode: { type: 'enum', values: ['off', 'cool', 'heat', 'auto'] },
    setpoint: { type: 'float', unit: 'celsius' },
    fan_speed: { type: 'enum', values: ['low', 'medium', 'high', 'auto'] },
    power_state: { type: 'boolean' },
  },
  telemetry: ['current_temperature', 'current_humidity', 'power_consumption'],
  commands: { set_mode: { params: { mode: { type: 'enum', values: ['off', 'cool', 'heat', 'auto'] } } }, power_toggle: {} },
};

describe('models API', () => {
  it('stores the compact seed model and lists it; dry_run validates without storing', async () => {
    const dry = await t.app.inject({ method: 'POST', url: '/api/models?dry_run=true', payload: hvac });
    expect(dry.statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/api/models' })).json().items).toEqual([]);
    const created = await t.app.inject({ method: 'POST', url: '/api/models', payload: hvac });
    expect(created.statusCode).toBe(201);
    expect(created.json().items[0].summary).toEqual({ properties: 4, telemetry: 3, commands: 2, relationships: 0, components: 0 });
    expect((await t.app.inject({ method: 'GET', url: '/api/models' })).json().items.map((m: { id: string }) => m.id)).toEqual(['hvac_controller']);
  });

  it('compiles the DTDL samples (Thermostat, TemperatureController with components) and lists every problem of a bad one', async () => {
    const docs = ['Thermostat.json', 'TemperatureController.json'].map((f) => JSON.parse(readFileSync(resolve(SAMPLES, f), 'utf8')));
    // The controller's third component comes from Azure's public repository; a stored model may stand in for it.
    const info = { '@context': 'dtmi:dtdl:context;2', '@id': 'dtmi:azure:DeviceManagement:DeviceInformation;1', '@type': 'Interface', contents: [{ '@type': 'Property', name: 'manufacturer', schema: 'string' }] };
    expect((await t.app.inject({ method: 'POST', url: '/api/models', payload: info })).statusCode).toBe(201);
    const created = await t.app.inject({ method: 'POST', url: '/api/models', payload: docs });
    expect(created.statusCode).toBe(201);
    const controller = (await t.app.inject({ method: 'GET', url: `/api/models/${encodeURIComponent('dtmi:com:example:TemperatureController;1')}` })).json();
    expect(Object.keys(controller.components)).toEqual(['thermostat1', 'thermostat2', 'deviceInformation']);
    const thermostat = (await t.app.inject({ method: 'GET', url: `/api/models/${encodeURIComponent('dtmi:com:example:Thermostat;1')}` })).json();
    expect(thermostat.properties.targetTemperature).toMatchObject({ writable: true, semanticType: 'Temperature', unit: 'degreeCelsius' });
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/models',
      payload: { '@context': 'dtmi:dtdl:context;3', '@id': 'dtmi:x:y;1', '@type': 'Interface', contents: [{ '@type': 'Property', name: '1bad' }] },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.map((d: { path: string }) => d.path)).toEqual(expect.arrayContaining(['[0].contents[0].name', '[0].contents[0].schema']));
  });

  it('rejects a telemetry value of the wrong type naming twin, field, expected and actual type, and keeps the rest', async () => {
    await t.app.inject({ method: 'POST', url: '/api/models', payload: { id: 'sensor', properties: { temperature: { type: 'float' }, battery: { type: 'float' } }, telemetry: ['temperature', 'battery'] } });
    await t.app.inject({ method: 'POST', url: '/api/registry/twins', payload: { id: 's1', model: 'sensor' } });
    const res = await t.app.inject({ method: 'POST', url: '/api/twins/s1/telemetry', payload: { temperature: 'hot', battery: 80, other: 'x' } });
    expect(res.statusCode).toBeLessThan(300);
    await t.engine.flush();
    const latest = (await t.app.inject({ method: 'GET', url: '/api/twins/s1/telemetry/latest' })).json();
    expect(JSON.stringify(latest)).toContain('battery');
    expect(JSON.stringify(latest)).not.toContain('hot');
    const rejected = events.find((e) => e.type === EventType.IngestRejected);
    expect(rejected?.data).toMatchObject({ reason: 'invalid_value', field: 'temperature' });
    expect(String(rejected?.data.message)).toMatch(/twin "s1" field "temperature": expected double, got a string/);
  });

  it('checks reported and desired state against the model: types, enums, writable', async () => {
    await t.app.inject({ method: 'POST', url: '/api/models', payload: { ...hvac, properties: { ...hvac.properties, firmware: { type: 'string', writable: false } } } });
    await t.app.inject({ method: 'POST', url: '/api/registry/twins', payload: { id: 'h1', model: 'hvac_controller' } });
    const bad = await t.app.inject({ method: 'PATCH', url: '/api/twins/h1/state', payload: { state: { desired: { mode: 'boost', setpoint: '22', firmware: '2.0' } } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.map((d: { path: string }) => d.path)).toEqual(['state.desired.mode', 'state.desired.setpoint', 'state.desired.firmware']);
    const ok = await t.app.inject({ method: 'PATCH', url: '/api/twins/h1/state', payload: { state: { desired: { mode: 'cool', setpoint: 22.5 }, reported: { firmware: '1.0' } } } });
    expect(ok.statusCode).toBe(200);
  });
});
