/**
 * A stand-in for the twinflow server while the real one is being built: serves `web/dist` and fakes the
 * endpoints the dashboard reads (DESIGN.md §5.8) with a handful of twins and a telemetry generator.
 *
 *   npx vite build web && npx tsx web/dev/fake-server.ts [--port 8090] [--host 127.0.0.1] [--token SECRET] [--dist web/dist] [--extra-twins N]
 *
 * The first stdout line is `{"http": "http://HOST:PORT"}` (port 0, the default, picks a free one).
 * Values are a deterministic function of (twin, field, time), so history and live readings agree.
 *
 * Extra routes for tests, never part of twinflow:
 *   POST /__fake/stream/drop          end every SSE response (the browser resumes with Last-Event-ID)
 *   POST /__fake/stream/refuse?ms=N   answer SSE with 503 for N ms (the browser gives up; the page retries)
 *   POST /__fake/health?registry=down set component states reported by /readyz
 *   GET  /__fake/requests             the last 200 requests: method, url, authorization header
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    token: { type: 'string' },
    dist: { type: 'string', default: fileURLToPath(new URL('../dist', import.meta.url)) },
    /** Adds N generated room sensors (one reading every 5 s each) to see how the overview copes with a big registry. */
    'extra-twins': { type: 'string', default: '0' },
  },
});

const DIST = resolve(args.dist);
const TOKEN = args.token;
const TENANT = 'default';
const started = Date.now();
const SECOND = 1000;
const HEARTBEAT_MS = 15 * SECOND;
const COALESCE_MS = 100;

// ---------------------------------------------------------------------------------------------------------
// Twins and their signals

interface FieldSpec {
  readonly kind: 'number' | 'boolean' | 'string';
  readonly base?: number;
  readonly amp?: number;
  readonly periodS?: number;
  readonly noise?: number;
  readonly decimals?: number;
  readonly choices?: readonly string[];
}

interface FakeTwin {
  twin: Record<string, unknown> & { id: string; name: string; status: string; version: number };
  everyMs: number;
  fields: Record<string, FieldSpec>;
  lastEmitted: number;
}

const num = (base: number, amp: number, periodS: number, noise: number, decimals = 2): FieldSpec => ({ kind: 'number', base, amp, periodS, noise, decimals });

const now0 = new Date(started - 3 * 86_400_000).toISOString();
const twinDoc = (t: Partial<FakeTwin['twin']> & { id: string; name: string }): FakeTwin['twin'] => ({
  tenant: TENANT,
  model: undefined,
  metadata: {},
  interfaces: {},
  dependencies: {},
  relationships: [],
  groups: [],
  dimensions: {},
  blocks: [],
  status: 'active',
  version: 1,
  createdAt: now0,
  updatedAt: now0,
  ...t,
});

const twins = new Map<string, FakeTwin>();
const addTwin = (twin: FakeTwin['twin'], everyMs: number, fields: Record<string, FieldSpec>): void => {
  twins.set(twin.id, { twin, everyMs, fields, lastEmitted: Date.now() });
};

