import { ErrorCode, NotFoundError, ValidationError, type Problem } from '../core/errors.ts';
import { isJsonObject } from '../core/json.ts';
import { compileCompactModel, isCompactModel } from '../core/model/compact.ts';
import { compileDtdl } from '../core/model/dtdl.ts';
import type { Model } from '../core/model/model.ts';
import { validateStatePatch, validateTelemetry } from '../core/model/validate-value.ts';
import { describeType } from '../core/json.ts';
import type { JsonObject, TelemetryValue } from '../core/types.ts';
import type { DocumentStore, Logger } from '../ports.ts';
import type { Registry } from './registry.ts';

export const MODEL_COLLECTION = 'models';

export interface ModelServiceOptions {
  documents: DocumentStore;
  registry: Registry;
  logger: Logger;
}

const key = (tenant: string, id: string): string => `${tenant}\u0000${id}`;

/**
 * Twin models (DESIGN §5.3): compact models and DTDL interfaces compiled to the internal model, kept in the document
 * store and in memory, and the checks of telemetry, reported and desired values against a twin's model.
 */
export class ModelService {
  readonly #o: ModelServiceOptions;
  readonly #models = new Map<string, Model>();

  constructor(options: ModelServiceOptions) {
    this.#o = options;
  }

  /** Reads every stored model of every tenant. */
  async load(): Promise<void> {
    let cursor: string | undefined;
    do {
      const page = await this.#o.documents.list({ collection: MODEL_COLLECTION, limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
      for (const record of page.items) this.#models.set(key(record.tenant, record.id), record.doc.model as unknown as Model);
      cursor = page.next;
    } while (cursor !== undefined);
  }

  /**
   * Compiles one compact model, an array of them, or DTDL documents, and stores them unless `dryRun`. Throws a
   * ValidationError with every problem.
   */
  async put(tenant: string, body: unknown, options: { dryRun?: boolean; allowUndefinedExtensions?: boolean } = {}): Promise<Model[]> {
    const models = compileModels(body, options.allowUndefinedExtensions === true, (id) => this.#models.has(key(tenant, id)));
    if (options.dryRun !== true) {
      for (const model of models) {
        await this.#o.documents.put(MODEL_COLLECTION, tenant, model.id, { model: model as unknown as JsonObject }, { tags: { source: model.source } });
        this.#models.set(key(tenant, model.id), model);
      }
    }
    return models;
  }

  get(tenant: string, id: string): Model {
    const model = this.#models.get(key(tenant, id));
    if (model === undefined) throw new NotFoundError(ErrorCode.NotFound, `model "${id}" does not exist in tenant "${tenant}"`);
    return model;
  }

  list(tenant: string): Model[] {
    const prefix = `${tenant}\u0000`;
    return [...this.#models.entries()].filter(([k]) => k.startsWith(prefix)).map(([, m]) => m).sort((a, b) => a.id.localeCompare(b.id));
  }

  /** The twin's model with what it extends folded in (compact models name their parents; DTDL is folded already). */
  modelOfTwin(tenant: string, twinId: string): Model | undefined {
    const id = this.#o.registry.peek(tenant, twinId)?.model;
    if (id === undefined) return undefined;
    return this.resolved(tenant, id);
  }

  resolved(tenant: string, id: string, seen: Set<string> = new Set()): Model | undefined {
    const model = this.#models.get(key(tenant, id));
    if (model === undefined || model.source !== 'compact' || model.extends.length === 0 || seen.has(id)) return model;
    seen.add(id);
    const out: Model = { ...model, properties: {}, telemetry: {}, commands: {}, relationships: {}, components: {} };
    for (const parentId of model.extends) {
      const parent = this.resolved(tenant, parentId, seen);
      if (parent === undefined) continue;
      for (const part of ['properties', 'telemetry', 'commands', 'relationships', 'components'] as const) Object.assign(out[part], parent[part]);
    }
    for (const part of ['properties', 'telemetry', 'commands', 'relationships', 'components'] as const) Object.assign(out[part], model[part]);
    return out;
  }

  /** The ingest check: fields of the wrong type, each named with twin, field, expected and actual type. */
  checkTelemetry(tenant: string, twinId: string, values: Readonly<Record<string, TelemetryValue>>): { field: string; message: string }[] {
    const model = this.modelOfTwin(tenant, twinId);
    if (model === undefined) return [];
    return validateTelemetry(model, values).map((p) => {
      const field = p.path.split(/[.[]/)[0] ?? p.path;
      return { field, message: `twin "${twinId}" field "${p.path}": ${p.message} (model ${model.id})` };
    });
  }

  /** The shadow check of a desired or reported patch. */
  checkState(tenant: string, twinId: string, section: 'desired' | 'reported', patch: JsonObject): Problem[] {
    const model = this.modelOfTwin(tenant, twinId);
    if (model === undefined) return [];
    return validateStatePatch(model, section, patch);
  }
}

/** One compact model, an array of compact models, or DTDL documents (an interface, an array, or arrays). */
export function compileModels(body: unknown, allowUndefinedExtensions = false, known?: (id: string) => boolean): Model[] {
  const items = Array.isArray(body) ? body : [body];
  if (items.length === 0) throw new ValidationError(ErrorCode.InvalidRequest, 'no model given', [{ path: '', message: 'give a model, an array of models, or DTDL documents' }]);
  const dtdl = items.filter((i) => !isCompactModel(i));
  const compact = items.filter((i) => isCompactModel(i));
  const problems: Problem[] = [];
  const models: Model[] = [];
  compact.forEach((doc) => {
    const index = items.indexOf(doc);
    const result = compileCompactModel(doc);
    if (result.ok) models.push(result.model);
    else problems.push(...result.problems.map((p) => ({ path: Array.isArray(body) ? `[${index}]${p.path === '' ? '' : `.${p.path}`}` : p.path, message: p.message })));
  });
  if (dtdl.length > 0) {
    const invalid = dtdl.find((d) => !isJsonObject(d) && !Array.isArray(d));
    if (invalid !== undefined) problems.push({ path: '', message: `a model must be an object, not ${describeType(invalid)}` });
    else {
      const result = compileDtdl(dtdl, { allowUndefinedExtensions, ...(known === undefined ? {} : { known }) });
      if (result.ok) models.push(...result.models);
      else problems.push(...result.problems);
    }
  }
  if (problems.length > 0) throw new ValidationError(ErrorCode.InvalidRequest, 'the model is invalid', problems);
  return models;
}
