import { ErrorCode, TwinflowError } from '../core/errors.ts';

/** Where a listing stopped: the (tenant, id) of the last item of a page. */
export interface PageKey {
  tenant: string;
  id: string;
}

/** The `next` of a page: opaque to clients, the same in every store so a cursor means one thing. */
export function encodeCursor(key: PageKey): string {
  return Buffer.from(JSON.stringify([key.tenant, key.id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): PageKey {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (err) {
    throw new TwinflowError(ErrorCode.InvalidRequest, `cursor ${JSON.stringify(cursor)} is not one this API gave out`, {
      cause: err,
    });
  }
  if (!Array.isArray(decoded) || decoded.length !== 2 || !decoded.every((part) => typeof part === 'string')) {
    throw new TwinflowError(ErrorCode.InvalidRequest, `cursor ${JSON.stringify(cursor)} is not one this API gave out`);
  }
  return { tenant: decoded[0] as string, id: decoded[1] as string };
}

/** The page size asked for, or the default; zero or a fraction would never get anywhere. */
export function pageLimit(limit: number | undefined, fallback: number): number {
  const value = limit ?? fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new TwinflowError(ErrorCode.InvalidRequest, `limit must be a whole number of at least 1, got ${value}`);
  }
  return value;
}
