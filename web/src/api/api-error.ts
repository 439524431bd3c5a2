/** Codes the client itself produces; anything else is a code from the server's error envelope. */
export const ClientErrorCode = {
  Network: 'network_error',
  BadResponse: 'bad_response',
} as const;
export type ClientErrorCode = typeof ClientErrorCode[keyof typeof ClientErrorCode];

/** A failed API call: the server's `{"error": {code, message, details}}`, or a client-side failure. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly code: string;
  /** HTTP status, or 0 when no response arrived. */
  readonly status: number;
  readonly details: unknown;

  constructor(code: string, message: string, opts: { status?: number; details?: unknown; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.code = code;
    this.status = opts.status ?? 0;
    this.details = opts.details;
  }
}

export const isAbortError = (err: unknown): boolean =>
  typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'AbortError';

/** Reads the error envelope if there is one; falls back to the status line. */
export async function errorFromResponse(res: Response): Promise<ApiError> {
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  const env = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
  if (env && typeof env.code === 'string') {
    const message = typeof env.message === 'string' ? env.message : `${res.status} ${res.statusText}`;
    return new ApiError(env.code, message, { status: res.status, details: env.details });
  }
  return new ApiError(`http_${res.status}`, `${res.status} ${res.statusText || 'error'}`.trim(), { status: res.status });
}
