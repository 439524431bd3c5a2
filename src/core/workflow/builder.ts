/**
 * The iotflow seed's builder, in camelCase: the same dictionaries as the YAML sections, assembled in code.
 * `toDocument()` gives the workflow document that `parseWorkflow` (and `WorkflowEngine.deploy`) validates.
 */
import type { JsonObject } from '../types.ts';

type Section = Record<string, JsonObject>;

export class IoTWorkflow {
  readonly name: string;
  readonly #streamProcessors: Section = {};
  readonly #aggregations: Section = {};
  readonly #sequences: Section = {};
  #edge: Section = {};
  #twinSync: Section = {};

  constructor(name: string) {
    this.name = name;
  }

  addStreamProcessor(name: string, definition: JsonObject): this {
    this.#streamProcessors[name] = definition;
    return this;
  }

  addTelemetryAggregation(name: string, definition: JsonObject): this {
    this.#aggregations[name] = definition;
    return this;
  }

  addCommandSequence(name: string, definition: JsonObject): this {
    this.#sequences[name] = definition;
    return this;
  }

  setEdgeDistribution(distribution: Section): this {
    this.#edge = distribution;
    return this;
  }

  configureTwinSync(sync: Section): this {
    this.#twinSync = sync;
    return this;
  }

  toDocument(): JsonObject {
    const doc: JsonObject = { name: this.name };
    if (Object.keys(this.#streamProcessors).length > 0) doc.stream_processors = this.#streamProcessors;
    if (Object.keys(this.#aggregations).length > 0) doc.telemetry_aggregations = this.#aggregations;
    if (Object.keys(this.#sequences).length > 0) doc.command_sequences = this.#sequences;
    if (Object.keys(this.#edge).length > 0) doc.edge_distribution = this.#edge;
    if (Object.keys(this.#twinSync).length > 0) doc.twin_sync = this.#twinSync;
    return doc;
  }
}
