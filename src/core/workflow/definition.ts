/**
 * Workflow documents (DESIGN §5.6): the iotflow seed's sections as YAML/JSON, validated into compiled definitions.
 * Every problem is collected with its path; expression problems carry the column. `command_sequences`,
 * `edge_distribution` and `twin_sync` are checked for shape and kept for the capabilities that run them.
 */
import { parseDuration } from '../duration.ts';
import type { Problem } from '../errors.ts';
import { compileExpression, type CompiledExpression } from '../expr/compile.ts';
import { childPath } from '../problem-path.ts';
import { AggregateFunction, PERCENTILE_SHORTHANDS } from '../stats/field-stats.ts';
import { parsePattern } from '../stream/pattern-parse.ts';
import type { PatternDef, ProcessorDef, Step } from '../stream/processor.ts';
import type { WindowSpec } from '../stream/window.ts';
import type { MetricSpec } from '../stream/windowed-aggregate.ts';
import type { JsonObject } from '../types.ts';

export type MappingRef = { type: 'topic'; index: number } | { type: 'payload'; path: readonly string[] };

export interface SourceDef {
  group?: string;
  topic?: string;
  twins?: readonly string[];
  mapping: readonly (readonly [string, MappingRef])[];
}

export const Severity = { Critical: 'critical', Major: 'major', Minor: 'minor', Warning: 'warning', Info: 'info' } as const;
export type Severity = (typeof Severity)[keyof typeof Severity];

export type ActionDef =
  | { type: 'log_anomaly' }
  | { type: 'update_twin'; values?: readonly (readonly [string, CompiledExpression])[] }
  | { type: 'sequence'; name: string }
  | { type: 'publish'; topic?: string }
  | { type: 'webhook'; url: string }
  | { type: 'raise_alarm'; severity: Severity };

export interface WorkflowPattern extends PatternDef {
  actions: readonly ActionDef[];
  severity: Severity;
}

export interface WorkflowProcessor extends ProcessorDef {
  sources: readonly SourceDef[];
  patterns: readonly WorkflowPattern[];
  /** The section as written, to tell a changed processor from an unchanged one on redeploy. */
  fingerprint: string;
}

export const OutlierRule = { ZScore: 'zscore', Mad: 'mad', Iqr: 'iqr' } as const;
export type OutlierRule = (typeof OutlierRule)[keyof typeof OutlierRule];

export interface AggregationDef {
  name: string;
  sources: readonly SourceDef[];
  dimensions: readonly string[];
  metrics: readonly MetricSpec[];
  windows: readonly { name: string; duration: number }[];
  kpis: readonly (readonly [string, CompiledExpression])[];
  outliers?: { field: string; rules: readonly OutlierRule[]; threshold?: number };
  /** How far behind the greatest event time a reading may arrive and still count. @default 0 */
  allowedLateness: number;
  fingerprint: string;
}

export interface WorkflowDefinition {
  name: string;
  processors: readonly WorkflowProcessor[];
  aggregations: readonly AggregationDef[];
  commandSequences: Readonly<Record<string, JsonObject>>;
  edgeDistribution: Readonly<Record<string, JsonObject>>;
  twinSync: Readonly<Record<string, JsonObject>>;
  /** The document as given (snake_case), for GET and persistence. */
  document: JsonObject;
}

export type WorkflowParse = { ok: true; workflow: WorkflowDefinition } | { ok: false; problems: Problem[] };

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const FUNCTIONS = new Set<string>(Object.values(AggregateFunction));
const BUILTIN_ACTIONS = new Set(['log_anomaly', 'update_twin', 'publish', 'webhook', 'raise_alarm']);
const SECTIONS = new Set(['name', 'description', 'stream_processors', 'telemetry_aggregations', 'command_sequences', 'edge_distribution', 'twin_sync']);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

