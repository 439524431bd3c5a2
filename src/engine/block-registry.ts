import { BUILTIN_BLOCKS } from '../core/blocks/builtins.ts';
import type { BlockDefinition } from '../core/blocks/model-block.ts';
import { ErrorCode, NotFoundError } from '../core/errors.ts';
import { BUILTIN_SIM_MODELS, SIM_MODEL_ALIASES } from '../core/sim/models.ts';
import type { SimModel } from '../core/sim/sim-model.ts';
import type { Json, JsonObject } from '../core/types.ts';

export const BlockSource = { Builtin: 'builtin', Module: 'module' } as const;
export type BlockSource = (typeof BlockSource)[keyof typeof BlockSource];

export interface RegisteredBlock {
  definition: BlockDefinition;
  source: BlockSource;
  modulePath?: string;
  registeredAt: number;
}

/** Compares dotted versions numerically part by part (`1.10.0` > `1.9.2`); non-numeric parts as text. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/);
  const pb = b.split(/[.-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '0';
    const y = pb[i] ?? '0';
    const nx = Number(x);
    const ny = Number(y);
    const c = Number.isFinite(nx) && Number.isFinite(ny) ? nx - ny : x.localeCompare(y);
    if (c !== 0) return c;
  }
  return 0;
}

/**
 * The versions of every block with their metadata (the plant seed's model registry): built-ins plus blocks
 * loaded from modules. A twin binds a name and optionally a version; without one it gets the latest.
 */
export class BlockRegistry {
  readonly #blocks = new Map<string, Map<string, RegisteredBlock>>();
  #onRegister: ((entry: RegisteredBlock) => void) | undefined;

  constructor(options: { builtins?: readonly BlockDefinition[]; now?: () => number } = {}) {
    for (const def of options.builtins ?? BUILTIN_BLOCKS) this.register(def, BlockSource.Builtin, undefined, options.now?.() ?? 0);
  }

  /** Called with every version registered from now on (BlockRegistryStore persists them this way). */
  onRegister(listener: ((entry: RegisteredBlock) => void) | undefined): void {
    this.#onRegister = listener;
  }

  register(definition: BlockDefinition, source: BlockSource, modulePath: string | undefined, now: number): void {
    let versions = this.#blocks.get(definition.name);
    if (versions === undefined) {
      versions = new Map();
      this.#blocks.set(definition.name, versions);
    }
    const entry: RegisteredBlock = { definition, source, registeredAt: now, ...(modulePath === undefined ? {} : { modulePath }) };
    versions.set(definition.version, entry);
    this.#onRegister?.(entry);
  }

  has(name: string, version?: string): boolean {
    const versions = this.#blocks.get(name);
    return versions !== undefined && (version === undefined || versions.has(version));
  }

  /** The named version, or the latest; `block_not_found` otherwise. */
  resolve(name: string, version?: string): RegisteredBlock {
    const versions = this.#blocks.get(name);
    if (versions === undefined) {
      throw new NotFoundError(ErrorCode.BlockNotFound, `no block "${name}" (known: ${[...this.#blocks.keys()].sort().join(', ')})`);
    }
    if (version !== undefined) {
      const found = versions.get(version);
      if (found === undefined) {
        throw new NotFoundError(ErrorCode.BlockNotFound, `block "${name}" has no version ${version} (has ${[...versions.keys()].join(', ')})`);
      }
      return found;
    }
    return [...versions.values()].sort((a, b) => compareVersions(b.definition.version, a.definition.version))[0]!;
  }

  /** What `GET /api/blocks` answers: one entry per block with every version, newest first. */
  describe(name?: string): JsonObject[] {
    const names = name === undefined ? [...this.#blocks.keys()].sort() : [name];
    return names.map((n) => {
      const latest = this.resolve(n);
      const versions = [...(this.#blocks.get(n)?.values() ?? [])].sort((a, b) => compareVersions(b.definition.version, a.definition.version));
      return {
        name: n,
        latest: latest.definition.version,
        versions: versions.map((v) => ({
          version: v.definition.version,
          description: v.definition.description,
          source: v.source,
          ...(v.modulePath === undefined ? {} : { module_path: v.modulePath }),
          simulatable: v.definition.simulation !== undefined,
          params: Object.fromEntries(
            Object.entries(v.definition.params).map(([k, s]) => [k, { description: s.description, ...(s.default === undefined ? {} : { default: s.default as Json }) }]),
          ),
        })),
      };
    });
  }

  /** A simulation model by name: the built-ins, their block aliases, and any block that carries physics. */
  simModel(name: string): SimModel | undefined {
    const target = SIM_MODEL_ALIASES[name] ?? name;
    const builtin = BUILTIN_SIM_MODELS.find((m) => m.name === target);
    if (builtin !== undefined) return builtin;
    return this.#blocks.has(name) ? this.resolve(name).definition.simulation : undefined;
  }

  simModelNames(): string[] {
    const fromBlocks = [...this.#blocks.keys()].filter((n) => this.resolve(n).definition.simulation !== undefined);
    return [...new Set([...BUILTIN_SIM_MODELS.map((m) => m.name), ...fromBlocks])].sort();
  }
}
