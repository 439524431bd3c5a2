import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.ts';
import type { ParseConfigOptions } from '../../src/config/parse.ts';
import { ErrorCode, ValidationError } from '../../src/core/errors.ts';

const CWD = '/work/site';
const SOURCE = '/etc/twinflow/twinflow.yaml';

function parse(text: string, options: Partial<ParseConfigOptions> = {}) {
  return parseConfig(text, { env: {}, sourcePath: SOURCE, cwd: CWD, ...options });
}

/** The `path: message` lines of the ValidationError that `fn` throws. */
function problemLines(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    const e = err as ValidationError;
    expect(e.code).toBe(ErrorCode.InvalidConfig);
    return e.message.split('\n').slice(1).map((l) => l.trim());
  }
  throw new Error('expected a ValidationError');
}

describe('parseConfig: defaults', () => {
  it('given an empty file, then every default is applied: the store relative to the working directory, twins beside the file', () => {
    expect(parse('')).toEqual({
      tenant: 'default',
      http: { host: '127.0.0.1', port: 8080 },
      mqtt: { topics: [], qos: 1, root: 'tf', embedded: true },
      storage: { url: 'sqlite:/work/site/data/twinflow.db' },
      twins: ['/etc/twinflow/twins'],
      models: [],
      workflows: [],
      sinks: {},
      auth: { tokens: [] },
      simulator: { enabled: true, scenarios: [] },
      ingest: { unknown_twins: 'reject', max_bytes: 65536, batch: { max_rows: 2000, max_delay_ms: 5 } },
      commands: { timeout: 10_000, retries: 2, sequences: {} },
      log: { level: 'info' },
      simulation: { ttl: 3_600_000 },
    });
  });

  it('given sections with nothing under them, then they get their defaults', () => {
    const config = parse('http:\nmqtt:\ningest:\n  batch:\n');
    expect(config.http).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(config.ingest.batch).toEqual({ max_rows: 2000, max_delay_ms: 5 });
  });

  it('given a broker url or host, then the embedded broker is off unless asked for', () => {
    expect(parse('mqtt: {host: broker.local}').mqtt.embedded).toBe(false);
    expect(parse('mqtt: {url: "mqtt://broker.local:1883"}').mqtt.embedded).toBe(false);
    expect(parse('mqtt: {url: "mqtt://localhost:1883", embedded: true}').mqtt.embedded).toBe(true);
    expect(parse('mqtt: {port: 1884}').mqtt.embedded).toBe(true);
  });

  it('given durations with units, then they come out in milliseconds', () => {
    expect(parse('commands: {timeout: 2s, offline_after: 1m}').commands).toMatchObject({ timeout: 2000, offline_after: 60_000 });
    expect(parse('simulation: {ttl: 90s}').simulation.ttl).toBe(90_000);
    expect(parse('simulation: {ttl: 500ms}').simulation.ttl).toBe(500);
    expect(parse('simulation: {ttl: 2d}').simulation.ttl).toBe(172_800_000);
    expect(parse('simulation: {ttl: 2500}').simulation.ttl).toBe(2500);
  });

  it('given simulator settings the schema does not know, then they are kept for the simulator', () => {
    expect(parse('simulator: {enabled: false, speed: 10}').simulator).toEqual({ enabled: false, scenarios: [], speed: 10 });
  });
});

describe('parseConfig: ${VAR} substitution', () => {
  it('given ${VAR} and ${VAR:-default}, then each scalar is substituted after parsing', () => {
    const config = parse(
      [
        'tenant: ${TENANT}',
        'http: {host: "${HOST:-0.0.0.0}", port: "${PORT:-8081}"}',
        'mqtt: {url: "mqtt://${BROKER}:${BROKER_PORT:-1883}", topics: ["${SITE}/+/temperature"]}',
        'log: {level: "${LEVEL:-debug}"}',
      ].join('\n'),
      { env: { TENANT: 'acme', BROKER: 'broker.local', SITE: 'plant-7', LEVEL: '' } },
    );
    expect(config.tenant).toBe('acme');
    expect(config.http).toEqual({ host: '0.0.0.0', port: 8081 });
    expect(config.mqtt.url).toBe('mqtt://broker.local:1883');
    expect(config.mqtt.topics).toEqual(['plant-7/+/temperature']);
    // As in a shell, ":-" also takes the default for a variable that is set but empty.
    expect(config.log.level).toBe('debug');
  });

  it('given numbers and booleans from the environment, then they are read as numbers and booleans', () => {
    const config = parse('http: {port: "${PORT}"}\nsimulator: {enabled: "${SIM}"}\nmqtt: {qos: "${QOS}"}', {
      env: { PORT: '9090', SIM: 'false', QOS: '0' },
    });
    expect(config.http.port).toBe(9090);
    expect(config.simulator.enabled).toBe(false);
    expect(config.mqtt.qos).toBe(0);
  });

  it('given a value that looks like YAML, then it stays one string: substitution cannot inject structure', () => {
    const config = parse('auth: {tokens: [{token: "${T}", tenant: "*", role: admin}]}', { env: { T: 'a: [b, c]' } });
    expect(config.auth.tokens[0]?.token).toBe('a: [b, c]');
  });

  it('given $${, then a literal ${ is written', () => {
    const config = parse('auth: {tokens: [{token: "x$${NOT}y", tenant: "*", role: admin}]}');
    expect(config.auth.tokens[0]?.token).toBe('x${NOT}y');
  });

  it('given a variable that is not set and has no default, then the problem is at the path of the value, once', () => {
    expect(problemLines(() => parse('http: {port: "${HTTP_PORT}"}\nsinks: {influxdb2: {url: "http://i:8086", token: "${TOKEN}", org: o, bucket: b}}'))).toEqual([
      'http.port: environment variable HTTP_PORT is not set (${HTTP_PORT:-default} gives a default)',
      'sinks.influxdb2.token: environment variable TOKEN is not set (${TOKEN:-default} gives a default)',
    ]);
  });

  it('given a malformed reference, then it is a problem', () => {
    expect(problemLines(() => parse('log: {level: "${level name}"}\ntenant: "${OPEN"'))).toEqual([
      'log.level: ${level name} is not a variable reference; write ${NAME} or ${NAME:-default}',
      'tenant: has "${" without a closing "}"; write $${ for a literal "${"',
    ]);
  });
});

