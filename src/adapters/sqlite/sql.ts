import type Database from 'better-sqlite3';
import { ErrorCode, TwinflowError } from '../../core/errors.ts';
import { encodeCursor, type PageKey } from '../paging.ts';

/** Prepares a statement once per distinct SQL text. */
export type Prepare = (sql: string) => Database.Statement;

/** Runs `fn`, wrapping what the driver throws in a `store_failure` that keeps it as the cause. */
export function guard<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof TwinflowError) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    throw new TwinflowError(ErrorCode.StoreFailure, `sqlite ${what} failed: ${reason}`, { cause: err });
  }
}

/**
 * Rows after a cursor's (tenant, id). Within one tenant it is said as `id > ?`: SQLite seeks the primary key with
 * that, whereas beside `tenant = ?` the row value would only be checked row by row from the tenant's first twin.
 */
export function afterCondition(after: PageKey, tenant: string | undefined, params: Record<string, unknown>): string {
  params.afterTenant = after.tenant;
  params.afterId = after.id;
  return tenant === after.tenant ? 'id > @afterId' : '(tenant, id) > (@afterTenant, @afterId)';
}

export function whereClause(conditions: readonly string[]): string {
  return conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
}

/** `rows` holds up to `limit + 1` items; the extra one only tells that another page follows. */
export function toPage<T extends PageKey>(rows: T[], limit: number): { items: T[]; next?: string } {
  if (rows.length <= limit) return { items: rows };
  const items = rows.slice(0, limit);
  return { items, next: encodeCursor(items[items.length - 1] as T) };
}
