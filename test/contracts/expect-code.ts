import { expect } from 'vitest';
import { TwinflowError, type ErrorCode } from '../../src/core/errors.ts';

/** Awaits `promise` and checks that it rejected with a TwinflowError carrying `code`. */
export async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<TwinflowError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected a TwinflowError with code ${code}`).toBeInstanceOf(TwinflowError);
  expect((err as TwinflowError).code).toBe(code);
  return err as TwinflowError;
}
