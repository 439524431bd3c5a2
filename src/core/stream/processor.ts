/**
 * One stream processor of a workflow: filter/map steps, a keyed windowed aggregate, and patterns over its results.
 * Events go in with their event time; window results and pattern transitions come out through callbacks. Pure:
 * the clock reaches it only as `now` arguments.
 */
import type { CompiledExpression } from '../expr/compile.ts';
import { PatternDetector, type KeyState, type Transition } from './pattern-detector.ts';
import type { PatternCondition } from './pattern-parse.ts';
import { WindowType, type WindowSpec } from './window.ts';
import { WindowedAggregate, type MetricSpec, type WindowedAggregateState, type WindowResult } from './windowed-aggregate.ts';

export type Step = { type: 'filter'; when: CompiledExpression } | { type: 'map'; fields: readonly (readonly [string, CompiledExpression])[] };

export interface PatternDef {
  name: string;
  condition: PatternCondition;
}

export interface ProcessorDef {
  name: string;
  window?: WindowSpec;
  allowedLateness: number;
  steps: readonly Step[];
  aggregate?: { by: readonly string[]; metrics: readonly MetricSpec[] };
  patterns: readonly PatternDef[];
}

export interface PatternTransition extends Transition {
  pattern: string;
  group: Readonly<Record<string, unknown>>;
  start: number;
  end: number;
  values: Readonly<Record<string, unknown>>;
}

export interface ProcessorCounters {
  processed: number;
  filtered: number;
  late: number;
  results: number;
  detected: number;
  errors: number;
}

export interface ProcessorState {
  counters: ProcessorCounters;
  windows?: WindowedAggregateState;
  spans: Record<string, WindowedAggregateState>;
  patterns: Record<string, Record<string, KeyState>>;
}

export interface ProcessorSinks {
  onResult?: (result: WindowResult) => void;
  onTransition: (transition: PatternTransition) => void;
}

const KEY_FIELDS = ['device_id', 'twinId'] as const;

export class StreamProcessor {
  readonly def: ProcessorDef;
  readonly counters: ProcessorCounters = { processed: 0, filtered: 0, late: 0, results: 0, detected: 0, errors: 0 };
  readonly #sinks: ProcessorSinks;
  readonly #windows: WindowedAggregate | undefined;
  /** `within D` patterns whose span differs from the window: their own sliding aggregate over the same events. */
  readonly #spans = new Map<string, WindowedAggregate>();
  readonly #detectors = new Map<string, PatternDetector>();
  /** Patterns judged on each result of the main window. */
  readonly #onMain: PatternDetector[] = [];
  readonly #onMainNames: string[] = [];
  /** Per `EXPR for D` pattern, each key's latest result: what a detection on the clock reports. */
  readonly #lastResults = new Map<string, Map<string, WindowResult>>();
  #fields: Record<string, unknown> = {};
  readonly #get = (f: string): unknown => this.#fields[f];
  /** Steps read the current event through this one closure rather than one made per event. */
  readonly #scope = (p: string): unknown => (Object.hasOwn(this.#fields, p) ? this.#fields[p] : undefined);