class Checker {
  readonly problems: Problem[] = [];
  add(path: string, message: string): void {
    this.problems.push({ path, message });
  }
  obj(v: unknown, path: string): Obj | undefined {
    if (isObj(v)) return v;
    this.add(path, v === undefined ? 'required' : 'must be a mapping (key: value)');
    return undefined;
  }
  str(v: unknown, path: string): string | undefined {
    if (typeof v === 'string' && v.trim() !== '') return v;
    this.add(path, v === undefined ? 'required' : 'must be a non-empty string');
    return undefined;
  }
  duration(v: unknown, path: string, allowZero = false): number | undefined {
    const ms = typeof v === 'string' || typeof v === 'number' ? parseDuration(v) : undefined;
    if (ms === undefined || (!allowZero && ms <= 0)) {
      this.add(path, `must be a duration such as 30s, 5m or 1h, not ${JSON.stringify(v)}`);
      return undefined;
    }
    return ms;
  }
  expr(v: unknown, path: string): CompiledExpression | undefined {
    const text = this.str(v, path);
    if (text === undefined) return undefined;
    const r = compileExpression(text);
    if (r.ok) return r.expression;
    for (const p of r.problems) this.add(path, p.message);
    return undefined;
  }
  list(v: unknown, path: string): unknown[] | undefined {
    if (Array.isArray(v)) return v;
    this.add(path, v === undefined ? 'required' : 'must be a list');
    return undefined;
  }
}

function parseSources(c: Checker, v: unknown, path: string): SourceDef[] {
  const out: SourceDef[] = [];
  (c.list(v, path) ?? []).forEach((raw, i) => {
    const p = childPath(path, i);
    const s = c.obj(raw, p);
    if (s === undefined) return;
    const src: { group?: string; topic?: string; twins?: string[]; mapping: [string, MappingRef][] } = { mapping: [] };
    if (s.group !== undefined) src.group = c.str(s.group, childPath(p, 'group'));
    if (s.twins !== undefined) src.twins = (c.list(s.twins, childPath(p, 'twins')) ?? []).map(String);
    if (s.topic !== undefined) {
      const topic = c.str(s.topic, childPath(p, 'topic'));
      if (topic !== undefined && /(^|\/)[^/]*[+#][^/]*(\/|$)/.test(topic) && !/^(?:[^/+#]+|\+)(?:\/(?:[^/+#]+|\+))*(?:\/#)?$|^#$/.test(topic)) {
        c.add(childPath(p, 'topic'), "is not an MQTT topic filter: '+' and '#' must be whole levels, '#' the last");
      } else if (topic !== undefined) src.topic = topic;
    }
    if (s.group === undefined && s.topic === undefined && s.twins === undefined) c.add(p, 'needs a group, a topic or twins');
    const mapping = s.mapping === undefined ? {} : c.obj(s.mapping, childPath(p, 'mapping'));
    for (const [name, ref] of Object.entries(mapping ?? {})) {
      const mp = childPath(childPath(p, 'mapping'), name);
      const m = typeof ref === 'string' ? /^topic\[(\d+)\]$|^payload((?:\.[^.]+)*)$/.exec(ref) : null;
      if (m === null) c.add(mp, 'must be topic[N] or payload.a.b');
      else if (m[1] !== undefined) {
        if (s.topic === undefined) c.add(mp, 'topic[N] needs a topic in this source');
        src.mapping.push([name, { type: 'topic', index: Number(m[1]) }]);
      } else src.mapping.push([name, { type: 'payload', path: (m[2] ?? '').split('.').filter((x) => x !== '') }]);
    }
    out.push(src);
  });
  return out;
}

function parseWindow(c: Checker, v: unknown, path: string): WindowSpec | undefined {
  const w = c.obj(v, path);
  if (w === undefined) return undefined;
  switch (w.type) {
    case 'tumbling': {
      const size = c.duration(w.size, childPath(path, 'size'));
      return size === undefined ? undefined : { type: 'tumbling', size };
    }
    case 'sliding':
    case 'hopping': {
      const size = c.duration(w.size, childPath(path, 'size'));
      const slide = c.duration(w.slide ?? w.hop, childPath(path, 'slide'));
      if (size !== undefined && slide !== undefined && slide > size) c.add(childPath(path, 'slide'), 'must not be longer than size');
      return size === undefined || slide === undefined ? undefined : { type: 'sliding', size, slide };
    }
    case 'session': {
      const gap = c.duration(w.gap, childPath(path, 'gap'));
      return gap === undefined ? undefined : { type: 'session', gap };
    }
    case 'count': {
      const size = w.size;
      if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) {
        c.add(childPath(path, 'size'), 'must be a whole number of events, at least 1');
        return undefined;
      }
      return { type: 'count', size };
    }
    default:
      c.add(childPath(path, 'type'), 'must be tumbling, sliding, session or count');
      return undefined;
  }
}

