/**
 * The twinflow configuration file (DESIGN.md §5.1) as a zod schema. The PyEdgeTwin seed's `config.yaml`
 * (runtime / mqtt / model / sinks) is valid as it is; the rest are twinflow's additions.
 *
 * Values substituted from the environment arrive as strings, so numbers and booleans also accept their
 * decimal / `true` / `false` spelling. An empty section (`http:` with nothing under it) counts as absent.
 * Durations (`30s`, `1h`; a bare number is milliseconds) come out as milliseconds.
 */
import { z } from 'zod';
import { checkTenant, checkTwinId, DEFAULT_TENANT } from '../core/ids.ts';
import { nonJsonProblem } from '../core/json.ts';
import { splitPath } from '../core/problem-path.ts';
import type { JsonObject } from '../core/types.ts';
import { parseDuration } from '../core/duration.ts';
import { parseTwinSyncSection } from '../core/twin/shadow-sync.ts';

export const UnknownTwins = { Reject: 'reject', Register: 'register' } as const;
export type UnknownTwins = (typeof UnknownTwins)[keyof typeof UnknownTwins];

/** What a token may do; `admin` may do everything, `device` may only send telemetry and state. */
export const AuthRole = { Admin: 'admin', Operator: 'operator', Viewer: 'viewer', Device: 'device' } as const;
export type AuthRole = (typeof AuthRole)[keyof typeof AuthRole];

export const LogLevel = {
  Fatal: 'fatal',
  Error: 'error',
  Warn: 'warn',
  Info: 'info',
  Debug: 'debug',
  Trace: 'trace',
  Silent: 'silent',
} as const;
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

/** A token's tenant may be this to reach every tenant. */
export const ANY_TENANT = '*';

export const CONFIG_DEFAULTS = {
  tenant: DEFAULT_TENANT,
  httpHost: '127.0.0.1',
  httpPort: 8080,
  mqttQos: 1,
  mqttRoot: 'tf',
  storageUrl: 'sqlite:./data/twinflow.db',
  twins: './twins',
  ingestMaxBytes: 65_536,
  batchMaxRows: 2_000,
  batchMaxDelayMs: 5,
  logLevel: LogLevel.Info,
  simulationTtl: '1h',
  workers: 1,
} as const;

const PORT = 'must be 1-65535';
const PORT_OR_ZERO = 'must be 1-65535, or 0 to pick a free port';
const MQTT_SCHEMES = ['mqtt:', 'mqtts:', 'tcp:', 'tls:', 'ssl:', 'ws:', 'wss:'];

// --- building blocks -------------------------------------------------------------------------------------

/** A schema's own message replaces zod's, "required" included; this keeps "required" for a missing value. */
function orRequired(message: string) {
  return (issue: { input?: unknown }) => (issue.input === undefined ? 'required' : message);
}

const DECIMAL = /^\s*-?\d+(\.\d+)?\s*$/;

function toNumber(v: unknown): unknown {
  return typeof v === 'string' && DECIMAL.test(v) ? Number(v) : v;
}

function toBoolean(v: unknown): unknown {
  if (v === 'true') return true;
  if (v === 'false') return false;
  return v;
}

function integer(min: number, max: number, message: string) {
  return z.preprocess(toNumber, z.int({ error: orRequired(message) }).min(min, { error: message }).max(max, { error: message }));
}

const flag = z.preprocess(toBoolean, z.boolean({ error: orRequired('must be true or false') }));

const text = z.string().refine((s) => s.trim() !== '', { error: 'must not be empty' });

/** A section object; null (a key with nothing under it) is the empty section. */
function section<S extends z.ZodRawShape>(shape: S) {
  return z.preprocess((v) => v ?? {}, z.strictObject(shape));
}

/** An optional section: absent and null both leave it out. */
function optionalSection<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => (v === null ? undefined : v), schema.optional());
}

/** A path or glob, or a list of them; always a list afterwards. */
const pathList = z.preprocess(
  (v) => (typeof v === 'string' ? [v] : v),
  z.array(text, { error: orRequired('must be a path or a list of paths') }),
);

const jsonObject = z
  .record(z.string(), z.unknown(), { error: orRequired('must be a mapping (key: value)') })
  .superRefine((value, ctx) => {
    const problem = nonJsonProblem(value, '');
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem.message, path: splitPath(problem.path) });
  })
  .transform((v) => v as JsonObject);