describe('parseConfig: problems', () => {
  it('given a file with three mistakes, then the error lists three lines', () => {
    const text = ['http:', '  prot: 8080', 'mqtt:', '  host: broker.local', '  port: 70000', 'ingest:', '  unknown_twins: maybe'].join('\n');
    let error: unknown;
    try {
      parse(text);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const e = error as ValidationError;
    expect(e.message).toBe(
      [
        `config ${SOURCE} is invalid:`,
        '  http.prot: unknown key (did you mean "port"?)',
        '  mqtt.port: must be 1-65535',
        '  ingest.unknown_twins: must be reject or register',
      ].join('\n'),
    );
    expect(e.details).toHaveLength(3);
    expect(e.details?.[0]).toEqual({ path: 'http.prot', message: 'unknown key (did you mean "port"?)' });
  });

  it('given many kinds of mistakes, then each is named with its path', () => {
    const text = [
      'tenant: Acme',
      'colour: red',
      'http: {port: -1}',
      'mqtt: {qos: 2, topics: ["a/#/b", "x/y+"], root: "/tf"}',
      'storage: {url: "mysql://db"}',
      'twins: 5',
      'sinks: {csv: {}, kafka: {}}',
      'auth: {tokens: [{token: t, tenant: "*", role: god}, {tenant: acme, role: admin}]}',
      'ingest: {max_bytes: 0, batch: {max_delay_ms: fast}}',
      'log: {level: loud}',
      'simulation: {ttl: soon}',
      'runtime: {twin_id: "bad id"}',
      'model: {version: "1"}',
    ].join('\n');
    expect(problemLines(() => parse(text))).toEqual([
      "tenant: must start with a lowercase letter or a digit, not 'A'",
      'http.port: must be 1-65535, or 0 to pick a free port',
      "mqtt.topics[0]: is not an MQTT topic filter: '#' must be a whole level and the last one",
      "mqtt.topics[1]: is not an MQTT topic filter: '+' must be a whole level",
      'mqtt.qos: must be 0 or 1',
      "mqtt.root: must be topic levels without wildcards or a leading or trailing '/', such as tf",
      'storage.url: must be sqlite:PATH, postgres://… or memory:, not "mysql://db"',
      'twins: must be a path or a list of paths',
      'sinks.csv.path: required',
      'sinks.kafka: unknown key',
      'auth.tokens[0].role: must be one of admin, operator, viewer, device',
      'auth.tokens[1].token: required',
      'ingest.max_bytes: must be a byte count of at least 1',
      'ingest.batch.max_delay_ms: must be 0-60000',
      'log.level: must be one of fatal, error, warn, info, debug, trace, silent',
      'simulation.ttl: must be a duration such as 30s, 5m or 1h, not "soon"',
      "runtime.twin_id: contains U+0020 at position 4; only letters, digits and '.', '_', ':', '-' are allowed",
      'model: needs "use" (a built-in block name) or "module_path"',
      'colour: unknown key',
    ]);
  });

  it('given port 0 for an external broker, then it is refused: only the embedded broker can pick a free port', () => {
    expect(problemLines(() => parse('mqtt: {host: broker.local, port: 0}'))).toEqual([
      'mqtt.port: must be 1-65535 (0, a free port, is only for the embedded broker)',
    ]);
    expect(parse('mqtt: {port: 0}').mqtt.port).toBe(0);
  });

  it('given a YAML syntax error, then the problem names its line and column', () => {
    expect(problemLines(() => parse('http:\n  port: 8080\nmqtt: [1,\nstorage: {}\n'))).toEqual([
      'line 4, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
  });

  it('given a key twice, then the problem names where the second one is', () => {
    expect(problemLines(() => parse('tenant: a\nhttp: {}\ntenant: b\n'))).toEqual(['line 3, column 1: Map keys must be unique']);
  });

  it('given a list instead of a mapping, then that is the problem', () => {
    expect(problemLines(() => parse('- a\n- b\n'))).toEqual(['must be a mapping (key: value), not an array']);
  });

  it('given no source file, then the error says so', () => {
    expect(() => parseConfig('tenant: A', { env: {}, cwd: CWD })).toThrow(/^config \(no file\) is invalid:/);
  });
});

describe('parseConfig: relative paths', () => {
  it('given relative paths in the file, then they resolve against the file’s folder', () => {
    const config = parse(
      [
        'storage: {url: "sqlite:./data/tf.db"}',
        'twins: ./twins',
        'models: [./models/*.yaml, ../shared/models/*.json]',
        'workflows: workflows/*.yaml',
        'simulator: {scenarios: [./scenarios/*.yaml]}',
        'sinks: {csv: {path: out/telemetry.csv}}',
        'model: {module_path: "./blocks/kalman.ts:Kalman"}',
      ].join('\n'),
    );
    expect(config.storage.url).toBe('sqlite:/etc/twinflow/data/tf.db');
    expect(config.twins).toEqual(['/etc/twinflow/twins']);
    expect(config.models).toEqual(['/etc/twinflow/models/*.yaml', '/etc/shared/models/*.json']);
    expect(config.workflows).toEqual(['/etc/twinflow/workflows/*.yaml']);
    expect(config.simulator.scenarios).toEqual(['/etc/twinflow/scenarios/*.yaml']);
    expect(config.sinks.csv?.path).toBe('/etc/twinflow/out/telemetry.csv');
    expect(config.model?.module_path).toBe('/etc/twinflow/blocks/kalman.ts:Kalman');
  });

  it('given a relative file name, then its folder is taken relative to the working directory', () => {
    expect(parse('twins: t', { sourcePath: 'conf/twinflow.yaml' }).twins).toEqual(['/work/site/conf/t']);
    // With no `twins` key, the twins folder is the one beside the config file; the store stays in the working directory.
    const beside = parse('', { sourcePath: 'conf/twinflow.yaml' });
    expect(beside.twins).toEqual(['/work/site/conf/twins']);
    expect(beside.storage.url).toBe('sqlite:/work/site/data/twinflow.db');
  });

  it('given absolute paths, in-memory SQLite and other stores, then they are left as written', () => {
    expect(parse('storage: {url: "sqlite:/var/lib/tf.db"}').storage.url).toBe('sqlite:/var/lib/tf.db');
    expect(parse('storage: {url: "sqlite::memory:"}').storage.url).toBe('sqlite::memory:');
    expect(parse('storage: {url: "memory:"}').storage.url).toBe('memory:');
    expect(parse('storage: {url: "postgres://u@db:5432/tf"}').storage.url).toBe('postgres://u@db:5432/tf');
    expect(parse('twins: [/srv/twins]').twins).toEqual(['/srv/twins']);
  });

  it('given a module_path that names a package, then it is left as written', () => {
    expect(parse('model: {module_path: "mymodels.kalman:KalmanFilter"}').model?.module_path).toBe('mymodels.kalman:KalmanFilter');
  });
});

describe('parseConfig: overrides', () => {
  it('given flags, then they are merged over the file before validation', () => {
    const config = parse('http: {host: 0.0.0.0, port: 9000}\nmqtt: {port: 1884, topics: [a/b]}', {
      overrides: { http: { port: 0 }, mqtt: { topics: ['c/d'] } },
    });
    expect(config.http).toEqual({ host: '0.0.0.0', port: 0 });
    expect(config.mqtt.port).toBe(1884);
    expect(config.mqtt.topics).toEqual(['c/d']);
  });

  it('given flags that were not set (undefined), then the file’s values stand', () => {
    expect(parse('http: {port: 9000}', { overrides: { http: { port: undefined }, tenant: undefined } }).http.port).toBe(9000);
  });

  it('given a relative path in a flag, then it resolves against the working directory', () => {
    const config = parse('storage: {url: "sqlite:./a.db"}', { overrides: { storage: { url: 'sqlite:./b.db' } } });
    expect(config.storage.url).toBe('sqlite:/work/site/b.db');
  });

  it('given an invalid override, then it is reported like a mistake in the file', () => {
    expect(problemLines(() => parse('', { overrides: { http: { port: 70000 } } }))).toEqual([
      'http.port: must be 1-65535, or 0 to pick a free port',
    ]);
  });
});
