/**
 * The wire shapes the dashboard reads (DESIGN.md §4, §5.8). Times stay ISO-8601 strings here; the state
 * layer turns them into epoch milliseconds once, at the edge.
 */

export const TwinStatus = { Active: 'active', Deprecated: 'deprecated' } as const;
export type TwinStatus = typeof TwinStatus[keyof typeof TwinStatus];

export interface Relationship {
  readonly name: string;
  readonly target: string;
  readonly properties?: Readonly<Record<string, unknown>>;
}

export interface Twin {
  readonly tenant: string;
  readonly id: string;
  readonly name: string;
  readonly model?: string;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly interfaces: { readonly api?: string; readonly data_streams?: readonly string[] };
  readonly dependencies: { readonly static?: readonly string[]; readonly dynamic?: readonly string[] };
  readonly relationships: readonly Relationship[];
  readonly groups: readonly string[];
  readonly dimensions: Readonly<Record<string, unknown>>;
  readonly blocks: readonly unknown[];
  readonly status: TwinStatus;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly next?: string;
}

export const ComponentHealth = { Up: 'up', Down: 'down', Starting: 'starting' } as const;
export type ComponentHealth = typeof ComponentHealth[keyof typeof ComponentHealth];

export interface Readiness {
  readonly status: 'ready' | 'not_ready';
  readonly components: Readonly<Record<string, ComponentHealth | string>>;
}

/** One metric of prom-client's `registry.getMetricsAsJSON()`. */
export interface PromMetric {
  readonly name: string;
  readonly help?: string;
  readonly type: string;
  readonly values: readonly { readonly labels: Readonly<Record<string, string | number>>; readonly value: number }[];
}

export type TelemetryValue = number | boolean | string;

export interface TelemetryPoint {
  readonly ts: string;
  readonly value: TelemetryValue;
}

export interface LatestTelemetry {
  readonly twinId: string;
  readonly values: Readonly<Record<string, TelemetryPoint>>;
}

export interface TelemetrySeries {
  readonly twinId: string;
  readonly series: Readonly<Record<string, readonly TelemetryPoint[]>>;
}

export interface TelemetryQuery {
  readonly from: Date;
  readonly to: Date;
  readonly fields?: readonly string[];
  /** Bucket width in milliseconds, sent as `every=10s`. */
  readonly everyMs?: number;
  readonly agg?: 'avg' | 'min' | 'max' | 'last' | 'first' | 'sum' | 'count';
  readonly limit?: number;
}

/** The event types the dashboard subscribes to; the stream carries more, and more will come. */
export const PortalEventType = {
  Telemetry: 'telemetry',
  TwinCreate: 'twin.create',
  TwinUpdate: 'twin.update',
  TwinDelete: 'twin.delete',
  ServiceUpdate: 'service.update',
  IngestRejected: 'ingest.rejected',
  StateUpdate: 'state.update',
  StateDelta: 'state.delta',
  CommandStatus: 'command.status',
  PatternDetected: 'pattern.detected',
  AnomalyDetected: 'anomaly.detected',
  AlarmRaised: 'alarm.raised',
  AlarmCleared: 'alarm.cleared',
  WorkflowDeployed: 'workflow.deployed',
  SimStep: 'sim.step',
} as const;

/** Every type the Events page offers as a filter (DESIGN §4), telemetry last: it is the loud one. */
export const ALL_EVENT_TYPES: readonly PortalEventType[] = [
  'twin.create', 'twin.update', 'twin.delete', 'service.update', 'state.update', 'state.delta', 'command.status',
  'pattern.detected', 'anomaly.detected', 'alarm.raised', 'alarm.cleared', 'ingest.rejected', 'workflow.deployed', 'sim.step',
  'telemetry',
];
export type PortalEventType = typeof PortalEventType[keyof typeof PortalEventType];

export interface TelemetryReading {
  readonly ts: string;
  readonly values: Readonly<Record<string, TelemetryValue>>;
}

interface EventEnvelope<T extends string, D> {
  readonly seq: number;
  readonly id: string;
  readonly type: T;
  readonly tenant: string;
  readonly twinId?: string;
  readonly time: string;
  readonly data: D;
}

export type PortalEvent =
  | EventEnvelope<'telemetry', { readonly readings: readonly TelemetryReading[] }>
  | EventEnvelope<'twin.create' | 'twin.update', { readonly twin: Twin; readonly changed?: readonly string[]; readonly source?: string }>
  | EventEnvelope<'twin.delete', { readonly id: string }>
  | EventEnvelope<'service.update', Readonly<Record<string, unknown>>>
  | EventEnvelope<'ingest.rejected', { readonly topic: string; readonly reason: string; readonly message: string }>
  | EventEnvelope<
      'state.update' | 'state.delta' | 'command.status' | 'pattern.detected' | 'anomaly.detected' | 'alarm.raised' | 'alarm.cleared' | 'workflow.deployed' | 'sim.step',
      Readonly<Record<string, any>>
    >;

/** The twin's shadow (DESIGN §4: the AWS IoT Device Shadow document, plus per-property acks). */
export interface Shadow {
  readonly state: { readonly desired?: Record<string, unknown>; readonly reported?: Record<string, unknown>; readonly delta?: Record<string, unknown> };
  readonly metadata?: Record<string, unknown>;
  readonly version: number;
  readonly timestamp?: string | number;
  readonly ack?: Readonly<Record<string, { readonly desiredVersion?: number; readonly ackVersion?: number; readonly code?: string | number; readonly description?: string }>>;
}

export interface Command {
  readonly id: string;
  readonly twinId?: string;
  readonly name: string;
  readonly params?: Record<string, unknown>;
  readonly status: string;
  readonly attempts?: number;
  readonly createdAt?: string;
  readonly result?: unknown;
  readonly error?: unknown;
  /** The audit trail; the field name is whatever the server calls it. */
  readonly audit?: readonly Record<string, unknown>[];
  readonly history?: readonly Record<string, unknown>[];
  readonly transitions?: readonly Record<string, unknown>[];
}
