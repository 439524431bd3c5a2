/**
 * Command sequences (iotflow seed's `add_command_sequence`): the spec as a workflow's `command_sequences` section
 * writes it, checked and compiled once — conditions, parameter expressions and the target filter become compiled
 * expressions (DESIGN §5.6), steps come out in dependency order.
 */
import type { Problem } from '../errors.ts';
import { compileExpression, type CompiledExpression } from '../expr/compile.ts';
import type { Json, JsonObject } from '../types.ts';

export const ErrorStrategy = { Retry: 'retry', Skip: 'skip', Abort: 'abort', Compensate: 'compensate' } as const;
export type ErrorStrategy = (typeof ErrorStrategy)[keyof typeof ErrorStrategy];

export interface ErrorHandling {
  strategy: ErrorStrategy;
  /** retry: attempts in all. @default 3 */
  max_attempts?: number;
  /** retry: `exponential` or `constant`. @default exponential */
  backoff?: string;
  /** retry: first wait. @default 1s */
  delay?: string | number;
  /** compensate: the undo steps run, in order, on a device whose step failed. */
  compensate?: PlainStep[];
}

export interface PlainStep {
  command: string;
  parameters?: JsonObject;
}

/** A parameter: a literal, or an expression over `context.*`, `device.*`, `steps.*`. */
export type ParamValue = { kind: 'literal'; value: Json } | { kind: 'expression'; expression: CompiledExpression };

export interface SequenceStep {
  name: string;
  command: string;
  parameters: Record<string, ParamValue>;
  condition?: CompiledExpression;
  dependsOn: string[];
  errorHandling?: ErrorHandling;
  timeoutMs?: number;
}

export interface SequenceTarget {
  twin?: string;
  group?: string;
  filter?: CompiledExpression;
  selection: 'all' | 'nearest';
  /** nearest: the expression naming the device to be near (`context.device_id`). */
  toDevice?: CompiledExpression;
  /** nearest: how many. @default 1 */
  count: number;
}

export interface SequenceSpec {
  target: SequenceTarget;
  steps: SequenceStep[];
  errorHandling: ErrorHandling;
}

/** Roots an expression in a sequence may read. */
const ROOTS = new Set(['context', 'device', 'steps']);
const DEFAULT_HANDLING: ErrorHandling = { strategy: ErrorStrategy.Abort };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function expression(text: unknown, path: string, problems: Problem[]): CompiledExpression | undefined {
  if (typeof text !== 'string') {
    problems.push({ path, message: 'must be an expression string' });
    return undefined;
  }
  const compiled = compileExpression(text);
  if (!compiled.ok) {
    for (const p of compiled.problems) problems.push({ path, message: p.message });
    return undefined;
  }
  return compiled.expression;
}

/**
 * A string parameter is an expression when wrapped in `${…}`, or when it compiles and reads only `context.*`,
 * `device.*` or `steps.*` (the seed writes `"context.device_id"`); any other string (`"cool"`, `"auto"`) is literal.
 */
export function paramValue(value: Json, path: string, problems: Problem[]): ParamValue {
  if (typeof value !== 'string') return { kind: 'literal', value };
  const wrapped = /^\$\{(.*)\}$/s.exec(value);
  if (wrapped !== null) {
    const e = expression(wrapped[1], path, problems);
    return e === undefined ? { kind: 'literal', value } : { kind: 'expression', expression: e };
  }
  const compiled = compileExpression(value);
  if (compiled.ok && compiled.expression.identifiers.length > 0 && compiled.expression.identifiers.every((id) => ROOTS.has(id.split('.')[0]!))) {
    return { kind: 'expression', expression: compiled.expression };
  }
  return { kind: 'literal', value };
}

function errorHandling(raw: unknown, path: string, problems: Problem[]): ErrorHandling | undefined {
  if (raw === undefined) return undefined;
  if (!isObject(raw) || !(Object.values(ErrorStrategy) as unknown[]).includes(raw.strategy)) {
    problems.push({ path, message: `needs a strategy: ${Object.values(ErrorStrategy).join(', ')}` });
    return undefined;
  }
  const handling = { ...raw } as unknown as ErrorHandling;
  if (raw.max_attempts !== undefined && !(Number.isInteger(raw.max_attempts) && (raw.max_attempts as number) >= 1)) {
    problems.push({ path: `${path}.max_attempts`, message: 'must be an integer of at least 1' });
  }
  if (raw.compensate !== undefined) {
    const steps = Array.isArray(raw.compensate) ? raw.compensate : [];
    if (!Array.isArray(raw.compensate)) problems.push({ path: `${path}.compensate`, message: 'must be a list of {command, parameters}' });
    steps.forEach((s: unknown, i) => {
      if (!isObject(s) || typeof s.command !== 'string') problems.push({ path: `${path}.compensate[${i}]`, message: 'needs a "command"' });
    });
  }
  return handling;
}