function parseMetric(c: Checker, raw: unknown, path: string): MetricSpec | undefined {
  const m = c.obj(raw, path);
  if (m === undefined) return undefined;
  const name = c.str(m.name, childPath(path, 'name'));
  const fn = c.str(m.function, childPath(path, 'function'));
  if (name === undefined || fn === undefined) return undefined;
  let q: number | undefined;
  let function_ = fn;
  if (Object.hasOwn(PERCENTILE_SHORTHANDS, fn)) {
    q = PERCENTILE_SHORTHANDS[fn];
    function_ = AggregateFunction.Percentile;
  } else if (!FUNCTIONS.has(fn)) {
    c.add(childPath(path, 'function'), `unknown function "${fn}" (known: ${[...FUNCTIONS, ...Object.keys(PERCENTILE_SHORTHANDS)].join(', ')})`);
    return undefined;
  }
  if (function_ === AggregateFunction.Percentile && q === undefined) {
    const raw = typeof m.q === 'number' && m.q > 1 ? m.q / 100 : m.q;
    if (typeof raw !== 'number' || raw < 0 || raw > 1) {
      c.add(childPath(path, 'q'), 'percentile needs q between 0 and 1 (or 0-100)');
      return undefined;
    }
    q = raw;
  }
  const field = m.field === undefined ? undefined : c.str(m.field, childPath(path, 'field'));
  if (field === undefined && function_ !== AggregateFunction.Count) {
    if (m.field === undefined) c.add(childPath(path, 'field'), 'required');
    return undefined;
  }
  return { name, function: function_ as AggregateFunction, ...(field === undefined ? {} : { field }), ...(q === undefined ? {} : { q }) };
}

function parseActions(c: Checker, v: unknown, path: string, sequences: ReadonlySet<string>): ActionDef[] {
  const out: ActionDef[] = [];
  (v === undefined ? [] : (c.list(v, path) ?? [])).forEach((raw, i) => {
    const p = childPath(path, i);
    const a = typeof raw === 'string' ? { type: raw } : c.obj(raw, p);
    if (a === undefined) return;
    const type = typeof a.type === 'string' ? a.type : typeof a.sequence === 'string' ? a.sequence : undefined;
    if (type === undefined) {
      c.add(p, 'needs a type (an action or a command sequence name)');
      return;
    }
    switch (type) {
      case 'log_anomaly':
        out.push({ type });
        return;
      case 'update_twin': {
        const values: [string, CompiledExpression][] = [];
        if (a.values !== undefined) {
          for (const [k, e] of Object.entries(c.obj(a.values, childPath(p, 'values')) ?? {})) {
            const ex = c.expr(e, childPath(childPath(p, 'values'), k));
            if (ex !== undefined) values.push([k, ex]);
          }
        }
        out.push(a.values === undefined ? { type } : { type, values });
        return;
      }
      case 'publish':
        if (a.topic !== undefined) {
          const topic = c.str(a.topic, childPath(p, 'topic'));
          if (topic !== undefined) out.push({ type, topic });
        } else out.push({ type });
        return;
      case 'webhook': {
        const url = typeof a.url === 'string' && URL.canParse(a.url) ? a.url : undefined;
        if (url === undefined) c.add(childPath(p, 'url'), typeof raw === 'string' ? 'webhook needs a url: write {type: webhook, url: https://…}' : 'must be an http(s) URL');
        else out.push({ type, url });
        return;
      }
      case 'raise_alarm': {
        const severity = a.severity ?? Severity.Major;
        if (!Object.values(Severity).includes(severity as Severity)) c.add(childPath(p, 'severity'), `must be one of ${Object.values(Severity).join(', ')}`);
        else out.push({ type, severity: severity as Severity });
        return;
      }
      default:
        if (!sequences.has(type)) {
          c.add(p, `"${type}" is neither an action (${[...BUILTIN_ACTIONS].join(', ')}) nor a command sequence of this workflow`);
          return;
        }
        out.push({ type: 'sequence', name: type });
    }
  });
  return out;
}