addTwin(twinDoc({
  id: 'ahu-1', name: 'Air handling unit 1', model: 'hvac.ahu', version: 4,
  metadata: { manufacturer: 'Systemair', serial: 'SA-22-0192', commissioned: '2022-05-03' },
  dimensions: { building: 'HQ', floor: 'roof', zone: 'plant' },
  relationships: [{ name: 'serves', target: 'room-2a' }, { name: 'serves', target: 'room-2b' }, { name: 'fedBy', target: 'boiler:b1', properties: { loop: 'LTHW' } }],
  groups: ['hvac', 'hq'],
  interfaces: { api: 'http://ahu-1.local/api', data_streams: ['tf/default/ahu-1/telemetry'] },
}), 1000, {
  supply_temp: num(18, 1.2, 300, 0.15), return_temp: num(22.5, 0.8, 420, 0.1), fan_speed: num(62, 8, 180, 1.5, 1), filter_dp: num(145, 6, 900, 1, 0),
});
addTwin(twinDoc({
  id: 'room-2a', name: 'Meeting room 2A', model: 'building.room', version: 2,
  metadata: { capacity: 12, area_m2: 34 }, dimensions: { building: 'HQ', floor: '2', zone: 'east' },
  relationships: [{ name: 'servedBy', target: 'ahu-1' }], groups: ['rooms', 'hq'],
}), 2000, {
  temperature: num(21.4, 0.9, 600, 0.08), humidity: num(44, 4, 900, 0.4, 1), co2: num(720, 180, 480, 12, 0), occupied: { kind: 'boolean', periodS: 400 },
});
addTwin(twinDoc({
  id: 'room-2b', name: 'Open office 2B', model: 'building.room', version: 3,
  metadata: { capacity: 40, area_m2: 210 }, dimensions: { building: 'HQ', floor: '2', zone: 'west' },
  relationships: [{ name: 'servedBy', target: 'ahu-1' }], groups: ['rooms', 'hq'],
}), 2000, {
  temperature: num(22.1, 0.6, 700, 0.06), humidity: num(41, 3, 800, 0.3, 1), co2: num(860, 220, 520, 15, 0), occupied: { kind: 'boolean', periodS: 700 },
});
addTwin(twinDoc({
  id: 'pump-7', name: 'Chilled-water pump 7', model: 'plant.pump', version: 7,
  metadata: { ratedPower_kW: 15, vendor: 'Grundfos' }, dimensions: { site: 'plant-north', line: 'CHW' },
  relationships: [{ name: 'feeds', target: 'tank-1' }], groups: ['plant'],
}), 1000, {
  flow: num(38, 5, 240, 0.6, 1), pressure: num(3.1, 0.25, 300, 0.03), vibration: num(1.8, 0.4, 90, 0.15), running: { kind: 'boolean' },
});
addTwin(twinDoc({
  id: 'tank-1', name: 'Buffer tank', model: 'water_tank', version: 1,
  metadata: { volume_m3: 2.0 }, dimensions: { site: 'plant-north' }, relationships: [{ name: 'fedBy', target: 'pump-7' }], groups: ['plant'],
}), 1000, {
  level: num(1.2, 0.35, 600, 0.01, 3), inflow: num(0.012, 0.004, 300, 0.0004, 4), outflow: num(0.011, 0.003, 420, 0.0004, 4),
});
addTwin(twinDoc({
  id: 'boiler:b1', name: 'Boiler B1', model: 'dtmi:com:example:Boiler;1', version: 2,
  metadata: { fuel: 'gas' }, dimensions: { building: 'HQ', floor: 'basement' }, groups: ['plant', 'hq'],
}), 5000, {
  flow_temp: num(68, 4, 900, 0.3, 1), mode: { kind: 'string', choices: ['auto', 'eco', 'boost'], periodS: 300 },
});
addTwin(twinDoc({
  id: 'meter-main', name: 'Main electricity meter', model: 'energy.meter', version: 1,
  dimensions: { building: 'HQ' }, groups: ['energy'],
}), 1000, {
  power_kw: num(84, 22, 360, 2.5, 1), voltage: num(231, 2, 200, 0.4, 1),
});
addTwin(twinDoc({
  id: 'sensor-legacy-3', name: 'Legacy sensor 3', model: 'legacy.sensor', version: 9, status: 'deprecated',
  metadata: { note: 'replaced by room-2a sensors' }, dimensions: { building: 'HQ', floor: '2' },
}), 0, {});

for (let i = 1; i <= Number(args['extra-twins']); i++) {
  const n = String(i).padStart(4, '0');
  addTwin(twinDoc({ id: `sensor-${n}`, name: `Room sensor ${n}`, model: 'building.sensor', dimensions: { building: 'B', floor: String(i % 7) } }), 5000, {
    temperature: num(21, 1.5, 300 + (i % 11) * 60, 0.1), humidity: num(45, 5, 900, 0.5, 1),
  });
}

/** Deterministic noise in [-1, 1] from (key, step). */
function noise(key: string, step: number): number {
  let h = 2166136261;
  const s = `${key}:${step}`;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return ((h >>> 0) / 0xffffffff) * 2 - 1;
}