export function parseSequenceSpec(raw: unknown): { ok: true; spec: SequenceSpec } | { ok: false; problems: Problem[] } {
  const problems: Problem[] = [];
  if (!isObject(raw)) return { ok: false, problems: [{ path: '', message: 'a sequence must be an object with "target" and "steps"' }] };
  const target = parseTarget(raw.target, problems);
  const steps: SequenceStep[] = [];
  if (!Array.isArray(raw.steps) || raw.steps.length === 0) problems.push({ path: 'steps', message: 'must be a non-empty list' });
  else {
    const names = new Set<string>();
    raw.steps.forEach((s: unknown, i) => {
      const path = `steps[${i}]`;
      if (!isObject(s) || typeof s.command !== 'string' || s.command === '') {
        problems.push({ path, message: 'needs a "command"' });
        return;
      }
      let name = typeof s.name === 'string' ? s.name : s.command;
      if (typeof s.name !== 'string') for (let n = 2; names.has(name); n++) name = `${s.command}_${n}`;
      if (names.has(name)) problems.push({ path: `${path}.name`, message: `"${name}" is used by an earlier step` });
      names.add(name);
      const parameters: Record<string, ParamValue> = {};
      if (s.parameters !== undefined && !isObject(s.parameters)) problems.push({ path: `${path}.parameters`, message: 'must be an object' });
      for (const [k, v] of Object.entries(isObject(s.parameters) ? s.parameters : {})) parameters[k] = paramValue(v as Json, `${path}.parameters.${k}`, problems);
      const dependsOn = s.depends_on === undefined ? (steps.length === 0 ? [] : [steps.at(-1)!.name]) : s.depends_on;
      if (!Array.isArray(dependsOn) || !dependsOn.every((d) => typeof d === 'string')) {
        problems.push({ path: `${path}.depends_on`, message: 'must be a list of step names' });
      }
      const step: SequenceStep = { name, command: s.command, parameters, dependsOn: Array.isArray(dependsOn) ? (dependsOn as string[]) : [] };
      if (s.condition !== undefined) {
        const c = expression(s.condition, `${path}.condition`, problems);
        if (c !== undefined) step.condition = c;
      }
      const handling = errorHandling(s.error_handling, `${path}.error_handling`, problems);
      if (handling !== undefined) step.errorHandling = handling;
      if (s.timeout_ms !== undefined) step.timeoutMs = Number(s.timeout_ms);
      steps.push(step);
    });
  }
  const ordered = orderSteps(steps, problems);
  const handling = errorHandling(raw.error_handling, 'error_handling', problems) ?? DEFAULT_HANDLING;
  if (problems.length > 0 || target === undefined) return { ok: false, problems };
  return { ok: true, spec: { target, steps: ordered, errorHandling: handling } };
}

function parseTarget(raw: unknown, problems: Problem[]): SequenceTarget | undefined {
  if (!isObject(raw)) {
    problems.push({ path: 'target', message: 'needs one of "twin", "group" or "filter"' });
    return undefined;
  }
  const target: SequenceTarget = { selection: 'all', count: 1 };
  if (typeof raw.twin === 'string') target.twin = raw.twin;
  if (typeof raw.group === 'string') target.group = raw.group;
  if (raw.filter !== undefined) {
    const f = expression(raw.filter, 'target.filter', problems);
    if (f !== undefined) target.filter = f;
  }
  if (raw.twin === undefined && raw.group === undefined && raw.filter === undefined) problems.push({ path: 'target', message: 'needs one of "twin", "group" or "filter"' });
  if (raw.selection === 'nearest') {
    target.selection = 'nearest';
    const params = isObject(raw.parameters) ? raw.parameters : {};
    const to = paramValue((params.to_device ?? null) as Json, 'target.parameters.to_device', problems);
    if (to.kind === 'expression') target.toDevice = to.expression;
    else problems.push({ path: 'target.parameters.to_device', message: 'nearest selection needs an expression naming the device, e.g. "context.device_id"' });
    if (params.count !== undefined) target.count = Number(params.count);
  } else if (raw.selection !== undefined && raw.selection !== 'all') {
    problems.push({ path: 'target.selection', message: 'must be "all" or "nearest"' });
  }
  return target;
}

/** Kahn's algorithm, stable in declaration order; unknown dependencies and cycles are problems. */
function orderSteps(steps: SequenceStep[], problems: Problem[]): SequenceStep[] {
  const byName = new Map(steps.map((s) => [s.name, s]));
  steps.forEach((s, i) => {
    for (const d of s.dependsOn) if (!byName.has(d)) problems.push({ path: `steps[${i}].depends_on`, message: `no step named "${d}"` });
  });
  const done = new Set<string>();
  const out: SequenceStep[] = [];
  const left = new Set(steps);
  while (left.size > 0) {
    const next = [...left].find((s) => s.dependsOn.every((d) => done.has(d) || !byName.has(d)));
    if (next === undefined) {
      problems.push({ path: 'steps', message: `dependencies form a cycle among ${[...left].map((s) => s.name).join(', ')}` });
      return steps;
    }
    done.add(next.name);
    left.delete(next);
    out.push(next);
  }
  return out;
}

/** The parameters of a step for one device; an expression that reads nothing known gives null. */
export function resolveParams(parameters: Record<string, ParamValue>, scope: (path: string) => unknown): JsonObject {
  const out: JsonObject = {};
  for (const [k, p] of Object.entries(parameters)) {
    out[k] = p.kind === 'literal' ? p.value : ((p.expression.evaluate(scope) ?? null) as Json);
  }
  return out;
}

/** A scope over nested JSON: `a.b.c` walks objects. */
export function pathScope(root: Record<string, unknown>): (path: string) => unknown {
  return (path) => {
    let value: unknown = root;
    for (const part of path.split('.')) {
      if (!isObject(value)) return undefined;
      value = value[part];
    }
    return value;
  };
}
