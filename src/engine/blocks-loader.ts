import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BlockDefinition, ModelBlock } from '../core/blocks/model-block.ts';
import { ErrorCode, TwinflowError } from '../core/errors.ts';

/**
 * Loads a block from `module_path` (the PyEdgeTwin seed's `package.module:ClassName`, here `./blocks/kalman.ts:KalmanFilter`):
 * a file path relative to `baseDir`, TypeScript or JavaScript, and an export that is a class with
 * init/process/shutdown, a factory returning such an object, or a BlockDefinition. Without `:Name`, the default export.
 */
export async function loadBlockModule(modulePath: string, baseDir: string, version = '0.0.0'): Promise<BlockDefinition> {
  const colon = modulePath.lastIndexOf(':');
  // A Windows drive letter ("C:\…") is not an export name.
  const hasName = colon > 1;
  const file = hasName ? modulePath.slice(0, colon) : modulePath;
  const exportName = hasName ? modulePath.slice(colon + 1) : 'default';
  const path = isAbsolute(file) ? file : resolve(baseDir, file);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (err) {
    throw new TwinflowError(ErrorCode.InvalidConfig, `model.module_path: cannot load ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const exported = mod[exportName];
  if (exported === undefined) {
    throw new TwinflowError(ErrorCode.InvalidConfig, `model.module_path: ${path} has no export "${exportName}" (has ${Object.keys(mod).join(', ')})`);
  }
  if (isDefinition(exported)) return exported;
  if (typeof exported !== 'function') {
    throw new TwinflowError(ErrorCode.InvalidConfig, `model.module_path: export "${exportName}" of ${path} is neither a class nor a factory`);
  }
  const ctor = exported as { new (): ModelBlock } & (() => ModelBlock);
  const isClass = /^class\b/.test(Function.prototype.toString.call(exported));
  const create = (): ModelBlock => (isClass ? new ctor() : ctor());
  const probe = create();
  for (const method of ['init', 'process', 'shutdown'] as const) {
    if (typeof probe[method] !== 'function') {
      throw new TwinflowError(ErrorCode.InvalidConfig, `model.module_path: ${exportName} in ${path} has no ${method}() (a model block needs init, process and shutdown)`);
    }
  }
  return { name: exportName === 'default' ? file : exportName, version, description: `loaded from ${modulePath}`, params: {}, create };
}

function isDefinition(value: unknown): value is BlockDefinition {
  const v = value as Partial<BlockDefinition> | null;
  return typeof v === 'object' && v !== null && typeof v.name === 'string' && typeof v.version === 'string' && typeof v.create === 'function';
}