function valueAt(twinId: string, field: string, spec: FieldSpec, ts: number): number | boolean | string {
  const t = ts / SECOND;
  const period = spec.periodS ?? 300;
  if (spec.kind === 'boolean') return field === 'running' ? true : Math.sin((2 * Math.PI * t) / period) > -0.2;
  if (spec.kind === 'string') {
    const choices = spec.choices ?? ['on'];
    return choices[Math.floor(t / period) % choices.length] ?? 'on';
  }
  const phase = noise(`${twinId}/${field}`, 0) * Math.PI;
  const v = (spec.base ?? 0) + (spec.amp ?? 0) * Math.sin((2 * Math.PI * t) / period + phase) + (spec.noise ?? 0) * noise(`${twinId}/${field}`, Math.floor(ts / SECOND));
  const p = 10 ** (spec.decimals ?? 2);
  return Math.round(v * p) / p;
}

/** Grid timestamps in (after, upTo]. */
function* grid(everyMs: number, after: number, upTo: number): Generator<number> {
  if (everyMs <= 0) return;
  for (let ts = (Math.floor(after / everyMs) + 1) * everyMs; ts <= upTo; ts += everyMs) yield ts;
}

// ---------------------------------------------------------------------------------------------------------
// Events, SSE, metrics

interface Event { seq: number; id: string; type: string; tenant: string; twinId?: string; time: string; data: unknown }
let seq = 0;
const eventLog: Event[] = [];
interface Client { res: ServerResponse; types?: Set<string>; twin?: string }
const clients = new Set<Client>();
let refuseUntil = 0;
const health: Record<string, string> = { broker: 'up', store: 'up', registry: 'up' };

let messagesTotal = 0;
const rejected = new Map<string, number>();
const rateWindow: { at: number; n: number }[] = [];

