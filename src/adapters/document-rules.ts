/**
 * What every backend of `DocumentStore` and `RecordLog` checks and reports the same way. It lives beside the memory
 * store, the reference the SQL stores are held to, so that the three agree on one wording and one set of rules.
 */
import { ErrorCode, TwinflowError } from '../core/errors.ts';
import type { LogEntry } from '../ports.ts';

/** The conflict a `put` reports when its `expectedVersion` does not hold (`0`: must not exist yet). */
export function documentConflict(
  collection: string,
  tenant: string,
  id: string,
  expected: number,
  current: number | undefined,
): TwinflowError {
  const found = current === undefined ? 'it does not exist' : `it is at version ${current}`;
  const wanted = expected === 0 ? 'not to exist yet' : `to be at version ${expected}`;
  return new TwinflowError(
    ErrorCode.Conflict,
    `document ${collection}/${tenant}/${id} was expected ${wanted}, but ${found}`,
  );
}

export interface PutOptions {
  expectedVersion?: number;
  tags?: Record<string, string>;
  now?: number;
}

/**
 * Refuses options no store could honour the same way: SQL columns hold whole numbers, and a tag that is not a string
 * could never be matched by a tag filter, which compares strings.
 */
export function checkPutOptions(options: PutOptions): void {
  const { expectedVersion, now, tags } = options;
  if (expectedVersion !== undefined && (!Number.isSafeInteger(expectedVersion) || expectedVersion < 0)) {
    throw new TwinflowError(
      ErrorCode.InvalidRequest,
      `expectedVersion must be a whole number of at least 0, got ${expectedVersion}`,
    );
  }
  if (now !== undefined && !Number.isSafeInteger(now)) {
    throw new TwinflowError(ErrorCode.InvalidRequest, `now must be whole epoch milliseconds, got ${now}`);
  }
  checkTags(tags);
}

/** Tags of a put or of a query: string values only. */
export function checkTags(tags: Record<string, string> | undefined): void {
  for (const [key, value] of Object.entries(tags ?? {})) {
    if (typeof value !== 'string') {
      throw new TwinflowError(ErrorCode.InvalidRequest, `tag ${JSON.stringify(key)} must be a string`);
    }
  }
}

/** Entries a log can keep: times are whole epoch ms (a bigint column), data is a JSON object. */
export function checkLogEntries(entries: readonly Omit<LogEntry, 'seq'>[]): void {
  entries.forEach((entry, i) => {
    if (!Number.isSafeInteger(entry.time)) {
      throw new TwinflowError(ErrorCode.InvalidRequest, `entries[${i}].time must be whole epoch ms, got ${entry.time}`);
    }
    if (typeof entry.data !== 'object' || entry.data === null || Array.isArray(entry.data)) {
      throw new TwinflowError(ErrorCode.InvalidRequest, `entries[${i}].data must be a JSON object`);
    }
  });
}

/** The filter values of a log query that are used as numbers: whole, so every store compares them alike. */
export function checkLogQuery(query: { from?: number; to?: number; after?: number }): void {
  for (const name of ['from', 'to', 'after'] as const) {
    const value = query[name];
    if (value !== undefined && !Number.isSafeInteger(value)) {
      throw new TwinflowError(ErrorCode.InvalidRequest, `${name} must be a whole number, got ${value}`);
    }
  }
}

const MAX_CODE_POINT = 0x10ffff;
const SURROGATES_START = 0xd800;
const SURROGATES_END = 0xdfff;

/**
 * The least string greater than every string starting with `prefix`, in code point order (SQLite's and PostgreSQL
 * `COLLATE "C"` byte order of UTF-8), or undefined when there is none. `id >= prefix AND id < end` then selects
 * exactly the ids with the prefix, as a range an index can seek, which neither LIKE nor a function of id is.
 */
export function prefixEnd(prefix: string): string | undefined {
  const chars = [...prefix];
  while (chars.length > 0) {
    const last = (chars.pop() as string).codePointAt(0) as number;
    if (last === MAX_CODE_POINT) continue;
    const next = last + 1 === SURROGATES_START ? SURROGATES_END + 1 : last + 1;
    return chars.join('') + String.fromCodePoint(next);
  }
  return undefined;
}
