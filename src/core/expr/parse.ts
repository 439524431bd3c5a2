/**
 * Recursive-descent parser of the expression language. Precedence, loosest first:
 * `or` < `and` < `not` < comparisons and `in` < `+ -` < `* / %` < unary `-` < literals, paths, calls, parentheses.
 */
import { SyntaxProblem, TokenKind, tokenize, type Token } from './lexer.ts';

export type Node =
  | { type: 'literal'; value: number | string | boolean | null; column: number }
  | { type: 'path'; path: string; column: number }
  | { type: 'unary'; op: '-' | 'not'; operand: Node; column: number }
  | { type: 'binary'; op: BinaryOp; left: Node; right: Node; column: number }
  | { type: 'in'; needle: Node; list: Node[]; negated: boolean; column: number }
  | { type: 'call'; name: string; args: Node[]; column: number };

export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '<' | '<=' | '>' | '>=' | '==' | '!=' | 'and' | 'or';

const COMPARISONS = new Set(['<', '<=', '>', '>=', '==', '!=']);
const LITERAL_WORDS: Record<string, boolean | null> = { true: true, false: false, null: null };

/** Functions by name with their accepted argument counts (DESIGN §5.6). */
export const FUNCTION_ARITY: Readonly<Record<string, readonly [min: number, max: number]>> = {
  abs: [1, 1],
  min: [1, Infinity],
  max: [1, Infinity],
  round: [1, 2],
  floor: [1, 1],
  ceil: [1, 1],
  sqrt: [1, 1],
  exp: [1, 1],
  log: [1, 1],
  pow: [2, 2],
  clamp: [3, 3],
};

class Parser {
  #i = 0;
  constructor(readonly tokens: Token[]) {}

  get #peek(): Token {
    return this.tokens[this.#i]!;
  }

