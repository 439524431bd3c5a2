import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const BIN = resolve(import.meta.dirname, '../../bin/twinflow.js');

export interface RunningCli {
  http: string;
  mqtt: string;
  pid: number;
  child: ChildProcess;
  /** Everything the process wrote, stdout and stderr. */
  output(): string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function tempDir(prefix = 'twinflow-test-'): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Starts `twinflow ARGS` and waits for its ready file. */
export async function startCli(
  args: string[],
  options: { readyFile: string; cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv },
): Promise<RunningCli> {
  const child = spawn(process.execPath, [BIN, ...args, '--ready-file', options.readyFile], {
    cwd: options.cwd ?? process.cwd(),
    env: { ...process.env, NODE_ENV: 'test', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  for (;;) {
    if (exitCode !== undefined) throw new Error(`twinflow exited with ${exitCode} before it was ready:\n${output}`);
    try {
      const ready = JSON.parse(await readFile(options.readyFile, 'utf8')) as { http: string; mqtt: string; pid: number };
      return {
        ...ready,
        child,
        output: () => output,
        stop: async (signal = 'SIGTERM') => {
          if (exitCode === undefined) child.kill(signal);
          return exited;
        },
      };
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`twinflow was not ready within ${options.timeoutMs ?? 20_000} ms:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
