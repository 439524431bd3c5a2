/** The records twinflow keeps (DESIGN.md §4). Times are epoch milliseconds inside; ISO strings at the edges. */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export const TwinStatus = { Active: 'active', Deprecated: 'deprecated' } as const;
export type TwinStatus = (typeof TwinStatus)[keyof typeof TwinStatus];

export interface TwinInterfaces {
  api?: string;
  data_streams?: string[];
}

export interface TwinDependencies {
  static?: string[];
  dynamic?: string[];
}

export interface Relationship {
  name: string;
  target: string;
  properties?: JsonObject;
}

export interface BlockBinding {
  use?: string;
  module_path?: string;
  input?: string;
  version?: string;
  params?: JsonObject;
}

/** What a twin.yaml or the registry API says about a twin: everything but bookkeeping. */
export interface TwinSpec {
  id: string;
  name: string;
  model?: string;
  metadata: JsonObject;
  interfaces: TwinInterfaces;
  dependencies: TwinDependencies;
  relationships: Relationship[];
  groups: string[];
  dimensions: Record<string, string>;
  blocks: BlockBinding[];
  status: TwinStatus;
}

export interface Twin extends TwinSpec {
  tenant: string;
  /** +1 on every change; the registry ETag. */
  version: number;
  createdAt: number;
  updatedAt: number;
}

export interface Service {
  tenant: string;
  id: string;
  category: string;
  interfaces: JsonObject;
  health: JsonObject;
  metadata: JsonObject;
  version: number;
  createdAt: number;
  updatedAt: number;
}

export type TelemetryValue = number | boolean | string;

export interface TelemetryPoint {
  tenant: string;
  twinId: string;
  field: string;
  ts: number;
  value: TelemetryValue;
}

export const EventType = {
  TwinCreate: 'twin.create',
  TwinUpdate: 'twin.update',
  TwinDelete: 'twin.delete',
  ServiceUpdate: 'service.update',
  StateUpdate: 'state.update',
  StateDelta: 'state.delta',
  CommandStatus: 'command.status',
  PatternDetected: 'pattern.detected',
  AnomalyDetected: 'anomaly.detected',
  AlarmRaised: 'alarm.raised',
  AlarmCleared: 'alarm.cleared',
  IngestRejected: 'ingest.rejected',
  WorkflowDeployed: 'workflow.deployed',
  SimStep: 'sim.step',
  /** Desired and reported stayed apart after every healing retry (DESIGN §5.5). */
  TwinDrift: 'twin.drift',
  Telemetry: 'telemetry',
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

/** Live-only event types: they reach SSE subscribers but are not written to the event log. */
export const LIVE_ONLY_TYPES: ReadonlySet<string> = new Set<string>([EventType.Telemetry]);

export interface TwinEvent {
  /** Per-deployment monotonic; the SSE id. */
  seq: number;
  id: string;
  type: EventType;
  tenant: string;
  twinId?: string;
  time: number;
  data: JsonObject;
}

/** An event before the bus has given it a `seq` and `id`. */
export type NewEvent = Omit<TwinEvent, 'seq' | 'id'>;

export interface Page<T> {
  items: T[];
  next?: string;
}
