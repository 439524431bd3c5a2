import type { FastifyPluginAsync } from 'fastify';
import type { WorkflowEngine } from '../../engine/workflows.ts';
import { tenantOf } from '../request.ts';

export interface WorkflowRoutesOptions {
  workflows: WorkflowEngine;
  defaultTenant: string;
}

const nameParams = { type: 'object', properties: { name: { type: 'string', minLength: 1 } }, required: ['name'] } as const;

/** Workflows (DESIGN §5.8): deploy, list, remove, metrics, aggregation results, alarms. No domain logic here. */
export const workflowRoutes: FastifyPluginAsync<WorkflowRoutesOptions> = async (app, { workflows, defaultTenant }) => {
  app.post('/api/workflows', async (request, reply) => {
    const tenant = tenantOf(request, defaultTenant);
    const name = (request.body as { name?: unknown } | null)?.name;
    const existed = typeof name === 'string' && workflows.list(tenant).some((e) => e.name === name);
    const exec = await workflows.deploy(request.body, tenant);
    return reply.status(existed ? 200 : 201).send({ name: exec.name, status: exec.status, workflow: exec.definition.document });
  });

  app.get('/api/workflows', async (request) => ({
    items: workflows.list(tenantOf(request, defaultTenant)).map((e) => ({ name: e.name, status: e.status, workflow: e.definition.document })),
  }));

  app.get('/api/workflows/:name', { schema: { params: nameParams } }, async (request) => {
    const e = workflows.get(tenantOf(request, defaultTenant), (request.params as { name: string }).name);
    return { name: e.name, status: e.status, workflow: e.definition.document };
  });

  app.delete('/api/workflows/:name', { schema: { params: nameParams } }, async (request, reply) => {
    await workflows.remove(tenantOf(request, defaultTenant), (request.params as { name: string }).name);
    return reply.status(204).send();
  });

  app.get('/api/workflows/:name/metrics', { schema: { params: nameParams } }, async (request) => {
    const e = workflows.get(tenantOf(request, defaultTenant), (request.params as { name: string }).name);
    return e.getMetrics(workflows.now());
  });

  app.get('/api/workflows/:name/aggregations/:agg', async (request) => {
    const { name, agg } = request.params as { name: string; agg: string };
    const q = request.query as { window?: string; group?: string };
    return workflows.aggregation(tenantOf(request, defaultTenant), name, agg, q.window, q.group);
  });

  app.get('/api/alarms', async (request) => {
    const q = request.query as { status?: string };
    return { items: await workflows.alarms(tenantOf(request, defaultTenant), q.status) };
  });

  app.post('/api/alarms/:id/ack', async (request) => {
    const { id } = request.params as { id: string };
    return workflows.acknowledgeAlarm(tenantOf(request, defaultTenant), id, 'api');
  });
};
