/**
 * DTDL v3 and v2 (DESIGN §5.3): validates a set of documents the way the specification decides, and compiles
 * every Interface to the internal model (`extends` folded in, components, relationships, semantic types, units,
 * enums, objects, arrays, maps).
 */
import type { Problem } from '../errors.ts';
import { isJsonObject } from '../json.ts';
import { childPath } from '../problem-path.ts';
import type { Json, JsonObject } from '../types.ts';
import { CLASSES, DTDL_TERMS, GEOSPATIAL_SCHEMAS, PRIMITIVE_SCHEMAS_V2, PRIMITIVE_SCHEMAS_V3, PropertyKind, SEMANTIC_HOSTS, type PropertyRule } from './dtdl-metamodel.ts';
import { emptyModel, type Model, type ModelProperty, type Schema } from './model.ts';

export interface DtdlOptions {
  /** Accept terms and co-types of extensions the parser does not know, where such a context is in scope. @default false */
  allowUndefinedExtensions?: boolean;
  /** Interfaces defined earlier (stored models) that references may name. */
  known?: (id: string) => boolean;
}

const DTMI = /^dtmi:(?:_+[A-Za-z0-9]|[A-Za-z])(?:[A-Za-z0-9_]*[A-Za-z0-9])?(?::(?:_+[A-Za-z0-9]|[A-Za-z])(?:[A-Za-z0-9_]*[A-Za-z0-9])?)*(?:;[1-9][0-9]{0,8}(?:\.[1-9][0-9]{0,5})?)?$/;
/** What a model author may use as an identifier: no segment starts with an underscore. */
const USER_DTMI = /^dtmi:[A-Za-z](?:[A-Za-z0-9_]*[A-Za-z0-9])?(?::[A-Za-z](?:[A-Za-z0-9_]*[A-Za-z0-9])?)*(?:;[1-9][0-9]{0,8}(?:\.[1-9][0-9]{0,5})?)?$/;
/** Prefixes the language reserves (DTDL.v3.md, Digital Twin Model Identifier): no model element may take them. */
const RESERVED_DTMI = /^dtmi:(?:dtdl|standard):/;
const isUserDtmi = (id: string): boolean => USER_DTMI.test(id) && !RESERVED_DTMI.test(id);
const PRIMITIVE_DTMI = /^dtmi:dtdl:instance:Schema:([A-Za-z]+);[23]$/;
/** The geospatial schemas' IRIs (DTDL.v3.md, Geospatial Schemas), which stand for their terms. */
const GEOSPATIAL_DTMI = /^dtmi:standard:schema:geospatial:([A-Za-z]+);3$/;
const XSD = 'http://www.w3.org/2001/XMLSchema#';
const CONTEXT_DTMI = /^dtmi:[A-Za-z](?:[A-Za-z0-9_]*[A-Za-z0-9])?(?::[A-Za-z](?:[A-Za-z0-9_]*[A-Za-z0-9])?)*;[1-9][0-9]{0,8}(?:\.[1-9][0-9]{0,5})?$/;
const NAME = /^[A-Za-z](?:[A-Za-z0-9_]*[A-Za-z0-9])?$/;
const TERM = /^[A-Za-z][A-Za-z0-9_]*$/;
const LANG = /^[a-z]{2,4}(?:-[A-Za-z0-9]{1,8})*$/;
const DTDL_CONTEXT = /^dtmi:dtdl:context;([23])$/;
const KNOWN_EXTENSIONS = /^dtmi:dtdl:extension:(quantitativeTypes|historization|annotation|overriding|mqtt|initialization|requirement|streaming|mapping);[1-9]$/;

interface Scope {
  version: 2 | 3;
  extensions: ReadonlySet<string>;
  undefinedExtension: boolean;
}

interface Element {
  id?: string;
  cls: string;
  node: JsonObject;
  path: string;
  scope: Scope;
  /** The nearest Interface holding this element (itself for an Interface). */
  partition?: Element;
}

interface Walk {
  options: DtdlOptions;
  problems: Problem[];
  ids: Map<string, Element>;
  /** Every element, with or without an @id: rules that span elements apply to all of them. */
  all: Element[];
  /** `from`: the Interface whose definition holds the reference (see `crossPartition`). */
  refs: { id: string; classes: readonly string[]; path: string; from: Element | undefined }[];
}

export type DtdlResult = { ok: true; models: Model[] } | { ok: false; problems: Problem[] };

