/**
 * YAML reading for config files and twin.yaml: one parse that either yields the value and a way to find
 * where a path was written, or every syntax error with its line and column.
 */
import { isNode, LineCounter, parseDocument } from 'yaml';
import type { Document } from 'yaml';

export interface YamlPosition {
  /** 1-based. */
  line: number;
  /** 1-based. */
  col: number;
}

export interface YamlError extends YamlPosition {
  message: string;
}

export interface YamlValue {
  ok: true;
  value: unknown;
  /** Where the value at `path` was written; for a path that is not in the file, its nearest written ancestor. */
  locate(path: readonly (string | number)[]): YamlPosition | undefined;
}

export type YamlResult = YamlValue | { ok: false; errors: YamlError[] };

/** Aliases expanding past this many nodes are refused, so a small file cannot expand into gigabytes. */
const MAX_ALIAS_COUNT = 100;

export function readYaml(text: string): YamlResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((e) => ({ ...lineCounter.linePos(e.pos[0]), message: firstLine(e.message) })),
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    return { ok: false, errors: [{ line: 1, col: 1, message: err instanceof Error ? err.message : String(err) }] };
  }
  return { ok: true, value, locate: (path) => locate(doc, lineCounter, path) };
}

/** `line 3, column 5: message`, the form config problems use. */
export function formatYamlError(e: YamlError): string {
  return `line ${e.line}, column ${e.col}: ${e.message}`;
}

function locate(doc: Document, lineCounter: LineCounter, path: readonly (string | number)[]): YamlPosition | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node: unknown = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range !== undefined && node.range !== null) return lineCounter.linePos(node.range[0]);
  }
  return undefined;
}

function firstLine(message: string): string {
  const end = message.indexOf('\n');
  return end < 0 ? message : message.slice(0, end);
}
