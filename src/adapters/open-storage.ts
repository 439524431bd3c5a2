import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ErrorCode, TwinflowError } from '../core/errors.ts';
import type { Storage } from '../ports.ts';

const ACCEPTED =
  'memory:, sqlite:PATH (sqlite::memory: for a private in-memory database), postgres://…[?schema=NAME] or postgresql://…';

/**
 * The store a `--store` URL names. Drivers are loaded only for the backend asked for, so a memory or SQLite
 * deployment never loads `pg`.
 */
export async function openStorage(url: string): Promise<Storage> {
  if (url === 'memory:') {
    const { createMemoryStorage } = await import('./memory/storage.ts');
    return createMemoryStorage();
  }
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path === '') throw invalid(url, 'it names no file');
    const { openSqliteStorage } = await import('./sqlite/storage.ts');
    if (path === ':memory:') return openSqliteStorage(path);
    try {
      await mkdir(dirname(resolve(path)), { recursive: true });
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new TwinflowError(ErrorCode.StoreFailure, `cannot create the directory of ${path}: ${reason}`, {
        cause: err,
      });
    }
    return openSqliteStorage(path);
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const { openPostgresStorage } = await import('./postgres/storage.ts');
    // `?schema=NAME` picks the schema of twinflow's tables (several deployments, or tests, on one database).
    const parsed = new URL(url);
    const schema = parsed.searchParams.get('schema');
    if (schema === null) return openPostgresStorage(url);
    parsed.searchParams.delete('schema');
    return openPostgresStorage(parsed.toString(), { schema });
  }
  throw invalid(url, 'its scheme is not one twinflow stores to');
}

function invalid(url: string, why: string): TwinflowError {
  const shown = JSON.stringify(redact(url));
  return new TwinflowError(ErrorCode.InvalidConfig, `store URL ${shown}: ${why}; use ${ACCEPTED}`);
}

/** A URL as it may be shown: without a password. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}