/** Validates and compiles DTDL. `input` is a list of texts, each a document or an array of documents. */
export function compileDtdl(input: readonly unknown[], options: DtdlOptions = {}): DtdlResult {
  const walk: Walk = { options, problems: [], ids: new Map(), all: [], refs: [] };
  const roots: Element[] = [];
  input.forEach((text, t) => {
    const docs = Array.isArray(text) ? text : [text];
    if (Array.isArray(text) && text.length === 0) walk.problems.push({ path: `[${t}]`, message: 'an empty array holds no DTDL' });
    docs.forEach((doc, d) => {
      const path = Array.isArray(text) ? `[${t}][${d}]` : `[${t}]`;
      if (!isJsonObject(doc)) {
        walk.problems.push({ path, message: 'a DTDL document must be a JSON object' });
        return;
      }
      if (doc['@context'] === undefined) {
        walk.problems.push({ path: childPath(path, '@context'), message: 'required at the top of a document (dtmi:dtdl:context;3)' });
        return;
      }
      const scope = contextOf(doc['@context'], undefined, childPath(path, '@context'), walk);
      if (scope === undefined) return;
      const el = element(doc, ['Interface'], path, scope, walk, true);
      if (el !== undefined) roots.push(el);
    });
  });
  for (const ref of walk.refs) {
    const target = walk.ids.get(ref.id);
    if (target === undefined && options.known?.(ref.id) === true) continue;
    if (target === undefined) walk.problems.push({ path: ref.path, message: `refers to ${ref.id}, which is not defined` });
    else if (!ref.classes.includes(target.cls)) {
      walk.problems.push({ path: ref.path, message: `refers to ${ref.id}, a ${target.cls}; expected ${ref.classes.join(' or ')}` });
    } else if (target.partition !== ref.from && !crossPartition(target.cls)) {
      walk.problems.push({ path: ref.path, message: `refers to ${ref.id}, a ${target.cls} inside another Interface; only Interfaces and complex schemas may be referred to from outside` });
    }
  }
  if (walk.problems.length === 0) checkInterfaces(walk);
  if (walk.problems.length > 0) return { ok: false, problems: walk.problems };
  const interfaces = [...walk.ids.values()].filter((e) => e.cls === 'Interface');
  return { ok: true, models: interfaces.map((i) => compileInterface(i, walk)) };
}

/**
 * Any element may be referred to by its @id from within the Interface that defines it, but only Interfaces and
 * complex schemas are reusable from other Interfaces: the rest belong to the Interface holding them.
 */
const crossPartition = (cls: string): boolean => ['Interface', 'Array', 'Enum', 'Map', 'Object'].includes(cls);

function contextOf(value: unknown, parent: Scope | undefined, path: string, walk: Walk): Scope | undefined {
  const items = typeof value === 'string' ? [value] : Array.isArray(value) ? value : undefined;
  if (items === undefined) {
    walk.problems.push({ path, message: 'must be a context DTMI or a list of them' });
    return undefined;
  }
  let version = parent?.version;
  const extensions = new Set(parent?.extensions ?? []);
  let undefinedExtension = parent?.undefinedExtension ?? false;
  let sawDtdl = false;
  const seen = new Set<string>();
  for (let i = 0; i < items.length; i++) {
    const v = items[i];
    if (typeof v !== 'string') {
      walk.problems.push({ path: childPath(path, i), message: 'must be a string' });
      return undefined;
    }
    if (seen.has(v) && !DTDL_CONTEXT.test(v)) {
      walk.problems.push({ path: childPath(path, i), message: `${v} is listed twice` });
      return undefined;
    }
    seen.add(v);
    const dtdl = DTDL_CONTEXT.exec(v);
    if (dtdl !== null) {
      if (items.slice(0, i).some((prev) => typeof prev === 'string' && !DTDL_CONTEXT.test(prev))) {
        walk.problems.push({ path: childPath(path, i), message: 'the DTDL context must come first, once, at the top of a document' });
        return undefined;
      }
      sawDtdl = true;
      version = Number(dtdl[1]) as 2 | 3;
      continue;
    }
    if (!CONTEXT_DTMI.test(v)) {
      walk.problems.push({ path: childPath(path, i), message: `${v} is not a context DTMI with a version` });
      return undefined;
    }
    if (KNOWN_EXTENSIONS.test(v)) {
      extensions.add(v.slice(0, v.indexOf(';')));
      continue;
    }
    if (/^dtmi:dtdl:/.test(v) || walk.options.allowUndefinedExtensions !== true) {
      walk.problems.push({ path: childPath(path, i), message: `${v} is not a context this parser knows` });
      return undefined;
    }
    undefinedExtension = true;
  }
  if (version === undefined) {
    walk.problems.push({ path, message: 'must start with dtmi:dtdl:context;3 (or ;2)' });
    return undefined;
  }
  return { version, extensions, undefinedExtension };
}

