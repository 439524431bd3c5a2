/**
 * The safe expression language (DESIGN §5.6): parsed once, compiled to a tree of closures, never `eval`.
 *
 * Values are numbers, strings, booleans and "missing" (a path the scope does not know, or null). Missing flows
 * through arithmetic and functions as missing, makes an ordering comparison false and counts as false in logic, so
 * a filter over readings that lack a field simply does not match. Anything else of the wrong type — `"a" * 2`,
 * `3 and true` — throws an {@link ExpressionError} that names the operator, the column and what it got.
 */
import { ErrorCode, TwinflowError, type Problem } from '../errors.ts';
import { SyntaxProblem } from './lexer.ts';
import { parseExpression, type BinaryOp, type Node } from './parse.ts';

export interface CompiledExpression {
  readonly text: string;
  /** Every dotted path the expression reads, once each, in order of first use. */
  readonly identifiers: readonly string[];
  /** `scope` resolves a dotted path (`reported.temperature`, `context.device_id`); undefined means missing. */
  evaluate(scope: (path: string) => unknown): unknown;
}

export type CompileResult = { ok: true; expression: CompiledExpression } | { ok: false; problems: Problem[] };

/** A type error while evaluating: the message names the column, the operator and the offending value. */
export class ExpressionError extends TwinflowError {
  constructor(message: string) {
    super(ErrorCode.InvalidRequest, message);
    this.name = 'ExpressionError';
  }
}

type Scope = (path: string) => unknown;
type Fn = (scope: Scope) => unknown;

/**
 * Compiles `text`. A syntax error is one problem whose message starts with `column N:`; `columnOffset` shifts the
 * columns for an expression embedded in a longer text (a pattern condition).
 */
export function compileExpression(text: string, columnOffset = 0): CompileResult {
  const node = parseExpression(text);
  if (node instanceof SyntaxProblem) {
    return { ok: false, problems: [{ path: '', message: `column ${node.column + columnOffset}: ${node.message}` }] };
  }
  const identifiers: string[] = [];
  const fn = build(node, identifiers, columnOffset);
  return { ok: true, expression: { text, identifiers, evaluate: fn } };
}

const isMissing = (v: unknown): v is null | undefined => v === undefined || v === null;

function typeName(v: unknown): string {
  if (isMissing(v)) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
}

function fail(column: number, what: string, wanted: string, got: unknown): never {
  throw new ExpressionError(`column ${column}: ${what} needs ${wanted}, got ${typeName(got)}`);
}

function truth(v: unknown, column: number, op: string): boolean {
  if (typeof v === 'boolean') return v;
  if (isMissing(v)) return false;
  return fail(column, `"${op}"`, 'true or false', v);
}

function build(node: Node, ids: string[], offset: number): Fn {
  const column = node.column + offset;
  switch (node.type) {
    case 'literal': {
      const value = node.value;
      return () => value;
    }
    case 'path': {
      const path = node.path;
      if (!ids.includes(path)) ids.push(path);
      return (scope) => scope(path);
    }
    case 'unary': {
      const operand = build(node.operand, ids, offset);
      if (node.op === 'not') return (scope) => !truth(operand(scope), column, 'not');
      return (scope) => {
        const v = operand(scope);
        if (typeof v === 'number') return -v;
        if (isMissing(v)) return undefined;
        return fail(column, '"-"', 'a number', v);
      };
    }
    case 'in': {
      const needle = build(node.needle, ids, offset);
      const list = node.list.map((n) => build(n, ids, offset));
      const negated = node.negated;
      return (scope) => {
        const v = needle(scope);
        let found = false;
        for (const item of list) {
          if (item(scope) === v) {
            found = true;
            break;
          }
        }
        return found !== negated;
      };
    }
    case 'call':
      return buildCall(node.name, node.args.map((n) => build(n, ids, offset)), column);
    case 'binary':
      return buildBinary(node.op, build(node.left, ids, offset), build(node.right, ids, offset), column);
  }
}

function buildBinary(op: BinaryOp, left: Fn, right: Fn, column: number): Fn {
  switch (op) {
    case 'and':
      return (s) => truth(left(s), column, 'and') && truth(right(s), column, 'and');
    case 'or':
      return (s) => truth(left(s), column, 'or') || truth(right(s), column, 'or');
    case '==':
      return (s) => equal(left(s), right(s));
    case '!=':
      return (s) => !equal(left(s), right(s));
    case '<':
    case '<=':
    case '>':
    case '>=':
      return (s) => compare(op, left(s), right(s), column);
    case '+':
      return (s) => {
        const a = left(s);
        const b = right(s);
        if (typeof a === 'number' && typeof b === 'number') return a + b;
        if (typeof a === 'string' && typeof b === 'string') return a + b;
        if (isMissing(a) || isMissing(b)) return undefined;
        return fail(column, '"+"', 'two numbers or two strings', typeof a === 'number' || typeof a === 'string' ? b : a);
      };
    default:
      return arithmetic(op, left, right, column);
  }
}

function arithmetic(op: '-' | '*' | '/' | '%', left: Fn, right: Fn, column: number): Fn {
  const f = op === '-' ? (a: number, b: number) => a - b : op === '*' ? (a: number, b: number) => a * b : op === '/' ? (a: number, b: number) => a / b : (a: number, b: number) => a % b;
  return (s) => {
    const a = left(s);
    const b = right(s);
    if (typeof a === 'number' && typeof b === 'number') return f(a, b);
    if (isMissing(a) || isMissing(b)) return undefined;
    return fail(column, `"${op}"`, 'numbers', typeof a === 'number' ? b : a);
  };
}

const equal = (a: unknown, b: unknown): boolean => (isMissing(a) && isMissing(b)) || a === b;

function compare(op: '<' | '<=' | '>' | '>=', a: unknown, b: unknown, column: number): boolean {
  if (isMissing(a) || isMissing(b)) return false;
  const comparable = (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string');
  if (!comparable) return fail(column, `"${op}"`, 'two numbers or two strings', typeof a === typeof b ? a : typeof a === 'number' || typeof a === 'string' ? b : a);
  const x = a as number | string;
  const y = b as number | string;
  switch (op) {
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    case '>=':
      return x >= y;
  }
}

const UNARY_MATH: Readonly<Record<string, (x: number) => number>> = {
  abs: Math.abs,
  floor: Math.floor,
  ceil: Math.ceil,
  sqrt: Math.sqrt,
  exp: Math.exp,
  log: Math.log,
};

function buildCall(name: string, args: Fn[], column: number): Fn {
  const numbers = (s: Scope): number[] | undefined => {
    const out: number[] = [];
    for (const arg of args) {
      const v = arg(s);
      if (isMissing(v)) return undefined;
      if (typeof v !== 'number') return fail(column, `${name}()`, 'numbers', v);
      out.push(v);
    }
    return out;
  };
  const unary = UNARY_MATH[name];
  if (unary !== undefined) {
    return (s) => {
      const xs = numbers(s);
      return xs === undefined ? undefined : unary(xs[0]!);
    };
  }
  const nary: Record<string, (xs: number[]) => number> = {
    min: (xs) => Math.min(...xs),
    max: (xs) => Math.max(...xs),
    pow: (xs) => xs[0]! ** xs[1]!,
    clamp: (xs) => Math.min(Math.max(xs[0]!, xs[1]!), xs[2]!),
    round: (xs) => {
      const scale = 10 ** (xs[1] ?? 0);
      return Math.round(xs[0]! * scale) / scale;
    },
  };
  const f = nary[name]!;
  return (s) => {
    const xs = numbers(s);
    return xs === undefined ? undefined : f(xs);
  };
}
