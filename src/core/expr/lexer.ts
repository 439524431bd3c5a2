/** Tokens of the expression language (DESIGN §5.6). Columns are 1-based so an error can point at them. */

export const TokenKind = {
  Number: 'number',
  String: 'string',
  Identifier: 'identifier',
  Operator: 'operator',
  End: 'end',
} as const;
export type TokenKind = (typeof TokenKind)[keyof typeof TokenKind];

export interface Token {
  kind: TokenKind;
  /** The operator or keyword text, the identifier path, or the string's decoded value. */
  text: string;
  value?: number;
  column: number;
}

export class SyntaxProblem {
  constructor(
    readonly column: number,
    readonly message: string,
  ) {}
}

const KEYWORD_OPERATORS = new Set(['and', 'or', 'not', 'in']);
const TWO_CHAR = new Set(['<=', '>=', '==', '!=', '&&', '||']);
const ONE_CHAR = new Set(['+', '-', '*', '/', '%', '<', '>', '!', '(', ')', '[', ']', ',']);
const NUMBER = /\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?/y;
const IDENTIFIER = /[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)*/y;

/** Splits `text` into tokens; `and or not in` come out as operators, `&& || !` as their word forms. */
export function tokenize(text: string): Token[] | SyntaxProblem {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      i++;
      continue;
    }
    const column = i + 1;
    if ((ch >= '0' && ch <= '9') || (ch === '.' && /\d/.test(text[i + 1] ?? ''))) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text)!;
      tokens.push({ kind: TokenKind.Number, text: m[0], value: Number(m[0]), column });
      i += m[0].length;
      continue;
    }
    if (ch === '"' || ch === "'") {
      let value = '';
      let j = i + 1;
      for (; j < text.length && text[j] !== ch; j++) {
        if (text[j] === '\\' && j + 1 < text.length) j++;
        value += text[j];
      }
      if (j >= text.length) return new SyntaxProblem(column, 'string is not closed');
      tokens.push({ kind: TokenKind.String, text: value, column });
      i = j + 1;
      continue;
    }
    IDENTIFIER.lastIndex = i;
    const id = IDENTIFIER.exec(text);
    if (id !== null) {
      const word = id[0];
      if (KEYWORD_OPERATORS.has(word)) tokens.push({ kind: TokenKind.Operator, text: word, column });
      else tokens.push({ kind: TokenKind.Identifier, text: word, column });
      i += word.length;
      if (text[i] === '.') return new SyntaxProblem(i + 1, `a path needs a name after "${word}."`);
      continue;
    }
    const two = text.slice(i, i + 2);
    if (TWO_CHAR.has(two)) {
      tokens.push({ kind: TokenKind.Operator, text: two === '&&' ? 'and' : two === '||' ? 'or' : two, column });
      i += 2;
      continue;
    }
    if (ONE_CHAR.has(ch)) {
      tokens.push({ kind: TokenKind.Operator, text: ch === '!' ? 'not' : ch, column });
      i++;
      continue;
    }
    if (ch === '=') return new SyntaxProblem(column, 'unexpected "=": compare with "=="');
    return new SyntaxProblem(column, `unexpected character ${JSON.stringify(ch)}`);
  }
  tokens.push({ kind: TokenKind.End, text: '', column: text.length + 1 });
  return tokens;
}
