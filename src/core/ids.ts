/**
 * Tenant and twin id syntax (DESIGN.md §4). The checks return what is wrong rather than a boolean, because
 * the registry API, twin.yaml files and the config all report the reason to a person.
 */
import { describeType } from './json.ts';

export const DEFAULT_TENANT = 'default';

export const TENANT_MAX_LENGTH = 63;
export const TWIN_ID_MAX_LENGTH = 128;

const TENANT_FIRST = /[a-z0-9]/;
const TENANT_REST = /[a-z0-9-]/;
const TWIN_ID_FIRST = /[A-Za-z0-9]/;
const TWIN_ID_REST = /[A-Za-z0-9._:-]/;

interface IdRule {
  /** The whole syntax at once: ingest checks every message's ids, and valid ids are the common case. */
  valid: RegExp;
  max: number;
  first: RegExp;
  firstText: string;
  rest: RegExp;
  restText: string;
}

const TENANT_RULE: IdRule = {
  valid: /^[a-z0-9][a-z0-9-]{0,62}$/,
  max: TENANT_MAX_LENGTH,
  first: TENANT_FIRST,
  firstText: 'a lowercase letter or a digit',
  rest: TENANT_REST,
  restText: "lowercase letters, digits and '-'",
};

const TWIN_ID_RULE: IdRule = {
  valid: /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/,
  max: TWIN_ID_MAX_LENGTH,
  first: TWIN_ID_FIRST,
  firstText: 'a letter or a digit',
  rest: TWIN_ID_REST,
  restText: "letters, digits and '.', '_', ':', '-'",
};

/**
 * What is wrong with a tenant name, or undefined when it is valid. The message is a predicate
 * (`is 70 characters; at most 63`) so that it reads after a problem path; pass `subject` to get a sentence
 * (`tenant is 70 characters; at most 63`).
 */
export function checkTenant(value: unknown, subject?: string): string | undefined {
  return check(value, TENANT_RULE, subject);
}

/** What is wrong with a twin id, or undefined when it is valid; see {@link checkTenant} for the wording. */
export function checkTwinId(value: unknown, subject?: string): string | undefined {
  return check(value, TWIN_ID_RULE, subject);
}

export function isTenant(value: unknown): value is string {
  return checkTenant(value) === undefined;
}

export function isTwinId(value: unknown): value is string {
  return checkTwinId(value) === undefined;
}

function check(value: unknown, rule: IdRule, subject: string | undefined): string | undefined {
  const problem = predicate(value, rule);
  if (problem === undefined) return undefined;
  return subject === undefined ? problem : `${subject} ${problem}`;
}

function predicate(value: unknown, rule: IdRule): string | undefined {
  if (typeof value !== 'string') return `must be a string, not ${describeType(value)}`;
  if (rule.valid.test(value)) return undefined;
  if (value.length === 0) return 'must not be empty';
  if (value.length > rule.max) return `is ${value.length} characters; at most ${rule.max}`;
  const first = String.fromCodePoint(value.codePointAt(0) ?? 0);
  if (!rule.first.test(first)) return `must start with ${rule.firstText}, not ${quoteChar(first)}`;
  let position = 0;
  for (const c of value) {
    position++;
    if (position > 1 && !rule.rest.test(c)) {
      return `contains ${quoteChar(c)} at position ${position}; only ${rule.restText} are allowed`;
    }
  }
  return undefined;
}

function quoteChar(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  if (code < 0x20 || code === 0x7f || c === ' ') return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return `'${c}'`;
}
