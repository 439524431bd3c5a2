import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, tempDir, type RunningCli } from '../support/cli.ts';
import { openSse } from '../support/sse.ts';

/**
 * The iotflow seed's loop, through `twinflow up`: a sensor's reading matches a workflow pattern, whose action runs
 * the `activate_cooling` command sequence on the nearest HVAC controller; the controller (an MQTT client here)
 * answers each command and the sequence completes in order. The controller's model also fences its parameters.
 */
let dir: Awaited<ReturnType<typeof tempDir>>;
let cli: RunningCli;

beforeAll(async () => {
  dir = await tempDir();
  const twin = async (id: string, body: string) => {
    await mkdir(join(dir.path, 'twins', id), { recursive: true });
    await writeFile(join(dir.path, 'twins', id, 'twin.yaml'), `id: ${id}\n${body}`);
  };
  await twin('sensor-1', 'groups: [temperature_sensors]\ndimensions: {building: b1, floor: "1", zone: east}\n');
  await twin('hvac-1', 'model: hvac_controller\ngroups: [hvac_controllers]\ndimensions: {building: b1, floor: "1", zone: east}\n');
  await twin('hvac-2', 'model: hvac_controller\ngroups: [hvac_controllers]\ndimensions: {building: b2, floor: "3", zone: west}\n');
  await mkdir(join(dir.path, 'models'));
  await writeFile(
    join(dir.path, 'models', 'hvac.yaml'),
    `id: hvac_controller
properties:
  mode: {type: enum, values: [off, cool, heat, auto]}
  setpoint: {type: float, unit: celsius}
telemetry: [current_temperature]
commands:
  set_mode: {params: {mode: {type: enum, values: [off, cool, heat, auto]}}}
  set_temperature: {params: {temperature: {type: float}}}
  set_fan_speed: {params: {speed: {type: enum, values: [low, medium, high, auto]}}}
`,
  );
  await writeFile(
    join(dir.path, 'cooling.yaml'),
    `name: hvac_optimization
stream_processors:
  temperature_monitoring:
    sources: [{group: temperature_sensors}]
    patterns:
      - name: too_hot
        condition: temperature > 30
        actions: [activate_cooling]
command_sequences:
  activate_cooling:
    target: {group: hvac_controllers, selection: nearest, parameters: {to_device: context.device_id}}
    steps:
      - {command: set_mode, parameters: {mode: cool}}
      - {command: set_temperature, parameters: {temperature: 23.5}}
      - {command: set_fan_speed, parameters: {speed: auto}}
    error_handling: {strategy: retry, max_attempts: 3, backoff: exponential}
`,
  );
  await writeFile(
    join(dir.path, 'twinflow.yaml'),
    'models: [./models/*.yaml]\nworkflows: [./cooling.yaml]\nsimulator:\n  enabled: false\n',
  );
  cli = await startCli(['up', dir.path, '--http-port', '0', '--mqtt-port', '0', '--data', join(dir.path, 'data')], {
    readyFile: join(dir.path, 'ready.json'),
  });
}, 30_000);

afterAll(async () => {
  expect(await cli?.stop()).toBe(0);
  await dir?.remove();
});

describe('closed loop: pattern → command sequence → device', () => {
  it('runs activate_cooling on the nearest controller, step by step, when a sensor gets hot', async () => {
    const received: string[] = [];
    const controller = await mqtt.connectAsync(cli.mqtt, { clientId: 'hvac-1-device' });
    await controller.subscribeAsync('tf/default/+/commands/+', { qos: 1 });
    controller.on('message', (topic, payload) => {
      const [, , twin, , name] = topic.split('/');
      if (name === 'response') return;
      const command = JSON.parse(payload.toString()) as { id: string; params: Record<string, unknown> };
      received.push(`${twin}:${name}:${JSON.stringify(command.params)}`);
      void controller.publishAsync(`tf/default/${twin}/commands/response`, JSON.stringify({ id: command.id, status: 'succeeded' }), { qos: 1 });
    });
    const sse = await openSse(`${cli.http}/api/portal/stream?types=pattern.detected,command.status`);

    const sensor = await mqtt.connectAsync(cli.mqtt);
    await sensor.publishAsync('tf/default/sensor-1/telemetry', JSON.stringify({ temperature: 34.5 }), { qos: 1 });
    await sensor.endAsync();

    const deadline = Date.now() + 15_000;
    while (received.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(received).toEqual([
      'hvac-1:set_mode:{"mode":"cool"}',
      'hvac-1:set_temperature:{"temperature":23.5}',
      'hvac-1:set_fan_speed:{"speed":"auto"}',
    ]);
    const frames = await sse.take(1);
    expect(frames[0]!.data).toMatchObject({ type: 'pattern.detected', data: expect.objectContaining({ pattern: 'too_hot' }) });
    sse.close();
    await controller.endAsync();
  }, 30_000);

  it("refuses a command whose parameters break the twin's model, naming the parameter", async () => {
    const res = await fetch(`${cli.http}/api/twins/hvac-1/commands/set_mode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ params: { mode: 'warp' } }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { details: { path: string }[] } };
    expect(body.error.details.map((d) => d.path).join(' ')).toContain('mode');
  });
});
