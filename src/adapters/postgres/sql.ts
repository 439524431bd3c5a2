import { ErrorCode, TwinflowError } from '../../core/errors.ts';
import { encodeCursor, type PageKey } from '../paging.ts';

/** Runs one prepared statement on a pooled connection, wrapping driver failures as `what` failed. */
export type Run = <R>(
  what: string,
  text: string,
  values: readonly unknown[],
) => Promise<{ rows: R[]; rowCount: number }>;

/** Runs `fn` in one transaction on one pooled connection; it commits when `fn` resolves and rolls back otherwise. */
export type Transact = <T>(what: string, fn: (run: Run) => Promise<T>) => Promise<T>;

export function reason(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return err.errors.map(reason).join('; ');
  // Node reports a refused connection as an error with an empty message and a `code`.
  if (err instanceof Error && err.message === '') return String((err as { code?: unknown }).code ?? err.name);
  if (err instanceof Error) return err.message;
  return String(err);
}

export function wrap(what: string, err: unknown): TwinflowError {
  if (err instanceof TwinflowError) return err;
  return new TwinflowError(ErrorCode.StoreFailure, `postgres ${what} failed: ${reason(err)}`, { cause: err });
}

/** Builds a statement's parameter list; `$n` placeholders come out in the order values are added. */
export class Params {
  readonly values: unknown[] = [];

  add(value: unknown, cast?: string): string {
    this.values.push(value);
    return cast === undefined ? `$${this.values.length}` : `$${this.values.length}::${cast}`;
  }
}

/** Rows after a cursor's (tenant, id); within one tenant `id > $n` keeps the primary key seek simple. */
export function afterCondition(after: PageKey, tenant: string | undefined, params: Params): string {
  if (tenant === after.tenant) return `id > ${params.add(after.id)}`;
  return `(tenant, id) > (${params.add(after.tenant)}, ${params.add(after.id)})`;
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