function parseProcessor(c: Checker, name: string, raw: unknown, path: string, sequences: ReadonlySet<string>): WorkflowProcessor | undefined {
  const s = c.obj(raw, path);
  if (s === undefined) return undefined;
  const before = c.problems.length;
  const sources = parseSources(c, s.sources, childPath(path, 'sources'));
  const window = s.window === undefined ? undefined : parseWindow(c, s.window, childPath(path, 'window'));
  const allowedLateness = s.allowed_lateness === undefined ? 0 : (c.duration(s.allowed_lateness, childPath(path, 'allowed_lateness'), true) ?? 0);
  const steps: Step[] = [];
  let aggregate: { by: string[]; metrics: MetricSpec[] } | undefined;
  const pp = childPath(path, 'processing');
  (s.processing === undefined ? [] : (c.list(s.processing, pp) ?? [])).forEach((rawStep, i) => {
    const p = childPath(pp, i);
    const step = c.obj(rawStep, p);
    if (step === undefined) return;
    switch (step.type) {
      case 'filter': {
        const when = c.expr(step.expression ?? step.condition, childPath(p, 'expression'));
        if (when !== undefined) steps.push({ type: 'filter', when });
        return;
      }
      case 'map':
      case 'enrich': {
        const fields: [string, CompiledExpression][] = [];
        for (const [k, e] of Object.entries(c.obj(step.fields, childPath(p, 'fields')) ?? {})) {
          const ex = c.expr(e, childPath(childPath(p, 'fields'), k));
          if (ex !== undefined) fields.push([k, ex]);
        }
        steps.push({ type: 'map', fields });
        return;
      }
      case 'aggregate': {
        if (aggregate !== undefined) c.add(p, 'only one aggregate step per processor');
        const by = step.by === undefined ? [] : (c.list(step.by, childPath(p, 'by')) ?? []).map(String);
        const metrics: MetricSpec[] = [];
        (c.list(step.functions ?? step.metrics, childPath(p, 'functions')) ?? []).forEach((m, j) => {
          const spec = parseMetric(c, m, childPath(childPath(p, 'functions'), j));
          if (spec !== undefined) metrics.push(spec);
        });
        if (window === undefined) c.add(childPath(path, 'window'), 'an aggregate step needs a window');
        aggregate = { by, metrics };
        return;
      }
      default:
        c.add(childPath(p, 'type'), 'must be filter, map, enrich or aggregate');
    }
  });
  const patterns: WorkflowPattern[] = [];
  const names = new Set<string>();
  const pat = childPath(path, 'patterns');
  (s.patterns === undefined ? [] : (c.list(s.patterns, pat) ?? [])).forEach((rawP, i) => {
    const p = childPath(pat, i);
    const po = c.obj(rawP, p);
    if (po === undefined) return;
    const pname = c.str(po.name, childPath(p, 'name'));
    if (pname !== undefined && names.has(pname)) c.add(childPath(p, 'name'), `"${pname}" is used by another pattern of this processor`);
    if (pname !== undefined) names.add(pname);
    const text = c.str(po.condition, childPath(p, 'condition'));
    const parsed = text === undefined ? undefined : parsePattern(text);
    if (parsed !== undefined && !parsed.ok) for (const pr of parsed.problems) c.add(childPath(p, 'condition'), pr.message);
    if (parsed?.ok === true && parsed.condition.type === 'within' && aggregate === undefined) {
      c.add(childPath(p, 'condition'), '"within" needs an aggregate step to judge over the span');
    }
    const actions = parseActions(c, po.actions, childPath(p, 'actions'), sequences);
    const severity = (po.severity ?? Severity.Major) as Severity;
    if (!Object.values(Severity).includes(severity)) c.add(childPath(p, 'severity'), `must be one of ${Object.values(Severity).join(', ')}`);
    if (pname !== undefined && parsed?.ok === true) patterns.push({ name: pname, condition: parsed.condition, actions, severity });
  });
  if (c.problems.length > before) return undefined;
  return {
    name,
    sources,
    ...(window === undefined ? {} : { window }),
    allowedLateness,
    steps,
    ...(aggregate === undefined ? {} : { aggregate }),
    patterns,
    fingerprint: JSON.stringify(raw),
  };
}

