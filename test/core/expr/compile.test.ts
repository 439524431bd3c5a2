import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileExpression, ExpressionError, type CompiledExpression } from '../../../src/core/expr/compile.ts';

function compiled(text: string): CompiledExpression {
  const result = compileExpression(text);
  if (!result.ok) throw new Error(result.problems.map((p) => p.message).join('; '));
  return result.expression;
}

const run = (text: string, vars: Record<string, unknown> = {}): unknown =>
  compiled(text).evaluate((path) => (Object.hasOwn(vars, path) ? vars[path] : undefined));

function problem(text: string): string {
  const result = compileExpression(text);
  if (result.ok) throw new Error(`"${text}" compiled`);
  expect(result.problems).toHaveLength(1);
  return result.problems[0]!.message;
}

describe('expression language', () => {
  it('evaluates arithmetic with the usual precedence', () => {
    expect(run('1 + 2 * 3')).toBe(7);
    expect(run('(1 + 2) * 3')).toBe(9);
    expect(run('10 - 4 - 3')).toBe(3);
    expect(run('2 * 3 % 4')).toBe(2);
    expect(run('-2 * -3')).toBe(6);
    expect(run('+5 - -5')).toBe(10);
    expect(run('7 / 2')).toBe(3.5);
    expect(run('.5 + 1.5e1')).toBe(15.5);
    expect(run('"ab" + "cd"')).toBe('abcd');
  });

  it('binds comparisons tighter than not, not tighter than and, and tighter than or', () => {
    expect(run('1 < 2 and 3 > 4 or 5 >= 5')).toBe(true);
    expect(run('not 1 > 2 and 2 <= 2')).toBe(true);
    expect(run('true or false and false')).toBe(true);
    expect(run('(true or false) and false')).toBe(false);
    expect(run('!(1 == 1) || 2 != 2')).toBe(false);
    expect(run('1 == 1 && "a" < "b"')).toBe(true);
    expect(run('null == missing')).toBe(true);
  });

  it('reads identifiers and dotted paths through the scope and lists them once', () => {
    const e = compiled('reported.temperature > 30 and context.device_id == "m1" and reported.temperature < 90');
    expect(e.identifiers).toEqual(['reported.temperature', 'context.device_id']);
    const scope = { 'reported.temperature': 40, 'context.device_id': 'm1' } as Record<string, unknown>;
    expect(e.evaluate((p) => scope[p])).toBe(true);
    expect(e.text).toContain('reported.temperature');
  });

  it('tests membership with in [..] and not in [..]', () => {
    expect(run('mode in ["cool", "auto"]', { mode: 'auto' })).toBe(true);
    expect(run('mode in ["cool", "auto"]', { mode: 'heat' })).toBe(false);
    expect(run('mode not in ["cool"]', { mode: 'heat' })).toBe(true);
    expect(run('x in []', { x: 1 })).toBe(false);
    expect(run('x + 1 in [1, 2, 3]', { x: 2 })).toBe(true);
  });

  it('has the math functions of §5.6', () => {
    expect(run('abs(-3)')).toBe(3);
    expect(run('min(4, 2, 8)')).toBe(2);
    expect(run('max(4, 2, 8)')).toBe(8);
    expect(run('round(2.345, 2)')).toBe(2.35);
    expect(run('round(2.5)')).toBe(3);
    expect(run('floor(2.7) + ceil(2.1)')).toBe(5);
    expect(run('sqrt(16)')).toBe(4);
    expect(run('exp(0)')).toBe(1);
    expect(run('log(exp(2))')).toBeCloseTo(2);
    expect(run('pow(2, 10)')).toBe(1024);
    expect(run('clamp(15, 0, 10)')).toBe(10);
    expect(run('clamp(-1, 0, 10)')).toBe(0);
  });

  it('lets missing values flow through so a filter on an absent field does not match', () => {
    expect(run('temperature > 0 and temperature < 50')).toBe(false);
    expect(run('temperature + 1')).toBeUndefined();
    expect(run('-temperature')).toBeUndefined();
    expect(run('abs(temperature)')).toBeUndefined();
    expect(run('max(1, temperature)')).toBeUndefined();
    expect(run('temperature * 2')).toBeUndefined();
    expect(run('not temperature')).toBe(true);
    expect(run('temperature != 3')).toBe(true);
  });

  it('names the column of a syntax error', () => {
    expect(problem('1 +')).toBe('column 4: expression ends too early');
    expect(problem('a > 1 and (b < 2')).toBe('column 17: expected ")", found end of expression');
    expect(problem('a = 1')).toBe('column 3: unexpected "=": compare with "=="');
    expect(problem('a > 1 b')).toBe('column 7: unexpected "b"');
    expect(problem('a # 1')).toBe('column 3: unexpected character "#"');
    expect(problem('"open')).toBe('column 1: string is not closed');
    expect(problem('a. > 1')).toBe('column 2: a path needs a name after "a."');
    expect(problem('1 < a < 3')).toBe('column 7: comparisons do not chain: write "a < b and b < c"');
    expect(problem('x in (1)')).toBe('column 6: expected "[" after "in", found "("');
    expect(problem('x in [1 2]')).toBe('column 9: expected "," or "]", found "2"');
    expect(problem(')')).toBe('column 1: unexpected ")"');
    expect(problem('"a" "b"')).toBe('column 5: unexpected string "b"');
    expect(compileExpression('1 +', 10)).toEqual({ ok: false, problems: [{ path: '', message: 'column 14: expression ends too early' }] });
  });

  it('refuses unknown functions and wrong argument counts at compile time', () => {
    expect(problem('x > 1 and foo(x)')).toMatch(/^column 11: unknown function "foo" \(known: abs, min/);
    expect(problem('pow(2)')).toBe('column 1: pow() takes 2 arguments, got 1');
    expect(problem('abs(1, 2)')).toBe('column 1: abs() takes 1 argument, got 2');
    expect(problem('min()')).toBe('column 1: min() takes at least 1 arguments, got 0');
    expect(problem('round(1, 2, 3)')).toBe('column 1: round() takes 1 to 2 arguments, got 3');
    expect(problem('abs(1,)')).toBe('column 7: expression ends too early'.replace('expression ends too early', 'unexpected ")"'));
    expect(problem('constructor(1)')).toMatch(/unknown function "constructor"/);
  });

  it('reports type errors with the column, the operator and the value it got', () => {
    const err = (text: string, vars: Record<string, unknown> = {}) => {
      try {
        run(text, vars);
      } catch (e) {
        expect(e).toBeInstanceOf(ExpressionError);
        return (e as Error).message;
      }
      throw new Error(`"${text}" evaluated`);
    };
    expect(err('"a" * 2')).toBe('column 5: "*" needs numbers, got string "a"');
    expect(err('2 - "a"')).toBe('column 3: "-" needs numbers, got string "a"');
    expect(err('1 + "a"')).toBe('column 3: "+" needs two numbers or two strings, got string "a"');
    expect(err('true + 1')).toBe('column 6: "+" needs two numbers or two strings, got boolean true');
    expect(err('3 and true')).toBe('column 3: "and" needs true or false, got number 3');
    expect(err('false or 3')).toBe('column 7: "or" needs true or false, got number 3');
    expect(err('not "x"')).toBe('column 1: "not" needs true or false, got string "x"');
    expect(err('-s', { s: 'x' })).toBe('column 1: "-" needs a number, got string "x"');
    expect(err('1 < "a"')).toBe('column 3: "<" needs two numbers or two strings, got string "a"');
    expect(err('o > 1', { o: { a: 1 } })).toBe('column 3: ">" needs two numbers or two strings, got an object');
    expect(err('true >= false')).toBe('column 6: ">=" needs two numbers or two strings, got boolean true');
    expect(err('abs(x)', { x: [1] })).toBe('column 1: abs() needs numbers, got a list');
  });

  it('reads nothing but what the scope gives: paths are plain names, no member access', () => {
    expect(run('constructor')).toBeUndefined();
    expect(run('__proto__ == null')).toBe(true);
  });

  it('property: arithmetic agrees with JavaScript on integers', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 1, max: 50 }), (a, b, c) => {
        expect(run('a + b * c', { a, b, c })).toBe(a + b * c);
        expect(run('(a - b) % c', { a, b, c })).toBe((a - b) % c);
        expect(run('a - b - c', { a, b, c })).toBe(a - b - c);
        expect(run('a < b or b <= c and not a == c', { a, b, c })).toBe(a < b || (b <= c && !(a === c)));
        expect(run('clamp(a, min(b, c), max(b, c))', { a, b, c })).toBe(Math.min(Math.max(a, Math.min(b, c)), Math.max(b, c)));
      }),
    );
  });

  it('property: any text either compiles or yields exactly one problem with a column inside it', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'ab1 .+-*/%()<>=!&|"[],in'.split('')), maxLength: 20 }), (text) => {
        const result = compileExpression(text);
        if (result.ok) return;
        expect(result.problems).toHaveLength(1);
        const column = Number(/^column (\d+):/.exec(result.problems[0]!.message)?.[1]);
        expect(column).toBeGreaterThanOrEqual(1);
        expect(column).toBeLessThanOrEqual(text.length + 1);
      }),
    );
  });

  it('property: a printed expression tree evaluates like the tree', () => {
    type T = { text: string; value: number };
    const leaf = fc.integer({ min: 0, max: 20 }).map((n): T => ({ text: String(n), value: n }));
    const tree = fc.letrec<{ t: T }>((tie) => ({
      t: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        fc.tuple(tie('t'), fc.constantFrom('+', '-', '*'), tie('t')).map(([l, op, r]): T => ({
          text: `(${l.text} ${op} ${r.text})`,
          value: op === '+' ? l.value + r.value : op === '-' ? l.value - r.value : l.value * r.value,
        })),
      ),
    })).t;
    fc.assert(
      fc.property(tree, (t) => {
        expect(run(t.text)).toBe(t.value);
      }),
    );
  });
});