  #isOp(text: string): boolean {
    const t = this.#peek;
    return t.kind === TokenKind.Operator && t.text === text;
  }

  #expect(text: string, what: string): Token {
    const t = this.#peek;
    if (t.kind !== TokenKind.Operator || t.text !== text) throw new SyntaxProblem(t.column, `expected ${what}, found ${describe(t)}`);
    this.#i++;
    return t;
  }

  parseAll(): Node {
    const node = this.#or();
    const t = this.#peek;
    if (t.kind !== TokenKind.End) throw new SyntaxProblem(t.column, `unexpected ${describe(t)}`);
    return node;
  }

  #or(): Node {
    let left = this.#and();
    while (this.#isOp('or')) {
      const column = this.#peek.column;
      this.#i++;
      left = { type: 'binary', op: 'or', left, right: this.#and(), column };
    }
    return left;
  }

  #and(): Node {
    let left = this.#not();
    while (this.#isOp('and')) {
      const column = this.#peek.column;
      this.#i++;
      left = { type: 'binary', op: 'and', left, right: this.#not(), column };
    }
    return left;
  }

  #not(): Node {
    if (this.#isOp('not')) {
      const column = this.#peek.column;
      this.#i++;
      return { type: 'unary', op: 'not', operand: this.#not(), column };
    }
    return this.#comparison();
  }

  #comparison(): Node {
    const left = this.#additive();
    const t = this.#peek;
    if (t.kind === TokenKind.Operator && COMPARISONS.has(t.text)) {
      this.#i++;
      const node: Node = { type: 'binary', op: t.text as BinaryOp, left, right: this.#additive(), column: t.column };
      const next = this.#peek;
      if (next.kind === TokenKind.Operator && COMPARISONS.has(next.text)) {
        throw new SyntaxProblem(next.column, `comparisons do not chain: write "a < b and b < c"`);
      }
      return node;
    }
    // `x not in [..]` reads better than `not (x in [..])`; both are accepted.
    const negated = this.#isOp('not') && this.tokens[this.#i + 1]?.kind === TokenKind.Operator && this.tokens[this.#i + 1]?.text === 'in';
    if (negated) this.#i++;
    if (this.#isOp('in')) {
      const column = this.#peek.column;
      this.#i++;
      this.#expect('[', '"[" after "in"');
      const list: Node[] = [];
      if (!this.#isOp(']')) {
        for (;;) {
          list.push(this.#additive());
          if (!this.#isOp(',')) break;
          this.#i++;
        }
      }
      this.#expect(']', '"," or "]"');
      return { type: 'in', needle: left, list, negated, column };
    }
    return left;
  }

  #additive(): Node {
    let left = this.#multiplicative();
    for (;;) {
      const t = this.#peek;
      if (t.kind !== TokenKind.Operator || (t.text !== '+' && t.text !== '-')) return left;
      this.#i++;
      left = { type: 'binary', op: t.text, left, right: this.#multiplicative(), column: t.column };
    }
  }

  #multiplicative(): Node {
    let left = this.#unary();
    for (;;) {
      const t = this.#peek;
      if (t.kind !== TokenKind.Operator || (t.text !== '*' && t.text !== '/' && t.text !== '%')) return left;
      this.#i++;
      left = { type: 'binary', op: t.text, left, right: this.#unary(), column: t.column };
    }
  }

  #unary(): Node {
    if (this.#isOp('-')) {
      const column = this.#peek.column;
      this.#i++;
      return { type: 'unary', op: '-', operand: this.#unary(), column };
    }
    if (this.#isOp('+')) {
      this.#i++;
      return this.#unary();
    }
    return this.#primary();
  }

  #primary(): Node {
    const t = this.#peek;
    switch (t.kind) {
      case TokenKind.Number:
        this.#i++;
        return { type: 'literal', value: t.value!, column: t.column };
      case TokenKind.String:
        this.#i++;
        return { type: 'literal', value: t.text, column: t.column };
      case TokenKind.Identifier: {
        this.#i++;
        if (this.#isOp('(')) return this.#call(t);
        if (Object.hasOwn(LITERAL_WORDS, t.text)) return { type: 'literal', value: LITERAL_WORDS[t.text]!, column: t.column };
        return { type: 'path', path: t.text, column: t.column };
      }
      case TokenKind.Operator:
        if (t.text === '(') {
          this.#i++;
          const inner = this.#or();
          this.#expect(')', '")"');
          return inner;
        }
        throw new SyntaxProblem(t.column, `unexpected ${describe(t)}`);
      default:
        throw new SyntaxProblem(t.column, 'expression ends too early');
    }
  }

  #call(name: Token): Node {
    const arity = Object.hasOwn(FUNCTION_ARITY, name.text) ? FUNCTION_ARITY[name.text] : undefined;
    if (arity === undefined) {
      throw new SyntaxProblem(name.column, `unknown function "${name.text}" (known: ${Object.keys(FUNCTION_ARITY).join(', ')})`);
    }
    this.#i++;
    const args: Node[] = [];
    if (!this.#isOp(')')) {
      for (;;) {
        args.push(this.#or());
        if (!this.#isOp(',')) break;
        this.#i++;
      }
    }
    this.#expect(')', '"," or ")"');
    const [min, max] = arity;
    if (args.length < min || args.length > max) {
      const wanted = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
      throw new SyntaxProblem(name.column, `${name.text}() takes ${wanted} argument${min === 1 && max === 1 ? '' : 's'}, got ${args.length}`);
    }
    return { type: 'call', name: name.text, args, column: name.column };
  }
}

function describe(t: Token): string {
  switch (t.kind) {
    case TokenKind.End:
      return 'end of expression';
    case TokenKind.String:
      return `string ${JSON.stringify(t.text)}`;
    default:
      return `"${t.text}"`;
  }
}

/** The syntax tree of `text`, or the first problem with its column. */
export function parseExpression(text: string): Node | SyntaxProblem {
  const tokens = tokenize(text);
  if (tokens instanceof SyntaxProblem) return tokens;
  try {
    return new Parser(tokens).parseAll();
  } catch (err) {
    if (err instanceof SyntaxProblem) return err;
    throw err;
  }
}
