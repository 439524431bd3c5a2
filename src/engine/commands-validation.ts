import type { Problem } from '../core/errors.ts';
import type { Model } from '../core/model/model.ts';
import { validateCommandParams } from '../core/model/validate-value.ts';
import type { JsonObject, Twin } from '../core/types.ts';

/**
 * The `validateParams` of the command service: a command's parameters are checked against the twin's model when the
 * model defines that command. A twin without a model, or a model that does not list the command, passes: models
 * describe devices, they do not fence in what operators may try.
 */
export function modelParamValidator(modelOf: (tenant: string, modelId: string) => Model | undefined) {
  return (twin: Twin, name: string, params: JsonObject): Problem[] => {
    if (twin.model === undefined) return [];
    const model = modelOf(twin.tenant, twin.model);
    if (model === undefined || model.commands[name] === undefined) return [];
    return validateCommandParams(model, name, params);
  };
}
