import type { FastifyError, FastifyInstance } from 'fastify';
import { ErrorCode, TwinflowError, type Problem } from '../core/errors.ts';

/** The one place where error codes become HTTP statuses. */
export const STATUS_OF: Record<ErrorCode, number> = {
  [ErrorCode.InvalidRequest]: 400,
  [ErrorCode.InvalidConfig]: 400,
  [ErrorCode.InvalidTwinSpec]: 400,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.TwinNotFound]: 404,
  [ErrorCode.ServiceNotFound]: 404,
  [ErrorCode.CommandNotFound]: 404,
  [ErrorCode.SequenceNotFound]: 404,
  [ErrorCode.IdempotencyConflict]: 409,
  [ErrorCode.CommandFinal]: 409,
  [ErrorCode.SessionNotFound]: 404,
  [ErrorCode.BlockNotFound]: 404,
  [ErrorCode.InvalidParameters]: 422,
  [ErrorCode.Conflict]: 409,
  [ErrorCode.PreconditionFailed]: 412,
  [ErrorCode.PayloadTooLarge]: 413,
  [ErrorCode.Unauthorized]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.StoreFailure]: 503,
  [ErrorCode.BrokerFailure]: 503,
  [ErrorCode.NotReady]: 503,
  [ErrorCode.Internal]: 500,
};

interface ErrorBody {
  error: { code: string; message: string; details?: readonly Problem[] };
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | TwinflowError | Error, request, reply) => {
    const { status, body } = toResponse(err);
    if (status >= 500) request.log.error({ err }, 'request failed');
    void reply.status(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ error: { code: ErrorCode.NotFound, message: `no route ${request.method} ${request.url}` } });
  });
}

function toResponse(err: FastifyError | TwinflowError | Error): { status: number; body: ErrorBody } {
  if (err instanceof TwinflowError) {
    const body: ErrorBody = { error: { code: err.code, message: err.message } };
    if (err.details !== undefined) body.error.details = err.details;
    return { status: STATUS_OF[err.code], body };
  }
  const fastifyError = err as FastifyError;
  if (fastifyError.validation !== undefined) {
    const where = fastifyError.validationContext ?? 'request';
    const details = fastifyError.validation.map((v) => {
      const missing = (v.params as { missingProperty?: string }).missingProperty;
      const path = [where, ...v.instancePath.split('/').filter((s) => s !== ''), ...(missing === undefined ? [] : [missing])].join('.');
      return { path, message: v.message ?? 'is invalid' };
    });
    return {
      status: 400,
      body: { error: { code: ErrorCode.InvalidRequest, message: details.map((d) => `${d.path}: ${d.message}`).join('; '), details } },
    };
  }
  const status = fastifyError.statusCode ?? 500;
  if (status === 413) {
    return { status, body: { error: { code: ErrorCode.PayloadTooLarge, message: err.message } } };
  }
  if (status >= 400 && status < 500) {
    return { status, body: { error: { code: ErrorCode.InvalidRequest, message: err.message } } };
  }
  return { status: 500, body: { error: { code: ErrorCode.Internal, message: 'internal error' } } };
}
