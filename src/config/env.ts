/**
 * `${VAR}` and `${VAR:-default}` in config values (DESIGN.md §5.1). Substitution runs per scalar after the YAML
 * is parsed, so a value can never inject YAML structure, and a problem is reported at the path of the scalar.
 *
 * As in a shell, `${VAR:-default}` takes the default when VAR is unset or empty, and `${VAR}` with VAR set to
 * the empty string gives the empty string. `$${` writes a literal `${`. Keys are not substituted.
 */
import type { Problem } from '../core/errors.ts';
import { isJsonObject, setOwn } from '../core/json.ts';
import { childPath } from '../core/problem-path.ts';

export type Env = Readonly<Record<string, string | undefined>>;

const REFERENCE = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface Substituted {
  value: unknown;
  problems: Problem[];
}

export function substituteEnv(value: unknown, env: Env, path = ''): Substituted {
  const problems: Problem[] = [];
  const out = walk(value, env, path, problems);
  return { value: out, problems };
}

function walk(value: unknown, env: Env, path: string, problems: Problem[]): unknown {
  if (typeof value === 'string') return substituteString(value, env, path, problems);
  if (Array.isArray(value)) return value.map((v: unknown, i) => walk(v, env, childPath(path, i), problems));
  if (isJsonObject(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) setOwn(out, key, walk(value[key], env, childPath(path, key), problems));
    return out;
  }
  return value;
}

function substituteString(text: string, env: Env, path: string, problems: Problem[]): string {
  if (!text.includes('${')) return text;
  return text.replace(REFERENCE, (match: string, inner: string | undefined) => {
    if (match === '$${') return '${';
    if (inner === undefined) {
      problems.push({ path, message: 'has "${" without a closing "}"; write $${ for a literal "${"' });
      return match;
    }
    const sep = inner.indexOf(':-');
    const name = sep < 0 ? inner : inner.slice(0, sep);
    if (!NAME.test(name)) {
      problems.push({ path, message: `${match} is not a variable reference; write \${NAME} or \${NAME:-default}` });
      return match;
    }
    const set = env[name];
    if (sep >= 0) return set === undefined || set === '' ? inner.slice(sep + 2) : set;
    if (set === undefined) {
      problems.push({ path, message: `environment variable ${name} is not set (\${${name}:-default} gives a default)` });
      return match;
    }
    return set;
  });
}
