/**
 * The DTDL v3 (and v2) metamodel as data: the classes, the properties each may have, and what a property's value
 * must be. `dtdl.ts` walks documents against it.
 */

export const PropertyKind = {
  String: 'string',
  LangString: 'langstring',
  Name: 'name',
  Boolean: 'boolean',
  Integer: 'integer',
  Dtmi: 'dtmi',
  Literal: 'literal',
  /** One element of the given classes, or a reference to one (or a primitive schema name where allowed). */
  Element: 'element',
} as const;
export type PropertyKind = (typeof PropertyKind)[keyof typeof PropertyKind];

export interface PropertyRule {
  kind: PropertyKind;
  required?: boolean;
  /** A set: any number of values (array or single). */
  plural?: boolean;
  /** For elements: the classes allowed. */
  classes?: readonly string[];
  /** For elements: primitive schema names allowed in place of an element. */
  primitives?: readonly string[] | 'all';
  /**
   * For elements: the value may be written in another DTDL version (its own @context naming another
   * dtmi:dtdl:context), since a v3 model may take these from v2 models; other elements are parts of their holder
   * and stay in its version. (Any element value may also be a DTMI reference to an element defined elsewhere.)
   */
  anyVersion?: boolean;
  maxLength?: number;
  min?: number;
  max?: number;
  /** Only in these DTDL versions. */
  versions?: readonly number[];
}

export interface ClassRule {
  properties: Record<string, PropertyRule>;
  /** `@type` may be left out (the class is implied by the property holding the element). */
  typeOptional?: boolean;
  idRequired?: boolean;
  idMaxLength: number;
}

export const PRIMITIVE_SCHEMAS_V3 = ['boolean', 'date', 'dateTime', 'double', 'duration', 'float', 'integer', 'long', 'string', 'time', 'byte', 'bytes', 'decimal', 'short', 'uuid', 'unsignedByte', 'unsignedShort', 'unsignedInteger', 'unsignedLong'] as const;
export const PRIMITIVE_SCHEMAS_V2 = ['boolean', 'date', 'dateTime', 'double', 'duration', 'float', 'integer', 'long', 'string', 'time'] as const;
export const GEOSPATIAL_SCHEMAS = ['point', 'multiPoint', 'lineString', 'multiLineString', 'polygon', 'multiPolygon'] as const;

const COMPLEX = ['Array', 'Enum', 'Map', 'Object'] as const;
const CONTENTS = ['Command', 'Component', 'Property', 'Relationship', 'Telemetry'] as const;

const common = (): Record<string, PropertyRule> => ({
  comment: { kind: PropertyKind.String, maxLength: 512 },
  description: { kind: PropertyKind.LangString, maxLength: 512 },
  displayName: { kind: PropertyKind.LangString, maxLength: 512 },
});
const name: PropertyRule = { kind: PropertyKind.Name, required: true, maxLength: 512 };
const schema: PropertyRule = { kind: PropertyKind.Element, required: true, classes: COMPLEX, primitives: 'all', anyVersion: true };

export const CLASSES: Record<string, ClassRule> = {
  Interface: {
    idRequired: true,
    idMaxLength: 128,
    properties: {
      ...common(),
      contents: { kind: PropertyKind.Element, plural: true, classes: CONTENTS, anyVersion: true },
      extends: { kind: PropertyKind.Element, plural: true, classes: ['Interface'], anyVersion: true, max: 1024 },
      schemas: { kind: PropertyKind.Element, plural: true, classes: COMPLEX },
    },
  },
  Telemetry: { idMaxLength: 2048, properties: { ...common(), name, schema } },
  Property: { idMaxLength: 2048, properties: { ...common(), name, schema, writable: { kind: PropertyKind.Boolean } } },
  Command: {
    idMaxLength: 2048,
    properties: {
      ...common(),
      name,
      request: { kind: PropertyKind.Element, classes: ['CommandRequest'] },
      response: { kind: PropertyKind.Element, classes: ['CommandResponse'] },
      // Deprecated in v3, yet the language still accepts it so that v2 Commands carry over unchanged.
      commandType: { kind: PropertyKind.String },
    },
  },
  CommandRequest: { typeOptional: true, idMaxLength: 2048, properties: { ...common(), name, schema, nullable: { kind: PropertyKind.Boolean, versions: [3] } } },
  CommandResponse: { typeOptional: true, idMaxLength: 2048, properties: { ...common(), name, schema, nullable: { kind: PropertyKind.Boolean, versions: [3] } } },
  CommandPayload: { typeOptional: true, idMaxLength: 2048, properties: { ...common(), name, schema } },
  Relationship: {
    idMaxLength: 2048,
    properties: {
      ...common(),
      name,
      maxMultiplicity: { kind: PropertyKind.Integer, min: 1 },
      minMultiplicity: { kind: PropertyKind.Integer, min: 0, max: 0 },
      properties: { kind: PropertyKind.Element, plural: true, classes: ['Property'] },
      target: { kind: PropertyKind.Dtmi, maxLength: 2048 },
      writable: { kind: PropertyKind.Boolean },
    },
  },
  Component: { idMaxLength: 2048, properties: { ...common(), name, schema: { kind: PropertyKind.Element, required: true, classes: ['Interface'], anyVersion: true } } },
  Array: { idMaxLength: 2048, properties: { ...common(), elementSchema: schema } },
  Enum: {
    idMaxLength: 2048,
    properties: {
      ...common(),
      enumValues: { kind: PropertyKind.Element, plural: true, classes: ['EnumValue'] },
      valueSchema: { kind: PropertyKind.Element, required: true, classes: [], primitives: ['integer', 'string'] },
    },
  },
  EnumValue: { typeOptional: true, idMaxLength: 2048, properties: { ...common(), name, enumValue: { kind: PropertyKind.Literal, required: true } } },
  Map: {
    idMaxLength: 2048,
    properties: {
      ...common(),
      mapKey: { kind: PropertyKind.Element, required: true, classes: ['MapKey'] },
      mapValue: { kind: PropertyKind.Element, required: true, classes: ['MapValue'] },
    },
  },
  MapKey: { typeOptional: true, idMaxLength: 2048, properties: { ...common(), name, schema: { kind: PropertyKind.Element, required: true, classes: [], primitives: ['string'] } } },
  MapValue: { typeOptional: true, idMaxLength: 2048, properties: { ...common(), name, schema } },
  Object: { idMaxLength: 2048, properties: { ...common(), fields: { kind: PropertyKind.Element, plural: true, classes: ['Field'] } } },
  Field: { typeOptional: true, idMaxLength: 2048, properties: { ...common(), name, schema } },
};

/** Classes that may carry the quantitative-types co-types (semantic types) and `unit`. */
export const SEMANTIC_HOSTS = new Set(['Telemetry', 'Property', 'Field', 'MapValue', 'CommandRequest', 'CommandResponse', 'CommandPayload']);

/** DTDL terms that name something (a class, a primitive schema, a property): irrelevant where they do not fit. */
export const DTDL_TERMS = new Set<string>([
  ...Object.keys(CLASSES),
  ...PRIMITIVE_SCHEMAS_V3,
  ...GEOSPATIAL_SCHEMAS,
  ...Object.values(CLASSES).flatMap((c) => Object.keys(c.properties)),
  'unit',
  'LatentType',
  'NamedLatentType',
  'Unit',
  'UnitAttribute',
  'QuantitativeType',
  'Historized',
  'Initialized',
  'Indexed',
  'Annotated',
  'Overridden',
  'initialValue',
  'index',
  'annotates',
  'overrides',
]);
