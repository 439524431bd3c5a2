import { ErrorCode, TwinflowError } from '../core/errors.ts';
import type { Twin } from '../core/types.ts';

/** The conflict every store reports when a `putTwin`'s `expectedVersion` does not hold (`0`: must not exist). */
export function versionConflict(twin: Twin, expected: number, current: number | undefined): TwinflowError {
  const found = current === undefined ? 'it does not exist' : `it is at version ${current}`;
  const wanted = expected === 0 ? 'not to exist yet' : `to be at version ${expected}`;
  return new TwinflowError(ErrorCode.Conflict, `twin ${twin.tenant}/${twin.id} was expected ${wanted}, but ${found}`);
}

/** Whether a write that expects `expected` may replace a twin now at `current` (undefined: absent). */
export function versionHolds(expected: number, current: number | undefined): boolean {
  return expected === 0 ? current === undefined : current === expected;
}