function idField(check: (value: unknown) => string | undefined) {
  return z.string({ error: orRequired('must be a string') }).superRefine((value, ctx) => {
    const problem = check(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });
}

const tenant = idField(checkTenant);
const twinId = idField(checkTwinId);

/** Milliseconds; a bare number is milliseconds too, as everywhere in twinflow. */
const duration = z
  .union([z.string(), z.number()], { error: orRequired('must be a duration such as 30s, 5m or 1h') })
  .transform((v, ctx) => {
    const ms = parseDuration(v);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `must be a duration such as 30s, 5m or 1h, not ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    return ms;
  });

function topicFilterProblem(filter: string): string | undefined {
  if (filter === '') return 'must not be empty';
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i] ?? '';
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) return "is not an MQTT topic filter: '#' must be a whole level and the last one";
    if (level.includes('+') && level !== '+') return "is not an MQTT topic filter: '+' must be a whole level";
  }
  return undefined;
}

const topicFilter = z.string({ error: orRequired('must be a string') }).superRefine((s, ctx) => {
  const problem = topicFilterProblem(s);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

const topicRoot = z.string({ error: orRequired('must be a string') }).superRefine((s, ctx) => {
  if (s === '' || s.startsWith('/') || s.endsWith('/') || /[+#]/.test(s)) {
    ctx.addIssue({ code: 'custom', message: "must be topic levels without wildcards or a leading or trailing '/', such as tf" });
  }
});

const mqttUrl = z.string({ error: orRequired('must be a string') }).superRefine((s, ctx) => {
  const url = URL.canParse(s) ? new URL(s) : undefined;
  if (url === undefined || !MQTT_SCHEMES.includes(url.protocol)) {
    ctx.addIssue({ code: 'custom', message: `must be a broker URL such as mqtt://localhost:1883 (mqtt, mqtts, ws or wss), not ${JSON.stringify(s)}` });
  }
});

const storageUrl = z.string({ error: orRequired('must be a string') }).superRefine((s, ctx) => {
  const ok = (s.startsWith('sqlite:') && s.length > 'sqlite:'.length) || s === 'memory:' || /^postgres(ql)?:\/\/./.test(s);
  if (!ok) ctx.addIssue({ code: 'custom', message: `must be sqlite:PATH, postgres://… or memory:, not ${JSON.stringify(s)}` });
});

// --- sections ----------------------------------------------------------------------------------------------

const http = section({
  host: text.default(CONFIG_DEFAULTS.httpHost),
  port: integer(0, 65535, PORT_OR_ZERO).default(CONFIG_DEFAULTS.httpPort),
});

const mqtt = section({
  /** The broker to connect to; when given, it wins over `host`/`port` (the PyEdgeTwin seed's spelling). */
  url: mqttUrl.optional(),
  /** With `embedded`, the address the broker listens on; otherwise the broker to connect to. */
  host: text.optional(),
  port: integer(0, 65535, PORT).optional(),
  /** Run the aedes broker in-process. @default true when neither url nor host is given */
  embedded: flag.optional(),
  topics: z.array(topicFilter, { error: orRequired('must be a list of topic filters') }).default([]),
  qos: z.preprocess(toNumber, z.literal([0, 1], { error: orRequired('must be 0 or 1') })).default(CONFIG_DEFAULTS.mqttQos),
  root: topicRoot.default(CONFIG_DEFAULTS.mqttRoot),
  client_id: text.optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  /** Seconds. */
  keepalive: integer(0, 65535, 'must be 0-65535 seconds').optional(),
})
  .transform((m) => ({ ...m, embedded: m.embedded ?? (m.url === undefined && m.host === undefined) }))
  .superRefine((m, ctx) => {
    if (m.port === 0 && !m.embedded) {
      ctx.addIssue({ code: 'custom', path: ['port'], message: `${PORT} (0, a free port, is only for the embedded broker)` });
    }
  });

const storage = section({
  url: storageUrl.default(CONFIG_DEFAULTS.storageUrl),
});

const influxdb = z.looseObject({
  url: z.url({ error: orRequired('must be a URL') }),
  database: text,
  username: z.string().optional(),
  password: z.string().optional(),
  measurement: text.optional(),
});

const influxdb2 = z.looseObject({
  url: z.url({ error: orRequired('must be a URL') }),
  token: text,
  org: text,
  bucket: text,
  measurement: text.optional(),
});

const csv = z.looseObject({ path: text });

const sinks = section({
  influxdb: optionalSection(influxdb),
  influxdb2: optionalSection(influxdb2),
  csv: optionalSection(csv),
  /** `stdout:` with nothing under it turns the sink on. */
  stdout: z.preprocess((v) => (v === null ? {} : v), z.looseObject({}).optional()),
  /** The twinflow store (`storage.url`) as a sink of `twinflow run`; `store:` with nothing under it turns it on. */
  store: z.preprocess((v) => (v === null ? {} : v), z.looseObject({}).optional()),
});

const auth = section({
  tokens: z
    .array(
      z.strictObject({
        token: text,
        tenant: z.union([z.literal(ANY_TENANT), tenant], { error: orRequired(`must be a tenant or "${ANY_TENANT}"`) }),
        role: z.enum(Object.values(AuthRole) as [AuthRole, ...AuthRole[]], {
          error: orRequired(`must be one of ${Object.values(AuthRole).join(', ')}`),
        }),
      }),
    )
    .default([]),
});

