/**
 * Every failure twinflow reports has a stable code. The server maps codes to HTTP statuses in one place
 * (`src/server/errors.ts`); `docs/errors.md` documents each code and a test keeps the two in step.
 */
export const ErrorCode = {
  InvalidRequest: 'invalid_request',
  InvalidConfig: 'invalid_config',
  InvalidTwinSpec: 'invalid_twin_spec',
  NotFound: 'not_found',
  TwinNotFound: 'twin_not_found',
  ServiceNotFound: 'service_not_found',
  CommandNotFound: 'command_not_found',
  SequenceNotFound: 'sequence_not_found',
  IdempotencyConflict: 'idempotency_conflict',
  CommandFinal: 'command_final',
  SessionNotFound: 'session_not_found',
  BlockNotFound: 'block_not_found',
  InvalidParameters: 'invalid_parameters',
  Conflict: 'conflict',
  PreconditionFailed: 'precondition_failed',
  PayloadTooLarge: 'payload_too_large',
  Unauthorized: 'unauthorized',
  Forbidden: 'forbidden',
  StoreFailure: 'store_failure',
  BrokerFailure: 'broker_failure',
  NotReady: 'not_ready',
  Internal: 'internal',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** One problem at one place of an input: `path` is dotted (`mqtt.port`, `twins[2].id`). */
export interface Problem {
  path: string;
  message: string;
}

export class TwinflowError extends Error {
  readonly code: ErrorCode;
  readonly details: readonly Problem[] | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: readonly Problem[] } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TwinflowError';
    this.code = code;
    this.details = options.details;
  }
}

/** An input failed validation; `details` lists every problem found, not only the first. */
export class ValidationError extends TwinflowError {
  constructor(code: ErrorCode, what: string, problems: readonly Problem[]) {
    super(code, `${what}:\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`, { details: problems });
    this.name = 'ValidationError';
  }
}

export class NotFoundError extends TwinflowError {
  constructor(code: ErrorCode, message: string) {
    super(code, message);
    this.name = 'NotFoundError';
  }
}

export function formatProblem(p: Problem): string {
  return p.path === '' ? p.message : `${p.path}: ${p.message}`;
}