interface Holder {
  /** The Interface holding the property whose value this element is. */
  partition?: Element;
  /** The holding property takes elements written in another DTDL version (`PropertyRule.anyVersion`). */
  anyVersion?: boolean;
}

/** One element of one of `classes`; undefined (with problems) when it is not one. */
function element(node: JsonObject, classes: readonly string[], path: string, parentScope: Scope, walk: Walk, root = false, holder: Holder = {}): Element | undefined {
  let scope = parentScope;
  if (!root && Object.hasOwn(node, '@context')) {
    const inner = contextOf(node['@context'], parentScope, childPath(path, '@context'), walk);
    if (inner === undefined) return undefined;
    if (inner.version !== parentScope.version && holder.anyVersion !== true) {
      walk.problems.push({ path: childPath(path, '@context'), message: `must stay in DTDL v${parentScope.version}: this element belongs to the one holding it` });
      return undefined;
    }
    scope = inner;
  }
  // DTDL v2 has the semantic types built in; v3 has them in the quantitative-types extension.
  const quant = scope.version === 2 || scope.extensions.has('dtmi:dtdl:extension:quantitativeTypes');
  const undefinedOk = scope.undefinedExtension && walk.options.allowUndefinedExtensions === true;
  // @type: one material class among `classes`, plus co-types an extension in scope defines.
  let types: string[];
  const rawType = node['@type'];
  if (rawType === undefined) {
    const implied = classes.find((c) => CLASSES[c]?.typeOptional === true);
    if (implied === undefined || classes.length !== 1) {
      walk.problems.push({ path: childPath(path, '@type'), message: `required: ${classes.join(' or ')}` });
      return undefined;
    }
    types = [implied];
  } else if (typeof rawType === 'string') types = [rawType];
  else if (Array.isArray(rawType) && rawType.length > 0 && rawType.every((t) => typeof t === 'string')) types = rawType as string[];
  else {
    walk.problems.push({ path: childPath(path, '@type'), message: 'must be a class name or a list of them' });
    return undefined;
  }
  types = [...new Set(types.map((t) => t.replace(/^dtmi:dtdl:class:([A-Za-z]+);[23]$/, '$1')))];
  const material = types.filter((t) => CLASSES[t] !== undefined || t === `dtmi:dtdl:class:${t.split(':').pop()}`);
  const cls = material.length === 1 ? material[0]!.replace(/^dtmi:dtdl:class:([A-Za-z]+);\d$/, '$1') : undefined;
  if (cls === undefined || !classes.includes(cls)) {
    walk.problems.push({ path: childPath(path, '@type'), message: `must name exactly one of ${classes.join(', ')}` });
    return undefined;
  }
  let semantic = false;
  let undefinedCoType = false;
  for (const t of types) {
    if (t === cls) continue;
    if (CLASSES[t] !== undefined) continue;
    if (TERM.test(t)) {
      // An undefined extension in scope may define any term, even one DTDL uses elsewhere, so such a co-type is
      // only known not to fit when no undefined extension is in scope.
      if (DTDL_TERMS.has(t) && !undefinedOk) {
        walk.problems.push({ path: childPath(path, '@type'), message: `${t} does not fit as a co-type of ${cls}` });
        return undefined;
      }
      if (quant && SEMANTIC_HOSTS.has(cls) && !DTDL_TERMS.has(t)) {
        semantic = true;
        continue;
      }
      if (undefinedOk) {
        undefinedCoType = true;
        continue;
      }
      walk.problems.push({ path: childPath(path, '@type'), message: `${t} is not defined by a context in scope` });
      return undefined;
    }
    if (DTMI.test(t) && t.includes(';') && !t.startsWith('dtmi:dtdl:')) {
      if (undefinedOk) {
        undefinedCoType = true;
        continue;
      }
      walk.problems.push({ path: childPath(path, '@type'), message: `${t} is not defined by a context in scope` });
      return undefined;
    }
    walk.problems.push({ path: childPath(path, '@type'), message: `${t} is neither a term nor a DTMI` });
    return undefined;
  }
  const rule = CLASSES[cls]!;
  const el: Element = { cls, node, path, scope };
  el.partition = cls === 'Interface' ? el : holder.partition;
  walk.all.push(el);
  // @id
  if (node['@id'] !== undefined) {
    const id = node['@id'];
    // v3 lets an Interface's DTMI leave out the version; v2 does not.
    const versionNeeded = cls === 'Interface' && scope.version === 2;
    if (typeof id !== 'string' || !isUserDtmi(id) || id.length > rule.idMaxLength || (versionNeeded && !/;[1-9]/.test(id))) {
      walk.problems.push({ path: childPath(path, '@id'), message: `must be a user DTMI${versionNeeded ? ' with a version' : ''} of at most ${rule.idMaxLength} characters, outside dtmi:dtdl: and dtmi:standard:` });
      return undefined;
    }
    if (walk.ids.has(id)) {
      walk.problems.push({ path: childPath(path, '@id'), message: `${id} is defined twice` });
      return undefined;
    }
    walk.ids.set(id, el);
    el.id = id;
  } else if (rule.idRequired === true) {
    walk.problems.push({ path: childPath(path, '@id'), message: 'required' });
    return undefined;
  }
  // properties: by term or by full DTMI, never both
  const given = new Map<string, { key: string; value: Json }>();
  for (const key of Object.keys(node)) {
    if (key === '@id' || key === '@type' || key === '@context') continue;
    const value = node[key] as Json;
    let term: string | undefined;
    const full = /^dtmi:dtdl:property:([A-Za-z]+);([23])$/.exec(key);
    if (full !== null) term = full[1];
    else if (key.startsWith('@')) {
      walk.problems.push({ path: childPath(path, key), message: `${key} is not allowed here` });
      return undefined;
    } else term = key;
    const propRule = term === undefined ? undefined : rule.properties[term];
    if (propRule !== undefined && (propRule.versions === undefined || propRule.versions.includes(scope.version))) {
      if (given.has(term!)) {
        walk.problems.push({ path: childPath(path, key), message: `${term} is given twice (as a term and as a DTMI)` });
        return undefined;
      }
      given.set(term!, { key, value });
      continue;
    }
    if (key === 'unit' && quant && semantic) continue;
    if (TERM.test(key)) {
      if (undefinedOk && undefinedCoType) continue;
      walk.problems.push({ path: childPath(path, key), message: `${key} is not a property of ${cls}` });
      return undefined;
    }
    if (DTMI.test(key) && !key.startsWith('dtmi:dtdl:')) {
      if (undefinedOk && undefinedCoType) continue;
      walk.problems.push({ path: childPath(path, key), message: `${key} is not defined by a context in scope` });
      return undefined;
    }
    walk.problems.push({ path: childPath(path, key), message: `${key} is neither a term nor a valid DTMI` });
    return undefined;
  }
  for (const [term, propRule] of Object.entries(rule.properties)) {
    if (propRule.versions !== undefined && !propRule.versions.includes(scope.version)) continue;
    const g = given.get(term);
    // In JSON-LD an empty array is no value at all, so a singular property given [] is simply absent.
    if (g === undefined || (propRule.plural !== true && Array.isArray(g.value) && g.value.length === 0)) {
      if (propRule.required === true) walk.problems.push({ path: childPath(path, term), message: 'required' });
      continue;
    }
    property(el, term, propRule, g.value, childPath(path, g.key), walk);
  }
  return el;
}