/** Scenario files plus simulator settings that belong to the simulator (kept as written). */
const simulator = z.preprocess(
  (v) => v ?? {},
  z.looseObject({
    enabled: flag.default(true),
    scenarios: pathList.default([]),
  }),
);

const ingest = section({
  unknown_twins: z
    .enum([UnknownTwins.Reject, UnknownTwins.Register], { error: orRequired('must be reject or register') })
    .default(UnknownTwins.Reject),
  max_bytes: integer(1, 256 * 1024 * 1024, 'must be a byte count of at least 1').default(CONFIG_DEFAULTS.ingestMaxBytes),
  batch: section({
    max_rows: integer(1, 1_000_000, 'must be 1-1000000').default(CONFIG_DEFAULTS.batchMaxRows),
    max_delay_ms: integer(0, 60_000, 'must be 0-60000').default(CONFIG_DEFAULTS.batchMaxDelayMs),
  }),
});

/** Command orchestration (DESIGN §4 Command): defaults of single commands, offline detection, sequences. */
const commands = section({
  /** Per-attempt timeout of a command that names none, in ms. @default 10s */
  timeout: duration.default(10_000),
  /** Retries after the first attempt of a command that names none. @default 2 */
  retries: integer(0, 100, 'must be 0-100').default(2),
  /** A device silent this long counts as offline; its commands wait. Off unless set (the MQTT last will still works). */
  offline_after: duration.optional(),
  /** Command sequences by name, in the shape of a workflow's `command_sequences` section. */
  sequences: z.preprocess((v) => v ?? {}, jsonObject),
});

/**
 * Twin sync per device group (DESIGN §5.5), in the shape of a workflow's `twin_sync` section; group `*` covers every
 * twin of the tenant. Checked here with the engine's own parser, so that a mistake stops the start with its path.
 */
const twinSync = jsonObject.superRefine((groups, ctx) => {
  for (const [group, settings] of Object.entries(groups)) {
    const parsed = parseTwinSyncSection(settings);
    if (parsed.ok) continue;
    for (const problem of parsed.problems) ctx.addIssue({ code: 'custom', message: problem.message, path: [group, ...splitPath(problem.path)] });
  }
});

const log = section({
  level: z
    .enum(Object.values(LogLevel) as [LogLevel, ...LogLevel[]], { error: orRequired(`must be one of ${Object.values(LogLevel).join(', ')}`) })
    .default(CONFIG_DEFAULTS.logLevel),
});

const simulation = section({
  /** Idle time after which a session expires, in milliseconds. @default 1h */
  ttl: duration.default(parseDuration(CONFIG_DEFAULTS.simulationTtl) ?? 3_600_000),
  /** Where sessions live: `memory` (one process) or `redis://host:port/db` (shared, survives restarts). @default memory */
  store: z
    .string({ error: orRequired('must be "memory" or a redis:// URL') })
    .refine((s) => s === 'memory' || (URL.canParse(s) && ['redis:', 'rediss:'].includes(new URL(s).protocol)), {
      error: 'must be "memory" or a redis:// (or rediss://) URL',
    })
    .optional(),
});

/** The PyEdgeTwin seed's `runtime` section, for `twinflow run`. */
const runtime = z.strictObject({
  twin_id: twinId,
  asset_id: text.optional(),
  workers: integer(1, 1024, 'must be 1-1024').default(CONFIG_DEFAULTS.workers),
  /** Seeds the blocks' randomness, for reproducible runs. @default 1 */
  seed: integer(0, 2 ** 31 - 1, 'must be an integer 0-2147483647').optional(),
});

/** The PyEdgeTwin seed's `model` section: one block, by built-in name (`use`) or `module_path`. */
const model = z
  .strictObject({
    use: text.optional(),
    module_path: text.optional(),
    input: text.optional(),
    version: text.optional(),
    params: z.preprocess((v) => v ?? {}, jsonObject),
  })
  .superRefine((m, ctx) => {
    if (m.use === undefined && m.module_path === undefined) {
      ctx.addIssue({ code: 'custom', message: 'needs "use" (a built-in block name) or "module_path"' });
    } else if (m.use !== undefined && m.module_path !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'give "use" or "module_path", not both' });
    }
  });

export const twinflowConfigSchema = z.preprocess(
  (v) => v ?? {},
  z.strictObject({
    tenant: tenant.default(CONFIG_DEFAULTS.tenant),
    http,
    mqtt,
    storage,
    /** Folders searched recursively for twin.yaml files, or twin.yaml files themselves. */
    twins: pathList.default([CONFIG_DEFAULTS.twins]),
    /** Compact models or DTDL v3 files (paths or globs). */
    models: pathList.default([]),
    workflows: pathList.default([]),
    sinks,
    auth,
    simulator,
    ingest,
    commands,
    log,
    simulation,
    runtime: optionalSection(runtime),
    model: optionalSection(model),
    twin_sync: optionalSection(twinSync),
  }),
);

/** A validated configuration with every default applied and every relative path made absolute. */
export type TwinflowConfig = z.output<typeof twinflowConfigSchema>;
