/** Reading the config file; everything else is {@link parseConfig}. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ErrorCode, TwinflowError } from '../core/errors.ts';
import type { Env } from './env.ts';
import { parseConfig } from './parse.ts';
import type { TwinflowConfig } from './schema.ts';

export interface LoadConfigOptions {
  /** The YAML file; without one, the configuration is the defaults plus `overrides`. */
  file?: string;
  env: Env;
  /** Deep-merged over the file before validation (command-line flags). */
  overrides?: object;
  /** Anchors relative paths of the file name, overrides and defaults. @default process.cwd() */
  cwd?: string;
}

/** @throws TwinflowError (`invalid_config`) when the file cannot be read, ValidationError when it is invalid. */
export async function loadConfig(options: LoadConfigOptions): Promise<TwinflowConfig> {
  const { file, env, overrides, cwd } = options;
  let text = '';
  if (file !== undefined) {
    try {
      text = await readFile(resolve(cwd ?? process.cwd(), file), 'utf8');
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
      throw new TwinflowError(ErrorCode.InvalidConfig, `cannot read config ${file}: ${reason}`, { cause: err });
    }
  }
  return parseConfig(text, {
    env,
    ...(file === undefined ? {} : { sourcePath: file }),
    ...(overrides === undefined ? {} : { overrides }),
    ...(cwd === undefined ? {} : { cwd }),
  });
}
