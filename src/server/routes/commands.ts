import type { FastifyPluginAsync } from 'fastify';
import type { AuditRow, Command } from '../../core/command/command.ts';
import { isCommandStatus, isFinal, isResponseStatus } from '../../core/command/status.ts';
import { ErrorCode, ValidationError } from '../../core/errors.ts';
import type { Engine } from '../../engine/engine.ts';
import { parseCommandRequest } from '../../engine/commands-request.ts';
import { durationParam, invalid, tenantOf, timeParam } from '../request.ts';

export interface CommandRoutesOptions {
  engine: Engine;
  defaultTenant: string;
}

/** The longest `?wait=` honoured: a request should not hold a connection for minutes. */
const MAX_WAIT_MS = 60_000;

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

export function commandView(c: Command): Record<string, unknown> {
  return {
    id: c.id,
    tenant: c.tenant,
    twinId: c.twinId,
    name: c.name,
    params: c.params,
    priority: c.priority,
    ordered: c.ordered,
    status: c.status,
    final: isFinal(c.status),
    attempts: c.attempts,
    maxAttempts: c.retry.maxAttempts,
    timeoutMs: c.timeoutMs,
    delivery: c.delivery,
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
    createdBy: c.createdBy,
    ...(c.expiresAt === undefined ? {} : { expiresAt: iso(c.expiresAt) }),
    ...(c.notBefore === undefined ? {} : { nextAttemptAt: iso(c.notBefore) }),
    ...(c.idempotencyKey === undefined ? {} : { idempotencyKey: c.idempotencyKey }),
    ...(c.result === undefined ? {} : { result: c.result }),
    ...(c.error === undefined ? {} : { error: c.error }),
    ...(c.origin === undefined ? {} : { origin: c.origin }),
  };
}

const auditView = (r: AuditRow) => ({ at: iso(r.at), by: r.by, from: r.from, to: r.to, attempt: r.attempt, ...(r.detail === undefined ? {} : { detail: r.detail }) });

const nameParams = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1 }, name: { type: 'string', minLength: 1 } },
  required: ['id', 'name'],
} as const;
const idParams = { type: 'object', properties: { id: { type: 'string', minLength: 1 } }, required: ['id'] } as const;

/** Commands (DESIGN §5.8): submit, wait, read with the audit trail, list, cancel, and answers from HTTP devices. */
export const commandRoutes: FastifyPluginAsync<CommandRoutesOptions> = async (app, { engine, defaultTenant }) => {
  app.post('/api/twins/:id/commands/:name', { schema: { tags: ['commands'], params: nameParams } }, async (request, reply) => {
    const { id, name } = request.params as { id: string; name: string };
    const query = request.query as { wait?: string };
    const tenant = tenantOf(request, defaultTenant);
    const wait = durationParam(query.wait, 'query.wait');
    const parsed = parseCommandRequest(request.body);
    if (!parsed.ok) throw new ValidationError(ErrorCode.InvalidRequest, 'the command request is invalid', parsed.problems.map((p) => ({ ...p, path: `body.${p.path}` })));
    const { command, created } = await engine.commands.submit(tenant, id, name, parsed.request, 'api');
    let current = command;
    if (wait !== undefined) current = await engine.commands.wait(tenant, command.id, Math.min(wait, MAX_WAIT_MS));
    const status = isFinal(current.status) && wait !== undefined ? 200 : created ? 202 : 200;
    return reply.status(status).header('location', `/api/commands/${command.id}`).send(commandView(current));
  });

  app.get('/api/commands/:id', { schema: { tags: ['commands'], params: idParams } }, async (request) => {
    const { id } = request.params as { id: string };
    const tenant = tenantOf(request, defaultTenant);
    const command = await engine.commands.get(tenant, id);
    const audit = await engine.commands.audit(tenant, id);
    return { ...commandView(command), audit: audit.map(auditView) };
  });

  app.get('/api/commands', { schema: { tags: ['commands'] } }, async (request) => {
    const q = request.query as { twin?: string; status?: string; from?: string; to?: string; limit?: string; cursor?: string };
    const tenant = tenantOf(request, defaultTenant);
    if (q.status !== undefined && !isCommandStatus(q.status)) throw invalid('query.status', `"${q.status}" is not a command status`);
    const limit = q.limit === undefined ? undefined : Number(q.limit);
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= 1000)) throw invalid('query.limit', 'must be an integer from 1 to 1000');
    const from = timeParam(q.from, 'query.from');
    const to = timeParam(q.to, 'query.to');
    const page = await engine.commands.list(tenant, {
      ...(q.twin === undefined ? {} : { twinId: q.twin }),
      ...(q.status === undefined ? {} : { status: q.status }),
      ...(from === undefined ? {} : { from }),
      ...(to === undefined ? {} : { to }),
      ...(limit === undefined ? {} : { limit }),
      ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
    });
    return { items: page.items.map(commandView), ...(page.next === undefined ? {} : { next: page.next }) };
  });

  app.post('/api/commands/:id/cancel', { schema: { tags: ['commands'], params: idParams } }, async (request) => {
    const { id } = request.params as { id: string };
    const by = typeof request.headers['x-user'] === 'string' ? `api:${request.headers['x-user']}` : 'api';
    return commandView(await engine.commands.cancel(tenantOf(request, defaultTenant), id, by));
  });

  // Devices reached by webhook answer here when they finish later (the MQTT ones on …/commands/response).
  app.post('/api/commands/:id/response', { schema: { tags: ['commands'], params: idParams } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const tenant = tenantOf(request, defaultTenant);
    const body = (request.body ?? {}) as { status?: unknown; result?: never; error?: never };
    if (!isResponseStatus(body.status)) throw invalid('body.status', 'must be delivered, succeeded, failed or rejected');
    const command = await engine.commands.get(tenant, id);
    engine.commands.seen(tenant, command.twinId);
    await engine.commands.respond(tenant, command.twinId, id, {
      type: 'response',
      status: body.status,
      ...(body.result === undefined ? {} : { result: body.result }),
      ...(body.error === undefined ? {} : { error: body.error }),
    });
    return reply.status(200).send(commandView(await engine.commands.get(tenant, id)));
  });
};
