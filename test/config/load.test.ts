import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { ErrorCode, TwinflowError, ValidationError } from '../../src/core/errors.ts';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const SEED = join(FIXTURES, 'pyedgetwin-config.yaml');

describe('loadConfig: the PyEdgeTwin seed config.yaml', () => {
  it('given the seed file unchanged and INFLUXDB_TOKEN set, then it loads with the seed’s values', async () => {
    const config = await loadConfig({ file: SEED, env: { INFLUXDB_TOKEN: 'secret-token' } });

    expect(config.runtime).toEqual({ twin_id: 'motor-twin-001', asset_id: 'motor-001', workers: 1 });
    expect(config.mqtt).toEqual({
      host: 'localhost',
      port: 1883,
      topics: ['sensors/motor-001/temperature'],
      qos: 1,
      root: 'tf',
      embedded: false,
    });
    expect(config.model).toEqual({
      module_path: 'mymodels.kalman:KalmanFilter',
      version: '1.0.0',
      params: { process_noise: 0.01, measurement_noise: 0.1 },
    });
    expect(config.sinks).toEqual({
      influxdb2: { url: 'http://localhost:8086', token: 'secret-token', org: 'myorg', bucket: 'twins' },
    });
  });

  it('given the seed file without INFLUXDB_TOKEN, then the one problem names the variable and where it is used', async () => {
    const error = await loadConfig({ file: SEED, env: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details).toEqual([
      {
        path: 'sinks.influxdb2.token',
        message: 'environment variable INFLUXDB_TOKEN is not set (${INFLUXDB_TOKEN:-default} gives a default)',
      },
    ]);
    expect((error as Error).message).toMatch(/^config .*pyedgetwin-config\.yaml is invalid:\n {2}sinks\.influxdb2\.token: /);
  });
});

describe('loadConfig: files', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'twinflow-config-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('given a file in another folder, then its relative paths resolve against that folder and flags against cwd', async () => {
    const file = join(dir, 'site.yaml');
    await writeFile(file, 'twins: ./twins\nstorage: {url: "sqlite:./data/site.db"}\nhttp: {port: 9000}\n');

    const config = await loadConfig({ file, env: {}, overrides: { http: { port: 0 }, models: ['./m/*.yaml'] }, cwd: '/srv/run' });

    expect(config.twins).toEqual([join(dir, 'twins')]);
    expect(config.storage.url).toBe(`sqlite:${join(dir, 'data/site.db')}`);
    expect(config.http.port).toBe(0);
    expect(config.models).toEqual(['/srv/run/m/*.yaml']);
  });

  it('given a file name relative to cwd, then it is read from there', async () => {
    await writeFile(join(dir, 'tf.yaml'), 'tenant: acme\n');
    expect((await loadConfig({ file: 'tf.yaml', env: {}, cwd: dir })).tenant).toBe('acme');
  });

  it('given no file, then the defaults and overrides make the config', async () => {
    const config = await loadConfig({ env: {}, overrides: { tenant: 'acme' }, cwd: dir });
    expect(config.tenant).toBe('acme');
    expect(config.storage.url).toBe(`sqlite:${join(dir, 'data/twinflow.db')}`);
  });

  it('given a file that does not exist, then the error names it', async () => {
    const file = join(dir, 'missing.yaml');
    const error = await loadConfig({ file, env: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TwinflowError);
    expect((error as TwinflowError).code).toBe(ErrorCode.InvalidConfig);
    expect((error as Error).message).toBe(`cannot read config ${file}: no such file`);
  });

  it('given a YAML syntax error, then line and column are named', async () => {
    const file = join(dir, 'broken.yaml');
    await writeFile(file, 'http:\n  port: 8080\n   host: x\n');
    const error = await loadConfig({ file, env: {} }).catch((e: unknown) => e);
    expect((error as ValidationError).details).toEqual([
      { path: '', message: 'line 2, column 9: Nested mappings are not allowed in compact mappings' },
      { path: '', message: 'line 2, column 9: Implicit keys need to be on a single line' },
    ]);
  });
});