function parseAggregation(c: Checker, name: string, raw: unknown, path: string): AggregationDef | undefined {
  const s = c.obj(raw, path);
  if (s === undefined) return undefined;
  const before = c.problems.length;
  const sources = parseSources(c, s.sources, childPath(path, 'sources'));
  const dimensions = s.dimensions === undefined ? [] : (c.list(s.dimensions, childPath(path, 'dimensions')) ?? []).map(String);
  const allowedLateness = s.allowed_lateness === undefined ? 0 : (c.duration(s.allowed_lateness, childPath(path, 'allowed_lateness'), true) ?? 0);
  const metrics: MetricSpec[] = [];
  (c.list(s.metrics, childPath(path, 'metrics')) ?? []).forEach((m, j) => {
    const spec = parseMetric(c, m, childPath(childPath(path, 'metrics'), j));
    if (spec !== undefined) metrics.push(spec);
  });
  const windows: { name: string; duration: number }[] = [];
  (c.list(s.windows, childPath(path, 'windows')) ?? []).forEach((w, j) => {
    const p = childPath(childPath(path, 'windows'), j);
    const wo = c.obj(w, p);
    if (wo === undefined) return;
    const wname = c.str(wo.name, childPath(p, 'name'));
    const duration = c.duration(wo.duration ?? wo.size, childPath(p, 'duration'));
    if (wname !== undefined && duration !== undefined) windows.push({ name: wname, duration });
  });
  const kpis: [string, CompiledExpression][] = [];
  if (s.kpis !== undefined) {
    const kp = childPath(path, 'kpis');
    if (Array.isArray(s.kpis)) {
      s.kpis.forEach((k, j) => {
        const ko = c.obj(k, childPath(kp, j));
        const kname = ko === undefined ? undefined : c.str(ko.name, childPath(childPath(kp, j), 'name'));
        const ex = ko === undefined ? undefined : c.expr(ko.expression, childPath(childPath(kp, j), 'expression'));
        if (kname !== undefined && ex !== undefined) kpis.push([kname, ex]);
      });
    } else {
      for (const [k, e] of Object.entries(c.obj(s.kpis, kp) ?? {})) {
        const ex = c.expr(e, childPath(kp, k));
        if (ex !== undefined) kpis.push([k, ex]);
      }
    }
    const known = new Set(metrics.map((m) => m.name));
    for (const [k, ex] of kpis) {
      for (const id of ex.identifiers) if (!known.has(id) && !kpis.some(([other]) => other === id)) c.add(childPath(kp, k), `"${id}" is not a metric of this aggregation`);
    }
  }
  let outliers: AggregationDef['outliers'];
  if (s.outliers !== undefined) {
    const op = childPath(path, 'outliers');
    const o = c.obj(s.outliers, op);
    const field = o === undefined ? undefined : c.str(o.field, childPath(op, 'field'));
    const rules = (o === undefined ? [] : (c.list(o.rules ?? ['zscore'], childPath(op, 'rules')) ?? [])).filter((r, j) => {
      const ok = Object.values(OutlierRule).includes(r as OutlierRule);
      if (!ok) c.add(childPath(childPath(op, 'rules'), j), `must be one of ${Object.values(OutlierRule).join(', ')}`);
      return ok;
    }) as OutlierRule[];
    if (o?.threshold !== undefined && (typeof o.threshold !== 'number' || o.threshold <= 0)) c.add(childPath(op, 'threshold'), 'must be a positive number');
    if (field !== undefined) outliers = { field, rules, ...(typeof o?.threshold === 'number' ? { threshold: o.threshold } : {}) };
  }
  if (c.problems.length > before) return undefined;
  return { name, sources, dimensions, metrics, windows, kpis, ...(outliers === undefined ? {} : { outliers }), allowedLateness, fingerprint: JSON.stringify(raw) };
}