  constructor(def: ProcessorDef, sinks: ProcessorSinks) {
    this.def = def;
    this.#sinks = sinks;
    const agg = def.aggregate;
    const window = def.window;
    if (agg !== undefined && window !== undefined) {
      this.#windows = new WindowedAggregate({
        window,
        by: agg.by,
        metrics: agg.metrics,
        allowedLateness: def.allowedLateness,
        emit: (r) => this.#judge(r, this.#onMain, this.#onMainNames, true),
      });
    }
    for (const p of def.patterns) {
      const detector = new PatternDetector(p.condition);
      this.#detectors.set(p.name, detector);
      const c = p.condition;
      if (c.type === 'sustained') this.#lastResults.set(p.name, new Map());
      const base = window !== undefined && window.type === WindowType.Tumbling ? window.size : undefined;
      if (c.type === 'within' && agg !== undefined && window !== undefined && c.span !== base) {
        const slide = window.type === WindowType.Tumbling ? window.size : window.type === WindowType.Sliding ? window.slide : c.span;
        const span = new WindowedAggregate({
          window: { type: 'sliding', size: Math.max(c.span, slide), slide: Math.min(slide, c.span) },
          by: agg.by,
          metrics: agg.metrics,
          allowedLateness: def.allowedLateness,
          emit: (r) => this.#judge(r, [detector], [p.name], false),
        });
        this.#spans.set(p.name, span);
      } else {
        this.#onMain.push(detector);
        this.#onMainNames.push(p.name);
      }
    }
  }

  /** Patterns by name, for views. */
  get detectors(): ReadonlyMap<string, PatternDetector> {
    return this.#detectors;
  }

  get windows(): WindowedAggregate | undefined {
    return this.#windows;
  }

  /** One event; `fields` is the mapped reading (and is changed by map steps). */
  push(ts: number, fields: Record<string, unknown>): void {
    this.counters.processed++;
    this.#fields = fields;
    const scope = this.#scope;
    for (const step of this.def.steps) {
      if (step.type === 'filter') {
        let keep = false;
        try {
          keep = step.when.evaluate(scope) === true;
        } catch {
          this.counters.errors++;
        }
        if (!keep) {
          this.counters.filtered++;
          return;
        }
      } else {
        for (const [name, e] of step.fields) {
          try {
            fields[name] = e.evaluate(scope);
          } catch {
            this.counters.errors++;
            fields[name] = undefined;
          }
        }
      }
    }
    if (this.#windows === undefined) {
      const key = String(fields[KEY_FIELDS[0]] ?? fields[KEY_FIELDS[1]] ?? '');
      this.#judge({ key, group: {}, start: ts, end: ts, count: 1, values: fields }, this.#onMain, this.#onMainNames, false);
      return;
    }
    if (!this.#windows.add(ts, this.#get)) this.counters.late++;
    for (const [, span] of this.#spans) span.add(ts, this.#get);
  }

  /** The clock moved: close windows in idle streams, fire `absent`. */
  tick(now: number): void {
    this.#windows?.advance(now);
    for (const [, span] of this.#spans) span.advance(now);
    for (const [name, d] of this.#detectors) {
      const last = this.#lastResults.get(name);
      for (const t of d.onTick(now)) this.#emit(name, t, last?.get(t.key) ?? { key: t.key, group: {}, start: now, end: now, count: 0, values: {} });
    }
  }

  snapshot(): ProcessorState {
    const state: ProcessorState = { counters: { ...this.counters }, spans: {}, patterns: {} };
    if (this.#windows !== undefined) state.windows = this.#windows.snapshot();
    for (const [name, span] of this.#spans) state.spans[name] = span.snapshot();
    for (const [name, d] of this.#detectors) state.patterns[name] = d.snapshot();
    return state;
  }

  restore(state: ProcessorState): void {
    Object.assign(this.counters, state.counters);
    if (state.windows !== undefined) this.#windows?.restore(state.windows);
    for (const [name, s] of Object.entries(state.spans)) this.#spans.get(name)?.restore(s);
    for (const [name, s] of Object.entries(state.patterns)) this.#detectors.get(name)?.restore(s);
  }

  #judge(result: WindowResult, detectors: PatternDetector[], names: string[], isWindow: boolean): void {
    if (isWindow) {
      this.counters.results++;
      this.#sinks.onResult?.(result);
    }
    if (detectors.length === 0) return;
    const { values, group } = result;
    const scope = (p: string): unknown => {
      if (Object.hasOwn(values, p)) return values[p];
      if (Object.hasOwn(group, p)) return group[p];
      if (p === 'key') return result.key;
      if (p === 'window.start') return result.start;
      if (p === 'window.end') return result.end;
      if (p === 'count') return result.count;
      return undefined;
    };
    for (let i = 0; i < detectors.length; i++) {
      const d = detectors[i]!;
      const before = d.errors;
      const t = d.onResult(result.key, result.start, result.end, scope);
      this.#lastResults.get(names[i]!)?.set(result.key, result);
      this.counters.errors += d.errors - before;
      if (t !== undefined) this.#emit(names[i]!, t, result);
    }
  }

  #emit(pattern: string, t: Transition, result: WindowResult): void {
    if (t.phase === 'detected') this.counters.detected++;
    this.#sinks.onTransition({ ...t, pattern, group: result.group, start: result.start, end: result.end, values: result.values });
  }
}
