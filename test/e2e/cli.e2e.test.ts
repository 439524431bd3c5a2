import { createServer, type Server } from 'node:net';
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStorage } from '../../src/adapters/open-storage.ts';
import type { Twin } from '../../src/core/types.ts';
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
    expect(real.stdout).toContain('1 created, 0 updated, 0 unchanged, 0 deprecated, 1 invalid');
    const again = spawnSync(process.execPath, [BIN, 'register', twins, '--store', store, '--dry-run'], { encoding: 'utf8', timeout: 20_000 });
    expect(again.stdout).toContain('0 created, 0 updated, 1 unchanged, 0 deprecated, 1 invalid');
  });

  it('follows edits, additions and removals with `register --watch` within a second; a removed file deprecates its twin', async () => {
    const twins = join(dir.path, 'twins');
    await mkdir(join(twins, 'a'), { recursive: true });
    await writeFile(join(twins, 'a', 'twin.yaml'), 'id: pump-1\nname: Pump 1\n');
    const file = join(dir.path, 'reg.db');
    const child = spawn(process.execPath, [BIN, 'register', twins, '--store', `sqlite:${file}`, '--watch'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const store = await openStorage(`sqlite:${file}`);
    // Within a second of the file change, as `register --watch` promises; polled, since the store is another process's.
    const follows = async (id: string, ok: (twin: Twin | undefined) => boolean): Promise<Twin | undefined> => {
      const deadline = Date.now() + 1000;
      for (;;) {
        const twin = await store.twins.getTwin('default', id);
        if (ok(twin)) return twin;
        if (Date.now() > deadline) throw new Error(`${id} did not follow within 1 s: ${JSON.stringify(twin)}\n${output}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    try {
      const started = Date.now();
      while (!output.includes('watching ')) {
        if (Date.now() - started > 20_000) throw new Error(`register --watch did not start:\n${output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect((await store.twins.getTwin('default', 'pump-1'))?.metadata.registeredFrom).toBe(join(twins, 'a', 'twin.yaml'));

      await writeFile(join(twins, 'a', 'twin.yaml'), 'id: pump-1\nname: Pump One\n');
      await follows('pump-1', (t) => t?.name === 'Pump One');

      await mkdir(join(twins, 'b', 'deep'), { recursive: true });
      await writeFile(join(twins, 'b', 'deep', 'twin.yaml'), 'id: valve-1\ngroups: [valves]\n');
      await follows('valve-1', (t) => t?.status === 'active' && t.groups.includes('valves'));

      await rm(join(twins, 'a', 'twin.yaml'));
      await follows('pump-1', (t) => t?.status === 'deprecated');
      expect((await store.twins.getTwin('default', 'valve-1'))?.status).toBe('active');

      // A file that comes back brings its twin back.
      await writeFile(join(twins, 'a', 'twin.yaml'), 'id: pump-1\nname: Pump One\n');
      await follows('pump-1', (t) => t?.status === 'active');
      expect(output).toContain('deprecated: default/pump-1');
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      await store.close();
    }
  });

  it('prints created, updated fields and deprecated twins with `register --dry-run`', async () => {
    const twins = join(dir.path, 'twins');
    await mkdir(join(twins, 'a'), { recursive: true });
    await mkdir(join(twins, 'b'), { recursive: true });
    await writeFile(join(twins, 'a', 'twin.yaml'), 'id: pump-1\nname: Pump 1\n');
    await writeFile(join(twins, 'b', 'twin.yaml'), 'id: valve-1\n');
    const store = `sqlite:${join(dir.path, 'reg.db')}`;
    expect(spawnSync(process.execPath, [BIN, 'register', twins, '--store', store], { encoding: 'utf8', timeout: 20_000 }).status).toBe(0);
    await writeFile(join(twins, 'a', 'twin.yaml'), 'id: pump-1\nname: Pump One\ngroups: [pumps]\n');
    await rm(join(twins, 'b'), { recursive: true });
    await mkdir(join(twins, 'c'), { recursive: true });
    await writeFile(join(twins, 'c', 'twin.yml'), 'id: tank-1\n');
    const dry = spawnSync(process.execPath, [BIN, 'register', twins, '--store', store, '--dry-run'], { encoding: 'utf8', timeout: 20_000 });
    expect(dry.stdout).toContain('would be updated name, groups: default/pump-1');
    expect(dry.stdout).toContain('would be created: default/tank-1');
    expect(dry.stdout).toContain('would be deprecated: default/valve-1');
    expect(dry.stdout).toContain('1 created, 1 updated, 0 unchanged, 1 deprecated, 0 invalid (dry run: nothing written)');
    const again = spawnSync(process.execPath, [BIN, 'register', twins, '--store', store, '--dry-run'], { encoding: 'utf8', timeout: 20_000 });
    expect(again.stdout).toContain('would be deprecated: default/valve-1');
  });
});
