import type { FastifyPluginAsync } from 'fastify';
import type { Engine } from '../../engine/engine.ts';
import type { Rollout } from '../../engine/rollouts.ts';
import type { SequenceRun } from '../../engine/sequences.ts';
import { invalid, tenantOf } from '../request.ts';

export interface SequenceRoutesOptions {
  engine: Engine;
  defaultTenant: string;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const runView = (run: SequenceRun) => ({ ...run, createdAt: iso(run.createdAt), updatedAt: iso(run.updatedAt) });
const rolloutView = (r: Rollout) => ({ ...r, policy: { ...r.policy }, createdAt: iso(r.createdAt), updatedAt: iso(r.updatedAt) });
const idParams = { type: 'object', properties: { id: { type: 'string', minLength: 1 } }, required: ['id'] } as const;
const nameParams = { type: 'object', properties: { name: { type: 'string', minLength: 1 } }, required: ['name'] } as const;

/** Command sequences and rolling deployments: start a run, follow each step on each device; roll out, resume. */
export const sequenceRoutes: FastifyPluginAsync<SequenceRoutesOptions> = async (app, { engine, defaultTenant }) => {
  app.get('/api/sequences', { schema: { tags: ['commands'] } }, async (request) => ({ items: engine.sequences.sequences(tenantOf(request, defaultTenant)) }));

  app.post('/api/sequences/:name/runs', { schema: { tags: ['commands'], params: nameParams } }, async (request, reply) => {
    const { name } = request.params as { name: string };
    const tenant = tenantOf(request, defaultTenant);
    const body = (request.body ?? {}) as { context?: unknown };
    if (body.context !== undefined && (typeof body.context !== 'object' || body.context === null || Array.isArray(body.context))) throw invalid('body.context', 'must be an object');
    const id = await engine.sequences.startSequence(tenant, name, (body.context ?? {}) as Record<string, unknown>);
    return reply.status(202).header('location', `/api/sequence-runs/${id}`).send(runView(await engine.sequences.getRun(tenant, id)));
  });

  app.get('/api/sequence-runs/:id', { schema: { tags: ['commands'], params: idParams } }, async (request) => {
    const { id } = request.params as { id: string };
    return runView(await engine.sequences.getRun(tenantOf(request, defaultTenant), id));
  });

  app.post('/api/rollouts', { schema: { tags: ['commands'] } }, async (request, reply) => {
    const rollout = await engine.rollouts.create(tenantOf(request, defaultTenant), request.body);
    return reply.status(202).header('location', `/api/rollouts/${rollout.id}`).send(rolloutView(rollout));
  });

  app.get('/api/rollouts/:id', { schema: { tags: ['commands'], params: idParams } }, async (request) => {
    const { id } = request.params as { id: string };
    return rolloutView(await engine.rollouts.get(tenantOf(request, defaultTenant), id));
  });

  app.post('/api/rollouts/:id/resume', { schema: { tags: ['commands'], params: idParams } }, async (request) => {
    const { id } = request.params as { id: string };
    return rolloutView(await engine.rollouts.resume(tenantOf(request, defaultTenant), id));
  });
};
