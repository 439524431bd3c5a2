import type { FastifyPluginAsync } from 'fastify';
import type { SimulationService } from '../../engine/simulation.ts';
import { tenantOf } from '../request.ts';

export interface SimulateRoutesOptions {
  simulation: SimulationService;
  defaultTenant: string;
}

/**
 * The dual-system seed's session API, paths exactly as the seed (DESIGN §5.8). Bodies are checked by the service,
 * so a bad value answers 422 with every problem, as the seed's FastAPI/Pydantic app does.
 */
export const simulateRoutes: FastifyPluginAsync<SimulateRoutesOptions> = async (app, { simulation, defaultTenant }) => {
  const tags = ['simulation'];
  app.get('/simulate/models', { schema: { tags, summary: 'Simulation models and their default parameters' } }, async () => ({ items: simulation.models() }));
  app.post('/simulate/init', { schema: { tags, summary: 'Start a session: {model_name, params?, from_twin?} → {session_id}' } }, async (request) =>
    simulation.init(tenantOf(request, defaultTenant), request.body),
  );
  app.post('/simulate/step', { schema: { tags, summary: 'Advance a session: {session_id, control_input, delta_time}' } }, async (request) =>
    simulation.step(tenantOf(request, defaultTenant), request.body),
  );
  app.get<{ Params: { id: string } }>('/simulate/state/:id', { schema: { tags, summary: 'Current state' } }, async (request) =>
    simulation.state(tenantOf(request, defaultTenant), request.params.id),
  );
  app.get<{ Params: { id: string } }>('/simulate/history/:id', { schema: { tags, summary: 'Every state since init or reset' } }, async (request) =>
    simulation.history(tenantOf(request, defaultTenant), request.params.id),
  );
  app.get<{ Params: { id: string } }>('/simulate/logs/:id', { schema: { tags, summary: 'The session log' } }, async (request) =>
    simulation.logs(tenantOf(request, defaultTenant), request.params.id),
  );
  app.post('/simulate/reset', { schema: { tags, summary: 'Back to the initial state, optionally with new params' } }, async (request) =>
    simulation.reset(tenantOf(request, defaultTenant), request.body),
  );
  app.patch('/simulate/params', { schema: { tags, summary: 'Change parameters; the state goes on from where it is' } }, async (request) =>
    simulation.updateParams(tenantOf(request, defaultTenant), request.body),
  );
  app.post('/simulate/snapshot', { schema: { tags, summary: 'The whole session as a portable document' } }, async (request) =>
    simulation.snapshot(tenantOf(request, defaultTenant), request.body),
  );
  app.post('/simulate/restore', { schema: { tags, summary: 'A session from a snapshot: {snapshot, session_id?} → {session_id}' } }, async (request) =>
    simulation.restore(tenantOf(request, defaultTenant), request.body),
  );
};