function property(el: Element, term: string, rule: PropertyRule, value: Json, path: string, walk: Walk): void {
  const bad = (message: string) => walk.problems.push({ path, message });
  const v3 = el.scope.version === 3;
  if (value === null) return void bad('must not be null');
  if (rule.plural !== true && Array.isArray(value) && rule.kind !== PropertyKind.LangString) {
    if (value.length !== 1) return void bad('takes exactly one value');
    value = value[0] as Json;
  }
  // A DTMI-valued property names a node; a JSON-LD value object is a literal, so it cannot stand for one.
  if (rule.kind === PropertyKind.Dtmi && isJsonObject(value)) return void bad('must be a DTMI, not a value object');
  if (rule.kind !== PropertyKind.Element && rule.kind !== PropertyKind.LangString) {
    const literal = literalOf(value, rule.kind);
    if (literal === undefined) return void bad('has a malformed JSON-LD value object');
    value = literal;
  }
  const values: Json[] = Array.isArray(value) ? value : [value];
  if (rule.max !== undefined && rule.plural === true && values.length > rule.max) return void bad(`takes at most ${rule.max} values`);
  switch (rule.kind) {
    case PropertyKind.String:
      if (typeof value !== 'string') return void bad('must be a string');
      if (rule.maxLength !== undefined && value.length > rule.maxLength) bad(`is longer than ${rule.maxLength} characters`);
      return;
    case PropertyKind.Name: {
      if (typeof value !== 'string') return void bad('must be a string');
      const max = v3 ? (rule.maxLength ?? 512) : 64;
      if (value.length > max) return void bad(`is longer than ${max} characters`);
      if (!NAME.test(value)) bad('must start with a letter, hold only letters, digits and underscores, and end with a letter or digit');
      return;
    }
    case PropertyKind.LangString: {
      const max = v3 ? (rule.maxLength ?? 512) : term === 'displayName' ? 64 : 512;
      if (typeof value === 'string') {
        if (value.length > max) bad(`is longer than ${max} characters`);
        return;
      }
      if (isJsonObject(value)) {
        for (const [lang, text] of Object.entries(value)) {
          if (!LANG.test(lang)) return void bad(`${lang} is not a language code`);
          if (typeof text !== 'string') return void bad('must map language codes to strings');
          if (text.length > max) return void bad(`is longer than ${max} characters`);
        }
        return;
      }
      if (Array.isArray(value)) {
        const langs = new Set<string>();
        for (const raw of value) {
          const item = typeof raw === 'string' ? { '@value': raw } : raw;
          if (!isJsonObject(item) || typeof item['@value'] !== 'string' || Object.keys(item).some((k) => k !== '@value' && k !== '@language')) return void bad('must be a string or language-tagged strings');
          const lang = item['@language'];
          if (lang !== undefined && (typeof lang !== 'string' || !LANG.test(lang))) return void bad('has an invalid @language');
          const key = typeof lang === 'string' ? lang : '';
          if (langs.has(key)) return void bad('gives one language twice');
          langs.add(key);
          if (item['@value'].length > max) return void bad(`is longer than ${max} characters`);
        }
        return;
      }
      return void bad('must be a string or a map of language code to string');
    }
    case PropertyKind.Boolean:
      if (typeof value !== 'boolean') bad('must be true or false');
      return;
    case PropertyKind.Integer:
      if (typeof value !== 'number' || !Number.isInteger(value)) return void bad('must be an integer');
      if (rule.min !== undefined && value < rule.min) bad(`must be at least ${rule.min}`);
      if (rule.max !== undefined && value > rule.max) bad(`must be at most ${rule.max}`);
      return;
    case PropertyKind.Dtmi:
      if (typeof value !== 'string' || !isUserDtmi(value) || value.length > (rule.maxLength ?? 2048)) bad('must be a user DTMI');
      return;
    case PropertyKind.Literal: {
      if (values.length !== 1 || (typeof values[0] !== 'string' && !(typeof values[0] === 'number' && Number.isInteger(values[0])))) bad('must be an integer or a string');
      return;
    }
    case PropertyKind.Element: {
      values.forEach((item, i) => {
        const at = Array.isArray(value) ? childPath(path, i) : path;
        if (typeof item === 'string') {
          const primitiveDtmi = PRIMITIVE_DTMI.exec(item);
          if (primitiveDtmi !== null) item = primitiveDtmi[1]!;
          const geospatialDtmi = v3 ? GEOSPATIAL_DTMI.exec(item) : null;
          if (geospatialDtmi !== null) item = geospatialDtmi[1]!;
          const primitives = rule.primitives === 'all' ? [...(v3 ? PRIMITIVE_SCHEMAS_V3 : PRIMITIVE_SCHEMAS_V2), ...(v3 ? GEOSPATIAL_SCHEMAS : [])] : (rule.primitives ?? []);
          if ((primitives as readonly string[]).includes(item)) return;
          if ((rule.classes ?? []).length > 0 && DTMI.test(item) && !item.startsWith('dtmi:dtdl:')) {
            walk.refs.push({ id: item, classes: rule.classes ?? [], path: at, from: el.partition });
            return;
          }
          walk.problems.push({ path: at, message: `${item} is not a ${rule.primitives === undefined ? (rule.classes ?? []).join('/') : 'schema'} here` });
          return;
        }
        if (!isJsonObject(item) || (rule.classes ?? []).length === 0) {
          walk.problems.push({ path: at, message: `must be ${rule.primitives !== undefined && rule.primitives !== 'all' ? rule.primitives.join(' or ') : `a ${(rule.classes ?? []).join('/')}`}` });
          return;
        }
        const child = element(item, rule.classes ?? [], at, el.scope, walk, false, { ...(el.partition === undefined ? {} : { partition: el.partition }), ...(rule.anyVersion === true ? { anyVersion: true } : {}) });
        // Reusable schemas are referred to by id, so they must have one.
        if (child !== undefined && term === 'schemas' && child.id === undefined) walk.problems.push({ path: childPath(at, '@id'), message: 'required for a schema in schemas' });
      });
      return;
    }
  }
}

