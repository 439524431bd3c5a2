/**
 * Pattern conditions (DESIGN §5.6): `EXPR`, `EXPR within D`, `EXPR for N consecutive windows`, `EXPR for D`,
 * `A then B within D`, `absent for D`, each optionally followed by `clear when EXPR`. Expression errors name the
 * column in the whole condition text.
 */
import { parseDuration } from '../duration.ts';
import type { Problem } from '../errors.ts';
import { compileExpression, type CompiledExpression } from '../expr/compile.ts';

export type PatternForm =
  | { type: 'each'; when: CompiledExpression }
  | { type: 'within'; when: CompiledExpression; span: number }
  | { type: 'consecutive'; when: CompiledExpression; windows: number }
  | { type: 'sustained'; when: CompiledExpression; duration: number }
  | { type: 'sequence'; first: CompiledExpression; then: CompiledExpression; within: number }
  | { type: 'absent'; duration: number };

export type PatternCondition = PatternForm & { clear?: CompiledExpression };

export type PatternParse = { ok: true; condition: PatternCondition } | { ok: false; problems: Problem[] };

const CLEAR = /\s+clear\s+when\s+/d;
const ABSENT = /^absent\s+for\s+(\S+)$/d;
const CONSECUTIVE = /^(.*\S)\s+for\s+(\d+)\s+consecutive\s+windows?$/d;
const SEQUENCE = /^(.*\S)\s+then\s+(.*\S)\s+within\s+(\S+)$/d;
const WITHIN = /^(.*\S)\s+within\s+(\S+)$/d;
const SUSTAINED = /^(.*\S)\s+for\s+(\S+)$/d;

export function parsePattern(text: string): PatternParse {
  const problems: Problem[] = [];
  const expr = (source: string, offset: number): CompiledExpression | undefined => {
    const r = compileExpression(source, offset);
    if (r.ok) return r.expression;
    problems.push(...r.problems);
    return undefined;
  };
  const duration = (source: string): number => {
    const ms = parseDuration(source);
    if (ms === undefined || ms <= 0) problems.push({ path: '', message: `"${source}" is not a duration such as 30s, 5m or 1h` });
    return ms ?? 0;
  };

  let main = text;
  let clear: CompiledExpression | undefined;
  const c = CLEAR.exec(text);
  if (c !== null) {
    main = text.slice(0, c.index);
    const at = c.index + c[0].length;
    clear = expr(text.slice(at), at);
  }
  const lead = main.length - main.trimStart().length;
  main = main.trim();
  // Column of a capture group in the whole text (0-based offset for compileExpression).
  const at = (m: RegExpExecArray, group: number) => lead + m.indices![group]![0];

  let form: PatternForm | undefined;
  let m: RegExpExecArray | null;
  if ((m = ABSENT.exec(main)) !== null) {
    form = { type: 'absent', duration: duration(m[1]!) };
  } else if ((m = CONSECUTIVE.exec(main)) !== null) {
    const windows = Number(m[2]);
    if (windows < 1) problems.push({ path: '', message: 'needs at least 1 consecutive window' });
    const when = expr(m[1]!, at(m, 1));
    if (when !== undefined) form = { type: 'consecutive', when, windows };
  } else if ((m = SEQUENCE.exec(main)) !== null) {
    const first = expr(m[1]!, at(m, 1));
    const then = expr(m[2]!, at(m, 2));
    const within = duration(m[3]!);
    if (first !== undefined && then !== undefined) form = { type: 'sequence', first, then, within };
  } else if ((m = WITHIN.exec(main)) !== null) {
    const span = duration(m[2]!);
    const when = expr(m[1]!, at(m, 1));
    if (when !== undefined) form = { type: 'within', when, span };
  } else if ((m = SUSTAINED.exec(main)) !== null && parseDuration(m[2]!) !== undefined) {
    const when = expr(m[1]!, at(m, 1));
    if (when !== undefined) form = { type: 'sustained', when, duration: duration(m[2]!) };
  } else {
    const when = expr(main, lead);
    if (when !== undefined) form = { type: 'each', when };
  }
  if (problems.length > 0 || form === undefined) return { ok: false, problems };
  return { ok: true, condition: clear === undefined ? form : { ...form, clear } };
}
