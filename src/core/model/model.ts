/**
 * The internal model (DESIGN §5.3): what a twin's properties, telemetry, commands, relationships and components
 * are. The compact YAML form of the iotflow seed and DTDL v2/v3 interfaces both compile to it.
 */

export const Primitive = {
  Boolean: 'boolean',
  Date: 'date',
  DateTime: 'dateTime',
  Double: 'double',
  Duration: 'duration',
  Float: 'float',
  Integer: 'integer',
  Long: 'long',
  String: 'string',
  Time: 'time',
  Byte: 'byte',
  Short: 'short',
  UnsignedByte: 'unsignedByte',
  UnsignedShort: 'unsignedShort',
  UnsignedInteger: 'unsignedInteger',
  UnsignedLong: 'unsignedLong',
  Bytes: 'bytes',
  Uuid: 'uuid',
  Any: 'any',
} as const;
export type Primitive = (typeof Primitive)[keyof typeof Primitive];

export type Schema =
  | { kind: 'primitive'; type: Primitive }
  | { kind: 'enum'; valueSchema: 'integer' | 'string'; values: { name: string; value: string | number }[] }
  | { kind: 'object'; fields: { name: string; schema: Schema }[] }
  | { kind: 'array'; elementSchema: Schema }
  | { kind: 'map'; keyName: string; valueName: string; valueSchema: Schema };

export interface ModelProperty {
  name: string;
  schema: Schema;
  writable: boolean;
  unit?: string;
  semanticType?: string;
}

export interface ModelTelemetry {
  name: string;
  schema: Schema;
  unit?: string;
  semanticType?: string;
}

export interface ModelCommand {
  name: string;
  request?: { name: string; schema: Schema; nullable?: boolean };
  response?: { name: string; schema: Schema; nullable?: boolean };
  /** Compact form: named parameters. */
  params?: Record<string, Schema>;
}

export interface ModelRelationship {
  name: string;
  target?: string;
  minMultiplicity?: number;
  maxMultiplicity?: number;
  properties: ModelProperty[];
}

export interface Model {
  /** Compact model name or DTMI. */
  id: string;
  displayName?: string;
  /** Ids of the models this one extends (already folded into the members below). */
  extends: string[];
  properties: Record<string, ModelProperty>;
  telemetry: Record<string, ModelTelemetry>;
  commands: Record<string, ModelCommand>;
  relationships: Record<string, ModelRelationship>;
  /** Component name → the id of its model. */
  components: Record<string, string>;
  /** Where it came from: `compact`, `dtdl-v2`, `dtdl-v3`. */
  source: string;
}

export function emptyModel(id: string, source: string): Model {
  return { id, extends: [], properties: {}, telemetry: {}, commands: {}, relationships: {}, components: {}, source };
}

/** How a schema is named in messages: `double`, `enum [off, cool]`, `object`. */
export function describeSchema(schema: Schema): string {
  switch (schema.kind) {
    case 'primitive':
      return schema.type;
    case 'enum':
      return `enum [${schema.values.map((v) => String(v.value)).join(', ')}]`;
    case 'array':
      return `array of ${describeSchema(schema.elementSchema)}`;
    case 'map':
      return `map of ${describeSchema(schema.valueSchema)}`;
    case 'object':
      return 'object';
  }
}
