/**
 * A simulatable model (DESIGN §5.8): named parameters with defaults, a state of named numbers that always holds
 * `time`, and a step that advances the state by `dt` seconds under a constant control input.
 */
import type { Problem } from '../errors.ts';
import type { SolverOptions } from './dormand-prince.ts';

export type SimParams = Record<string, number>;
export type SimState = Record<string, number>;

export interface ParamSpec {
  default: number;
  description: string;
  /** Smallest allowed value. */
  min?: number;
  /** The value must be strictly above `min`. */
  exclusiveMin?: boolean;
}

export interface SimModel {
  readonly name: string;
  readonly description: string;
  /** What `control_input` means. */
  readonly control: string;
  readonly params: Readonly<Record<string, ParamSpec>>;
  /** Problems that need more than one parameter to see (e.g. an initial level above the maximum). */
  crossCheck?(params: SimParams): Problem[];
  /** The parameter a measured value can start the state from (`from_twin`): `initial_level`, `initial_temperature`. */
  readonly initialFrom?: string;
  initial(params: SimParams): SimState;
  step(state: SimState, params: SimParams, control: number, dt: number, solver?: SolverOptions): SimState;
}

export function defaultParams(model: SimModel): SimParams {
  return Object.fromEntries(Object.entries(model.params).map(([k, spec]) => [k, spec.default]));
}

/**
 * The model's parameters with `given` applied over `base`; every unknown name, non-number and out-of-range
 * value is a problem, all of them reported together.
 */
export function resolveParams(model: SimModel, base: SimParams, given: unknown, path = 'params'): { params: SimParams; problems: Problem[] } {
  const params = { ...base };
  const problems: Problem[] = [];
  if (given === undefined || given === null) return { params, problems };
  if (typeof given !== 'object' || Array.isArray(given)) {
    return { params, problems: [{ path, message: 'must be an object of numbers' }] };
  }
  for (const [name, value] of Object.entries(given as Record<string, unknown>)) {
    const spec = model.params[name];
    if (spec === undefined) {
      problems.push({ path: `${path}.${name}`, message: `is not a parameter of ${model.name} (${Object.keys(model.params).join(', ')})` });
      continue;
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      problems.push({ path: `${path}.${name}`, message: 'must be a finite number' });
      continue;
    }
    if (spec.min !== undefined && (spec.exclusiveMin === true ? value <= spec.min : value < spec.min)) {
      problems.push({ path: `${path}.${name}`, message: `must be ${spec.exclusiveMin === true ? 'greater than' : 'at least'} ${spec.min}` });
      continue;
    }
    params[name] = value;
  }
  if (problems.length === 0 && model.crossCheck !== undefined) {
    problems.push(...model.crossCheck(params).map((p) => ({ ...p, path: p.path === '' ? path : `${path}.${p.path}` })));
  }
  return { params, problems };
}
