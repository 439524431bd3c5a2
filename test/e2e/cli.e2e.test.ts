import { createServer, type Server } from 'node:net';
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCli, tempDir } from '../support/cli.ts';

const BIN = resolve(import.meta.dirname, '../../bin/twinflow.js');
let dir: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => (dir = await tempDir()));
afterEach(() => dir.remove());

function occupy(): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen({ host: '127.0.0.1', port: 0 }, () => resolve(server));
  });
}

describe('twinflow CLI', () => {
  it('says which port is taken and takes the next free one, for HTTP and MQTT', async () => {
    const http = await occupy();
    const mqtt = await occupy();
    const httpPort = (http.address() as { port: number }).port;
    const mqttPort = (mqtt.address() as { port: number }).port;
    try {
      const cli = await startCli(['up', dir.path, '--http-port', String(httpPort), '--mqtt-port', String(mqttPort), '--data', join(dir.path, 'data'), '--no-sim'], {
        readyFile: join(dir.path, 'ready.json'),
      });
      expect(Number(new URL(cli.http).port)).toBeGreaterThan(httpPort);
      expect(Number(new URL(cli.mqtt).port)).toBeGreaterThan(mqttPort);
      expect(cli.output()).toContain(`HTTP port ${httpPort} is taken`);
      expect(cli.output()).toContain(`MQTT port ${mqttPort} is taken`);
      expect(await cli.stop()).toBe(0);
    } finally {
      http.close();
      mqtt.close();
    }
  });

  it('refuses a broken config file at start, listing every problem as path: message', async () => {
    await writeFile(join(dir.path, 'twinflow.yaml'), 'http:\n  port: 70000\n  prot: 1\nmqtt:\n  qos: 2\ningest:\n  unknown_twins: maybe\n');
    const run = spawnSync(process.execPath, [BIN, 'up', dir.path], { encoding: 'utf8', timeout: 20_000 });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('http.port: must be 1-65535');
    expect(run.stderr).toMatch(/http\.prot: unknown key/);
    expect(run.stderr).toMatch(/mqtt\.qos: /);
    expect(run.stderr).toMatch(/ingest\.unknown_twins: /);
  });

  it('registers twin.yaml files with `register`, printing what changed, and a dry run writes nothing', async () => {
    const twins = join(dir.path, 'twins');
    await mkdir(join(twins, 'a'), { recursive: true });
    await mkdir(join(twins, 'b'), { recursive: true });
    await writeFile(join(twins, 'a', 'twin.yaml'), 'id: pump-1\nname: Pump 1\n');
    await writeFile(join(twins, 'b', 'twin.yaml'), 'id: bad id\n');
    const store = `sqlite:${join(dir.path, 'reg.db')}`;
    const dry = spawnSync(process.execPath, [BIN, 'register', twins, '--store', store, '--dry-run'], { encoding: 'utf8', timeout: 20_000 });
    expect(dry.stdout).toContain('would be created: default/pump-1');
    expect(dry.stdout).toMatch(/invalid: .*b\/twin\.yaml/);
    expect(dry.status).toBe(1);
    const real = spawnSync(process.execPath, [BIN, 'register', twins, '--store', store], { encoding: 'utf8', timeout: 20_000 });
    expect(real.stdout).toContain('1 created, 0 updated, 0 unchanged, 1 invalid');
    const again = spawnSync(process.execPath, [BIN, 'register', twins, '--store', store, '--dry-run'], { encoding: 'utf8', timeout: 20_000 });
    expect(again.stdout).toContain('0 created, 0 updated, 1 unchanged, 1 invalid');
  });
});