/** Rules that span elements: unique names, extends depth and cycles, components without components, schema depth. */
function checkInterfaces(walk: Walk): void {
  const byId = walk.ids;
  for (const el of walk.all) {
    const node = el.node;
    if (el.cls === 'Interface') {
      const names = new Set<string>();
      const seen = new Set<string>();
      const visit = (iface: Element, depth: number): void => {
        if (depth > 10) {
          walk.problems.push({ path: el.path, message: 'extends more than 10 levels deep' });
          return;
        }
        if (seen.has(iface.id ?? iface.path)) {
          if (iface === el) walk.problems.push({ path: el.path, message: 'extends itself' });
          return;
        }
        seen.add(iface.id ?? iface.path);
        for (const c of listOf(iface.node, 'contents')) {
          const content = typeof c === 'string' ? byId.get(c)?.node : c;
          if (!isJsonObject(content)) continue;
          const n = prop(content, 'name');
          if (typeof n !== 'string') continue;
          if (names.has(n)) walk.problems.push({ path: el.path, message: `contents name ${n} is used twice (extends included)` });
          names.add(n);
          if (iface === el || true) {
            const t = content['@type'];
            const isComponent = t === 'Component' || (Array.isArray(t) && t.includes('Component'));
            if (isComponent && componentNests(content, byId)) walk.problems.push({ path: el.path, message: `component ${n} holds a component` });
          }
        }
        for (const parent of listOf(iface.node, 'extends')) {
          const p = typeof parent === 'string' ? byId.get(parent) : [...byId.values()].find((e) => e.node === parent);
          if (p !== undefined) visit(p, depth + 1);
          if (p === el) walk.problems.push({ path: el.path, message: 'extends itself' });
        }
      };
      visit(el, 0);
    }
    if (el.cls === 'Enum') {
      const names = new Set<string>();
      const values = new Set<string>();
      const valueSchema = prop(node, 'valueSchema');
      for (const given of listOf(node, 'enumValues')) {
        const ev = nodeOf(given, walk);
        if (!isJsonObject(ev)) continue;
        const n = prop(ev, 'name');
        const v = prop(ev, 'enumValue');
        if (typeof n === 'string') {
          if (names.has(n)) walk.problems.push({ path: el.path, message: `enum value name ${n} is used twice` });
          names.add(n);
        }
        const scalar = plainValue(v);
        const key = JSON.stringify(scalar);
        if (values.has(key)) walk.problems.push({ path: el.path, message: `enum value ${key} is used twice` });
        values.add(key);
        if ((valueSchema === 'integer' && typeof scalar !== 'number') || (valueSchema === 'string' && typeof scalar !== 'string')) {
          walk.problems.push({ path: el.path, message: `enum value ${key} is not a ${String(valueSchema)}` });
        }
      }
    }
    if (el.cls === 'Object') uniqueNames(el, listOf(node, 'fields'), 'field', walk);
    if (el.cls === 'Relationship') uniqueNames(el, listOf(node, 'properties'), 'property', walk);
    if (el.cls === 'Array' || el.cls === 'Map' || el.cls === 'Object') {
      if (schemaDepth(node, byId, new Set()) > 5) walk.problems.push({ path: el.path, message: 'nests schemas more than 5 levels deep' });
    }
    if (el.cls === 'Relationship') {
      const min = prop(node, 'minMultiplicity');
      const max = prop(node, 'maxMultiplicity');
      if (typeof min === 'number' && typeof max === 'number' && max < min) walk.problems.push({ path: el.path, message: 'maxMultiplicity is below minMultiplicity' });
    }
  }
}