function named(c: Checker, v: unknown, path: string): [string, unknown, string][] {
  if (v === undefined || v === null) return [];
  const o = c.obj(v, path);
  return Object.entries(o ?? {}).map(([k, val]) => {
    const p = childPath(path, k);
    if (!NAME.test(k)) c.add(p, 'names are letters, digits, _ . - (at most 128)');
    return [k, val, p];
  });
}

/** Validates a workflow document; `name` is used when the document has none. */
export function parseWorkflow(input: unknown, name?: string): WorkflowParse {
  const c = new Checker();
  const doc = c.obj(input, '');
  if (doc === undefined) return { ok: false, problems: c.problems };
  for (const key of Object.keys(doc)) if (!SECTIONS.has(key)) c.add(key, `unknown section (known: ${[...SECTIONS].join(', ')})`);
  const wname = doc.name === undefined ? name : c.str(doc.name, 'name');
  if (wname === undefined && doc.name === undefined) c.add('name', 'required');
  else if (wname !== undefined && !NAME.test(wname)) c.add('name', 'names are letters, digits, _ . - (at most 128)');

  const commandSequences: Record<string, JsonObject> = {};
  for (const [k, v, p] of named(c, doc.command_sequences, 'command_sequences')) {
    const seq = c.obj(v, p);
    if (seq === undefined) continue;
    (c.list(seq.steps, childPath(p, 'steps')) ?? []).forEach((st, i) => {
      const sp = childPath(childPath(p, 'steps'), i);
      const so = c.obj(st, sp);
      if (so !== undefined) c.str(so.command, childPath(sp, 'command'));
    });
    commandSequences[k] = seq as JsonObject;
  }
  const sequences = new Set(Object.keys(commandSequences));
  const processors: WorkflowProcessor[] = [];
  for (const [k, v, p] of named(c, doc.stream_processors, 'stream_processors')) {
    const proc = parseProcessor(c, k, v, p, sequences);
    if (proc !== undefined) processors.push(proc);
  }
  const aggregations: AggregationDef[] = [];
  for (const [k, v, p] of named(c, doc.telemetry_aggregations, 'telemetry_aggregations')) {
    const agg = parseAggregation(c, k, v, p);
    if (agg !== undefined) aggregations.push(agg);
  }
  const edgeDistribution: Record<string, JsonObject> = {};
  const known = new Set([...Object.keys(isObj(doc.stream_processors) ? doc.stream_processors : {}), ...sequences, ...Object.keys(isObj(doc.telemetry_aggregations) ? doc.telemetry_aggregations : {})]);
  for (const [k, v, p] of named(c, doc.edge_distribution, 'edge_distribution')) {
    const e = c.obj(v, p);
    if (e === undefined) continue;
    if (!known.has(k)) c.add(p, `"${k}" is not a stream processor, aggregation or command sequence of this workflow`);
    if (e.components !== undefined) c.list(e.components, childPath(p, 'components'));
    if (e.optimization !== undefined && !['latency', 'reliability', 'bandwidth', 'cost'].includes(e.optimization as string)) {
      c.add(childPath(p, 'optimization'), 'must be latency, reliability, bandwidth or cost');
    }
    edgeDistribution[k] = e as JsonObject;
  }
  const twinSync: Record<string, JsonObject> = {};
  for (const [k, v, p] of named(c, doc.twin_sync, 'twin_sync')) {
    const t = c.obj(v, p);
    if (t === undefined) continue;
    if (t.conflict_resolution !== undefined && !['latest_timestamp', 'device_wins', 'cloud_wins'].includes(t.conflict_resolution as string)) {
      c.add(childPath(p, 'conflict_resolution'), 'must be latest_timestamp, device_wins or cloud_wins');
    }
    if (t.update_frequency !== undefined) c.duration(t.update_frequency, childPath(p, 'update_frequency'));
    twinSync[k] = t as JsonObject;
  }
  if (c.problems.length > 0 || wname === undefined) return { ok: false, problems: c.problems };
  return {
    ok: true,
    workflow: { name: wname, processors, aggregations, commandSequences, edgeDistribution, twinSync, document: { ...(doc as JsonObject), name: wname } },
  };
}
