import type { FastifyPluginAsync } from 'fastify';
import type { BlockRegistry } from '../../engine/block-registry.ts';
import type { BlockRunner } from '../../engine/blocks.ts';
import type { Engine } from '../../engine/engine.ts';
import { tenantOf } from '../request.ts';

export interface BlockRoutesOptions {
  engine: Engine;
  blocks: BlockRegistry;
  runner?: BlockRunner;
  defaultTenant: string;
}

/**
 * The block registry (versions and metadata of every model block) and the blocks bound to a twin with their
 * counters. A twin switches version through the registry: PATCH its `blocks` with another `version`.
 */
export const blockRoutes: FastifyPluginAsync<BlockRoutesOptions> = async (app, { engine, blocks, runner, defaultTenant }) => {
  const tags = ['blocks'];
  app.get('/api/blocks', { schema: { tags, summary: 'Every model block with its versions' } }, async () => ({ items: blocks.describe() }));
  app.get<{ Params: { name: string } }>('/api/blocks/:name', { schema: { tags, summary: 'One block and its versions' } }, async (request) => {
    blocks.resolve(request.params.name);
    return blocks.describe(request.params.name)[0];
  });
  app.get<{ Params: { id: string } }>('/api/twins/:id/blocks', { schema: { tags, summary: "A twin's bound blocks and their counters" } }, async (request) => {
    const tenant = tenantOf(request, defaultTenant);
    const twin = await engine.registry.get(tenant, request.params.id);
    const stats = runner?.status(tenant, twin.id) ?? [];
    return {
      items: twin.blocks.map((binding, i) => ({ binding, ...(stats[i] === undefined ? {} : { stats: stats[i] }) })),
    };
  });
};