function uniqueNames(el: Element, items: Json[], what: string, walk: Walk): void {
  const names = new Set<string>();
  for (const given of items) {
    const item = nodeOf(given, walk);
    if (!isJsonObject(item)) continue;
    const n = prop(item, 'name');
    if (typeof n !== 'string') continue;
    if (names.has(n)) walk.problems.push({ path: el.path, message: `${what} name ${n} is used twice` });
    names.add(n);
  }
}

/** A property's value, given by term or full DTMI. */
function prop(node: JsonObject, term: string): Json | undefined {
  const v = node[term] ?? Object.entries(node).find(([k]) => k.startsWith(`dtmi:dtdl:property:${term};`))?.[1];
  return Array.isArray(v) && v.length === 1 && term !== 'contents' && term !== 'extends' && term !== 'schemas' && term !== 'enumValues' && term !== 'fields' && term !== 'properties' ? v[0] : v;
}

function listOf(node: JsonObject, term: string): Json[] {
  const v = prop(node, term);
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function componentNests(component: JsonObject, byId: Map<string, Element>): boolean {
  const schema = prop(component, 'schema');
  const iface = typeof schema === 'string' ? byId.get(schema)?.node : isJsonObject(schema) ? schema : undefined;
  if (iface === undefined) return false;
  const seen = new Set<JsonObject>();
  const hasComponent = (i: JsonObject): boolean => {
    if (seen.has(i)) return false;
    seen.add(i);
    for (const c of listOf(i, 'contents')) {
      const content = typeof c === 'string' ? byId.get(c)?.node : c;
      if (!isJsonObject(content)) continue;
      const t = content['@type'];
      if (t === 'Component' || (Array.isArray(t) && t.includes('Component'))) return true;
    }
    for (const p of listOf(i, 'extends')) {
      const parent = typeof p === 'string' ? byId.get(p)?.node : isJsonObject(p) ? p : undefined;
      if (parent !== undefined && hasComponent(parent)) return true;
    }
    return false;
  };
  return hasComponent(iface);
}

function schemaDepth(node: Json | undefined, byId: Map<string, Element>, seen: Set<unknown>): number {
  const n = typeof node === 'string' ? byId.get(node)?.node : node;
  if (!isJsonObject(n) || seen.has(n)) return seen.has(n) ? 99 : 0;
  const next = new Set(seen).add(n);
  const t = n['@type'];
  const is = (c: string) => t === c || (Array.isArray(t) && t.includes(c));
  if (is('Array')) return 1 + schemaDepth(prop(n, 'elementSchema'), byId, next);
  if (is('Map')) {
    const mv = prop(n, 'mapValue');
    return 1 + (isJsonObject(mv) ? schemaDepth(prop(mv, 'schema'), byId, next) : 0);
  }
  if (is('Object')) return 1 + Math.max(0, ...listOf(n, 'fields').map((f) => (isJsonObject(f) ? schemaDepth(prop(f, 'schema'), byId, next) : 0)));
  return 0;
}

// ── compile to the internal model ─────────────────────────────────────────────────────────────────────

function compileInterface(el: Element, walk: Walk): Model {
  const model = emptyModel(el.id ?? '', `dtdl-v${el.scope.version}`);
  const dn = prop(el.node, 'displayName');
  if (typeof dn === 'string') model.displayName = dn;
  else if (isJsonObject(dn) && typeof dn.en === 'string') model.displayName = dn.en;
  const seen = new Set<JsonObject>();
  const fold = (node: JsonObject): void => {
    if (seen.has(node)) return;
    seen.add(node);
    for (const p of listOf(node, 'extends')) {
      const parent = typeof p === 'string' ? walk.ids.get(p)?.node : isJsonObject(p) ? p : undefined;
      if (parent !== undefined) {
        if (node === el.node && typeof parent['@id'] === 'string') model.extends.push(parent['@id']);
        fold(parent);
      }
    }
    for (const c of listOf(node, 'contents')) {
      const content = typeof c === 'string' ? walk.ids.get(c)?.node : c;
      if (!isJsonObject(content)) continue;
      const name = prop(content, 'name') as string;
      const types = typeof content['@type'] === 'string' ? [content['@type']] : (content['@type'] as string[]);
      const semanticType = types.find((t) => CLASSES[t] === undefined);
      const unit = typeof content.unit === 'string' ? content.unit : undefined;
      const extra = { ...(unit === undefined ? {} : { unit }), ...(semanticType === undefined ? {} : { semanticType }) };
      if (types.includes('Telemetry')) model.telemetry[name] = { name, schema: schemaOf(prop(content, 'schema'), walk), ...extra };
      else if (types.includes('Property')) model.properties[name] = propertyOf(content, walk);
      else if (types.includes('Command')) {
        const command: Model['commands'][string] = { name };
        for (const side of ['request', 'response'] as const) {
          const payload = nodeOf(prop(content, side), walk);
          if (isJsonObject(payload)) {
            command[side] = { name: prop(payload, 'name') as string, schema: schemaOf(prop(payload, 'schema'), walk), ...(prop(payload, 'nullable') === true ? { nullable: true } : {}) };
          }
        }
        model.commands[name] = command;
      } else if (types.includes('Relationship')) {
        const target = plainValue(prop(content, 'target'));
        const min = plainValue(prop(content, 'minMultiplicity'));
        const max = plainValue(prop(content, 'maxMultiplicity'));
        model.relationships[name] = {
          name,
          ...(typeof target === 'string' ? { target } : {}),
          ...(typeof min === 'number' ? { minMultiplicity: min } : {}),
          ...(typeof max === 'number' ? { maxMultiplicity: max } : {}),
          properties: listOf(content, 'properties')
            .map((p) => nodeOf(p, walk))
            .filter(isJsonObject)
            .map((p) => propertyOf(p, walk)),
        };
      } else if (types.includes('Component')) {
        const schema = prop(content, 'schema');
        model.components[name] = typeof schema === 'string' ? schema : isJsonObject(schema) && typeof schema['@id'] === 'string' ? schema['@id'] : '';
      }
    }
  };
  fold(el.node);
  return model;
}

function propertyOf(content: JsonObject, walk: Walk): ModelProperty {
  const types = typeof content['@type'] === 'string' ? [content['@type']] : ((content['@type'] as string[] | undefined) ?? []);
  const semanticType = types.find((t) => CLASSES[t] === undefined);
  return {
    name: prop(content, 'name') as string,
    schema: schemaOf(prop(content, 'schema'), walk),
    writable: plainValue(prop(content, 'writable')) === true,
    ...(typeof content.unit === 'string' ? { unit: content.unit } : {}),
    ...(semanticType === undefined ? {} : { semanticType }),
  };
}

function schemaOf(value: Json | undefined, walk: Walk, depth = 0): Schema {
  if (depth > 20) return { kind: 'primitive', type: 'any' };
  if (typeof value === 'string') {
    const ref = walk.ids.get(value);
    if (ref !== undefined) return schemaOf(ref.node, walk, depth + 1);
    const primitive = (PRIMITIVE_SCHEMAS_V3 as readonly string[]).includes(value) ? value : 'any';
    return { kind: 'primitive', type: (primitive === 'decimal' ? 'double' : primitive) as Schema extends { type: infer T } ? T : never };
  }
  if (!isJsonObject(value)) return { kind: 'primitive', type: 'any' };
  const t = value['@type'];
  const is = (c: string) => t === c || (Array.isArray(t) && t.includes(c));
  if (is('Array')) return { kind: 'array', elementSchema: schemaOf(prop(value, 'elementSchema'), walk, depth + 1) };
  if (is('Map')) {
    const key = nodeOf(prop(value, 'mapKey'), walk);
    const val = nodeOf(prop(value, 'mapValue'), walk);
    return {
      kind: 'map',
      keyName: isJsonObject(key) ? String(prop(key, 'name')) : 'key',
      valueName: isJsonObject(val) ? String(prop(val, 'name')) : 'value',
      valueSchema: isJsonObject(val) ? schemaOf(prop(val, 'schema'), walk, depth + 1) : { kind: 'primitive', type: 'any' },
    };
  }
  if (is('Object')) {
    return { kind: 'object', fields: listOf(value, 'fields').map((f) => nodeOf(f, walk)).filter(isJsonObject).map((f) => ({ name: prop(f, 'name') as string, schema: schemaOf(prop(f, 'schema'), walk, depth + 1) })) };
  }
  if (is('Enum')) {
    return {
      kind: 'enum',
      valueSchema: prop(value, 'valueSchema') === 'integer' ? 'integer' : 'string',
      values: listOf(value, 'enumValues')
        .map((v) => nodeOf(v, walk))
        .filter(isJsonObject)
        .map((v) => ({ name: prop(v, 'name') as string, value: plainValue(prop(v, 'enumValue')) as string | number })),
    };
  }
  return { kind: 'primitive', type: 'any' };
}

/** An element given inline or by the @id of one defined elsewhere. */
function nodeOf(value: Json | undefined, walk: Walk): Json | undefined {
  return typeof value === 'string' ? (walk.ids.get(value)?.node ?? value) : value;
}

/** A literal as written, with a one-item list and a JSON-LD value object unwrapped. */
function plainValue(value: Json | undefined): Json | undefined {
  const one = Array.isArray(value) && value.length === 1 ? value[0] : value;
  return isJsonObject(one) && Object.hasOwn(one, '@value') ? (one['@value'] as Json) : one;
}

/** A JSON-LD value object `{"@value", "@type"?}` as its plain value; undefined when its type does not fit. */
function literalOf(value: Json, kind: PropertyKind): Json | undefined {
  if (!isJsonObject(value) || !Object.hasOwn(value, '@value')) return value;
  if (Object.keys(value).some((k) => k !== '@value' && k !== '@type')) return undefined;
  const type = value['@type'];
  if (type !== undefined) {
    // JSON-LD allows @type as a list; a value object has one datatype, so a list must hold exactly one.
    const one = Array.isArray(type) && type.length === 1 ? type[0] : type;
    const t = typeof one === 'string' ? one.replace(/^xsd:/, XSD) : '';
    const wanted = kind === PropertyKind.Boolean ? 'boolean' : kind === PropertyKind.Integer ? 'integer' : kind === PropertyKind.Literal ? (typeof value['@value'] === 'number' ? 'integer' : 'string') : 'string';
    if (t !== `${XSD}${wanted}`) return undefined;
  }
  return value['@value'] as Json;
}