const frame = (e: Event): string => `id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
const wants = (c: Client, e: Event): boolean => (!c.types || c.types.has(e.type)) && (!c.twin || c.twin === e.twinId);

function publish(type: string, data: unknown, twinId?: string): void {
  const e: Event = { seq: ++seq, id: `evt-${seq}`, type, tenant: TENANT, twinId, time: new Date().toISOString(), data };
  // Like the real event log: live-only telemetry is not kept for replay.
  if (type !== 'telemetry') {
    eventLog.push(e);
    if (eventLog.length > 1000) eventLog.shift();
  }
  for (const c of clients) if (wants(c, e)) c.res.write(frame(e));
}

const generator = setInterval(() => {
  const now = Date.now();
  for (const ft of twins.values()) {
    const readings: { ts: string; values: Record<string, unknown> }[] = [];
    for (const ts of grid(ft.everyMs, ft.lastEmitted, now)) {
      const values: Record<string, unknown> = {};
      for (const [f, spec] of Object.entries(ft.fields)) values[f] = valueAt(ft.twin.id, f, spec, ts);
      readings.push({ ts: new Date(ts).toISOString(), values });
    }
    ft.lastEmitted = now;
    if (readings.length === 0) continue;
    messagesTotal += readings.length;
    rateWindow.push({ at: now, n: readings.length });
    publish('telemetry', { readings }, ft.twin.id);
  }
  while (rateWindow.length > 0 && (rateWindow[0] as { at: number }).at < now - 5 * SECOND) rateWindow.shift();
}, COALESCE_MS);

const rejector = setInterval(() => {
  const reason = rejected.size % 2 === 0 ? 'schema_mismatch' : 'unknown_twin';
  rejected.set(reason, (rejected.get(reason) ?? 0) + 1);
  publish('ingest.rejected', { topic: 'tf/default/room-9z/telemetry', reason, message: reason === 'unknown_twin' ? 'no twin room-9z' : 'temperature: expected number' });
}, 20 * SECOND);

const heartbeat = setInterval(() => {
  for (const c of clients) c.res.write(': heartbeat\n\n');
}, HEARTBEAT_MS);

function metricsJson(): unknown[] {
  const rate = rateWindow.reduce((s, r) => s + r.n, 0) / 5;
  return [
    { name: 'twinflow_ingest_messages_total', help: 'Messages ingested', type: 'counter', values: [{ labels: {}, value: messagesTotal }], aggregator: 'sum' },
    { name: 'twinflow_ingest_rate_per_second', help: 'Ingest rate over the last 5 s', type: 'gauge', values: [{ labels: {}, value: rate }], aggregator: 'sum' },
    { name: 'twinflow_ingest_rejected_total', help: 'Messages rejected', type: 'counter', values: [...rejected].map(([reason, value]) => ({ labels: { reason }, value })), aggregator: 'sum' },
    { name: 'twinflow_sse_clients', help: 'Open SSE connections', type: 'gauge', values: [{ labels: {}, value: clients.size }], aggregator: 'sum' },
  ];
}

function metricsText(): string {
  return (metricsJson() as { name: string; help: string; type: string; values: { labels: Record<string, string>; value: number }[] }[])
    .map((m) => [`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`, ...m.values.map((v) => {
      const l = Object.entries(v.labels).map(([k, x]) => `${k}="${x}"`).join(',');
      return `${m.name}${l ? `{${l}}` : ''} ${v.value}`;
    })].join('\n'))
    .join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------------------
// HTTP

const requestLog: { method: string; url: string; authorization?: string }[] = [];

const json = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
};
const fail = (res: ServerResponse, status: number, code: string, message: string, details?: unknown): void =>
  json(res, status, { error: { code, message, ...(details === undefined ? {} : { details }) } });

function authorized(req: IncomingMessage, url: URL): boolean {
  if (!TOKEN) return true;
  return req.headers.authorization === `Bearer ${TOKEN}` || url.searchParams.get('access_token') === TOKEN;
}

const tenantOf = (req: IncomingMessage, url: URL): string => (req.headers['x-tenant'] as string | undefined) ?? url.searchParams.get('tenant') ?? TENANT;

function parseEvery(s: string | null): number | undefined | null {
  if (s === null || s === '') return undefined;
  const m = /^(\d+)(ms|s|m|h)$/.exec(s);
  if (!m) return null;
  return Number(m[1]) * ({ ms: 1, s: SECOND, m: 60 * SECOND, h: 3600 * SECOND } as const)[m[2] as 'ms' | 's' | 'm' | 'h'];
}

function telemetryHistory(ft: FakeTwin, url: URL, res: ServerResponse): void {
  const from = Date.parse(url.searchParams.get('from') ?? '');
  const to = url.searchParams.has('to') ? Date.parse(url.searchParams.get('to') ?? '') : Date.now();
  if (!Number.isFinite(from) || !Number.isFinite(to) || from > to) return fail(res, 400, 'bad_request', 'from and to must be ISO-8601 times with from <= to');
  const every = parseEvery(url.searchParams.get('every'));
  if (every === null) return fail(res, 400, 'bad_request', 'every must look like 10s, 500ms, 5m or 1h');
  const agg = url.searchParams.get('agg') ?? 'avg';
  if (!['avg', 'min', 'max', 'last', 'first', 'sum', 'count'].includes(agg)) return fail(res, 400, 'bad_request', `unknown agg ${agg}`);
  const limit = Number(url.searchParams.get('limit') ?? 10_000);
  const wanted = url.searchParams.get('fields')?.split(',').filter(Boolean) ?? Object.keys(ft.fields);
  const upTo = Math.min(to, Date.now());
  const series: Record<string, { ts: string; value: unknown }[]> = {};
  for (const f of wanted) {
    const spec = ft.fields[f];
    if (!spec) continue;
    const raw = [...grid(ft.everyMs, from - 1, upTo)].map((ts) => ({ ts, value: valueAt(ft.twin.id, f, spec, ts) }));
    let points: { ts: number; value: unknown }[] = raw;
    if (every !== undefined && spec.kind === 'number') {
      const buckets = new Map<number, number[]>();
      for (const p of raw) {
        const b = Math.floor(p.ts / every) * every;
        buckets.set(b, [...(buckets.get(b) ?? []), p.value as number]);
      }
      points = [...buckets].map(([ts, vs]) => ({
        ts,
        value: agg === 'min' ? Math.min(...vs) : agg === 'max' ? Math.max(...vs) : agg === 'sum' ? vs.reduce((a, b) => a + b, 0)
          : agg === 'count' ? vs.length : agg === 'first' ? vs[0] : agg === 'last' ? vs[vs.length - 1] : vs.reduce((a, b) => a + b, 0) / vs.length,
      }));
    }
    series[f] = points.slice(-limit).map((p) => ({ ts: new Date(p.ts).toISOString(), value: p.value }));
  }
  json(res, 200, { twinId: ft.twin.id, series });
}

function latest(ft: FakeTwin): Record<string, { ts: string; value: unknown }> {
  const values: Record<string, { ts: string; value: unknown }> = {};
  if (ft.everyMs <= 0) return values;
  const ts = Math.floor(ft.lastEmitted / ft.everyMs) * ft.everyMs;
  for (const [f, spec] of Object.entries(ft.fields)) values[f] = { ts: new Date(ts).toISOString(), value: valueAt(ft.twin.id, f, spec, ts) };
  return values;
}

function stream(req: IncomingMessage, url: URL, res: ServerResponse): void {
  if (Date.now() < refuseUntil) return fail(res, 503, 'unavailable', 'stream refused by /__fake/stream/refuse');
  const types = url.searchParams.get('types');
  const client: Client = {
    res,
    types: types ? new Set(types.split(',').filter(Boolean)) : undefined,
    twin: url.searchParams.get('twin') ?? undefined,
  };
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  res.write(': connected\n\n');
  const last = Number(req.headers['last-event-id']);
  if (Number.isFinite(last) && last > 0) for (const e of eventLog) if (e.seq > last && wants(client, e)) res.write(frame(e));
  clients.add(client);
  const drop = (): void => {
    clients.delete(client);
  };
  req.on('close', drop);
  res.on('close', drop);
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json', '.map': 'application/json',
  '.woff2': 'font/woff2',
};

function serveStatic(path: string, res: ServerResponse): void {
  const rel = normalize(decodeURIComponent(path)).replace(/^([/\\])+/, '');
  let file = join(DIST, rel);
  if (!file.startsWith(DIST + sep) && file !== DIST) return fail(res, 400, 'bad_request', 'bad path');
  const isFile = existsSync(file) && statSync(file).isFile();
  if (!isFile) file = join(DIST, 'index.html');
  if (!existsSync(file)) return fail(res, 503, 'not_built', `no ${file}; run npx vite build web`);
  const immutable = isFile && rel.startsWith('assets/');
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  createReadStream(file).pipe(res);
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://fake');
  const path = url.pathname;
  const method = req.method ?? 'GET';
  if (!path.startsWith('/__fake/') && !path.startsWith('/assets/')) {
    requestLog.push({ method, url: req.url ?? '', authorization: req.headers.authorization });
    if (requestLog.length > 200) requestLog.shift();
  }

  if (path.startsWith('/__fake/')) {
    if (path === '/__fake/requests') return json(res, 200, requestLog);
    if (method !== 'POST') return fail(res, 405, 'method_not_allowed', 'POST only');
    if (path === '/__fake/stream/drop') {
      for (const c of clients) c.res.end();
      clients.clear();
      return json(res, 200, { dropped: true });
    }
    if (path === '/__fake/stream/refuse') {
      refuseUntil = Date.now() + Number(url.searchParams.get('ms') ?? 5000);
      for (const c of clients) c.res.destroy();
      clients.clear();
      return json(res, 200, { refuseUntil: new Date(refuseUntil).toISOString() });
    }
    if (path === '/__fake/health') {
      for (const [k, v] of url.searchParams) health[k] = v;
      return json(res, 200, health);
    }
    return fail(res, 404, 'not_found', 'no such fake control');
  }

  if (path === '/healthz') return json(res, 200, { status: 'ok' });
  if (path === '/readyz') {
    const components = { ...health, registry: Date.now() - started < 2 * SECOND ? 'starting' : health.registry };
    const ready = Object.values(components).every((s) => s === 'up');
    return json(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not_ready', components });
  }
  if (path === '/metrics') {
    if (!authorized(req, url)) return fail(res, 401, 'unauthorized', 'missing or wrong bearer token');
    if ((req.headers.accept ?? '').includes('application/json')) return json(res, 200, metricsJson());
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    return void res.end(metricsText());
  }

  if (path.startsWith('/api/')) {
    if (!authorized(req, url)) return fail(res, 401, 'unauthorized', 'missing or wrong bearer token');
    const inTenant = tenantOf(req, url) === TENANT;
    if (path === '/api/portal/stream') return stream(req, url, res);
    if (path === '/api/registry/twins' && method === 'GET') {
      const limit = Math.min(Math.max(Number(url.searchParams.get('limit') ?? 100), 1), 1000);
      const offset = Number(Buffer.from(url.searchParams.get('cursor') ?? '', 'base64url').toString() || 0);
      const all = inTenant ? [...twins.values()].map((t) => t.twin).sort((a, b) => a.id.localeCompare(b.id)) : [];
      const items = all.slice(offset, offset + limit);
      const next = offset + limit < all.length ? Buffer.from(String(offset + limit)).toString('base64url') : undefined;
      return json(res, 200, next ? { items, next } : { items });
    }
    if (path === '/api/registry/twins' && method === 'POST') {
      const body = (await readBody(req)) as { id?: string; name?: string; fields?: Record<string, FieldSpec> } & Record<string, unknown>;
      if (typeof body.id !== 'string') return fail(res, 400, 'validation_failed', 'id is required');
      const existing = twins.get(body.id);
      const { fields, ...doc } = body;
      const now = new Date().toISOString();
      const twin = twinDoc({ ...(existing?.twin ?? {}), ...doc, id: body.id, name: body.name ?? body.id, version: (existing?.twin.version ?? 0) + 1, updatedAt: now, createdAt: existing?.twin.createdAt as string ?? now });
      addTwin(twin, fields ? 1000 : existing?.everyMs ?? 0, fields ?? existing?.fields ?? {});
      publish(existing ? 'twin.update' : 'twin.create', { twin, source: 'fake' }, twin.id);
      return json(res, existing ? 200 : 201, twin);
    }
    const m = /^\/api\/(registry\/twins|twins)\/([^/]+)(\/.*)?$/.exec(path);
    if (m) {
      const id = decodeURIComponent(m[2] as string);
      const ft = inTenant ? twins.get(id) : undefined;
      if (!ft) return fail(res, 404, 'twin_not_found', `twin ${id} not found`);
      if (m[1] === 'registry/twins' && !m[3] && method === 'GET') return json(res, 200, ft.twin);
      if (m[1] === 'registry/twins' && !m[3] && method === 'DELETE') {
        twins.delete(id);
        publish('twin.delete', { id }, id);
        res.writeHead(204);
        return void res.end();
      }
      if (m[1] === 'twins' && m[3] === '/telemetry/latest') return json(res, 200, { twinId: id, values: latest(ft) });
      if (m[1] === 'twins' && m[3] === '/telemetry') return telemetryHistory(ft, url, res);
    }
    return fail(res, 404, 'not_found', `no route ${method} ${path}`);
  }

  if (method !== 'GET' && method !== 'HEAD') return fail(res, 405, 'method_not_allowed', `${method} ${path}`);
  serveStatic(path, res);
}

const server = createServer((req, res) => {
  handle(req, res).catch((err: unknown) => {
    if (!res.headersSent) fail(res, 500, 'internal', err instanceof Error ? err.message : String(err));
    else res.destroy(err instanceof Error ? err : undefined);
  });
});

server.listen(Number(args.port), args.host, () => {
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : Number(args.port);
  process.stdout.write(`${JSON.stringify({ http: `http://${args.host}:${port}` })}\n`);
});

const shutdown = (): void => {
  clearInterval(generator);
  clearInterval(rejector);
  clearInterval(heartbeat);
  for (const c of clients) c.res.end();
  server.close(() => process.exit(0));
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
