/**
 * twinflow's public library API: an explicit list, nothing re-exported wholesale. What is not here is internal and
 * may change. The iotflow seed's example reads, in TypeScript:
 *
 *   const engine = new Engine({ storage: createMemoryStorage(), logger });
 *   await engine.start();
 *   const execution = await engine.deploy(new IoTWorkflow('hvac_optimization').addStreamProcessor(…));
 *   execution.getMetrics();
 */

// The engine and its parts
export { Engine, type EngineOptions, type Readiness } from './engine/engine.ts';
export { ManualClock, systemClock } from './engine/clock.ts';
export { WorkflowEngine, Execution, type WorkflowEngineOptions } from './engine/workflows.ts';
export { buildServer, type ServerOptions } from './server/app.ts';
export { startPlatform, type Platform, type PlatformOptions } from './cli/platform.ts';
export { loadConfig } from './config/load.ts';
export type { TwinflowConfig } from './config/schema.ts';

// Workflows, expressions, models
export { IoTWorkflow } from './core/workflow/builder.ts';
export { compileExpression, ExpressionError, type CompiledExpression } from './core/expr/compile.ts';
export { parseDuration } from './core/duration.ts';

// Model blocks and simulation numerics
export type { BlockDefinition, BlockOutput, BlockReading, ModelBlock, ModelBlockContext } from './core/blocks/model-block.ts';
export { BUILTIN_BLOCKS } from './core/blocks/builtins.ts';
export { integrate, SOLVER_DEFAULTS, type Derivative, type SolverOptions } from './core/sim/dormand-prince.ts';
export { scalarKalmanStep, SCALAR_KALMAN_INITIAL } from './core/sim/kalman.ts';
export { kalmanStep, constantVelocityModel, type KalmanModel, type KalmanState } from './core/sim/kalman-nd.ts';

// The device simulator (iotflow seed)
export { DeviceSimulator } from './simulator/device-simulator.ts';
export { Scenario } from './simulator/scenario.ts';
export { VirtualDevice } from './simulator/virtual-device.ts';

// Adapters
export { createMemoryStorage } from './adapters/memory/storage.ts';
export { openStorage } from './adapters/open-storage.ts';
export { createEmbeddedBroker } from './adapters/mqtt/embedded-broker.ts';
export { createExternalTransport } from './adapters/mqtt/external-client.ts';
export { createRedisSessionStore } from './adapters/redis/session-store.ts';

// Ports, records and errors
export type {
  Clock,
  DocumentStore,
  EventLog,
  Logger,
  RecordLog,
  SessionStore,
  Storage,
  TelemetryStore,
  Transport,
  TwinStore,
} from './ports.ts';
export { EventType, TwinStatus, type TelemetryPoint, type Twin, type TwinEvent, type TwinSpec } from './core/types.ts';
export { ErrorCode, NotFoundError, TwinflowError, ValidationError, type Problem } from './core/errors.ts';
