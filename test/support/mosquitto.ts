/**
 * A private Mosquitto for integration tests and benchmarks: its own process on a free port, its own
 * config and persistence directory, never the broker that may already run on :1883.
 *
 * Tests gate on it with `describeWith('Mosquitto', probeMosquitto)` (test/support/components.ts).
 * This file does not import vitest, so benchmarks can use it too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export const MOSQUITTO_BIN = '/usr/sbin/mosquitto';

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
const PORT_ATTEMPTS = 5;

export interface MosquittoOptions {
  /** @default MOSQUITTO_BIN */
  bin?: string;
  /** Extra `mosquitto.conf` lines, appended after the twinflow settings. */
  extraConfig?: readonly string[];
}

export interface RunningMosquitto {
  /** `mqtt://127.0.0.1:port`. */
  readonly url: string;
  readonly port: number;
  /** Stops the broker cleanly and removes its directory. Safe to call twice. */
  stop(): Promise<void>;
  /** Stops the broker cleanly (it saves its persistence file) but keeps port, config and data. */
  halt(): Promise<void>;
  /** Starts a halted broker again on the same port, with the sessions it saved. */
  start(): Promise<void>;
}

/**
 * The settings of docs/mosquitto.md: what twinflow needs for high QoS 1 rates with delayed PUBACKs
 * and a persistent session. Keep the two in step.
 */
export function twinflowMosquittoSettings(): string[] {
  return [
    'set_tcp_nodelay true',
    'max_inflight_messages 1000',
    'max_queued_messages 1000000',
    'max_queued_bytes 268435456',
    'persistence true',
    'autosave_interval 30',
  ];
}

/** Resolves when the Mosquitto binary is there to be started; rejects with the reason otherwise. */
export async function probeMosquitto(bin: string = MOSQUITTO_BIN): Promise<void> {
  await access(bin, fsConstants.X_OK);
}

export async function startMosquitto(options: MosquittoOptions = {}): Promise<RunningMosquitto> {
  const bin = options.bin ?? MOSQUITTO_BIN;
  const dir = await mkdtemp(join(tmpdir(), 'twinflow-mosquitto-'));
  const configPath = join(dir, 'mosquitto.conf');
  let child: ChildProcess | undefined;
  let port = 0;
  let lastError: unknown;
  for (let attempt = 0; attempt < PORT_ATTEMPTS && child === undefined; attempt++) {
    port = await freePort();
    await writeFile(configPath, config(port, dir, options.extraConfig ?? []));
    try {
      child = await launch(bin, configPath, port);
    } catch (err) {
      // Another process may take the port between our probe and Mosquitto's bind: try another one.
      lastError = err;
    }
  }
  if (child === undefined) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`mosquitto did not start after ${PORT_ATTEMPTS} ports`, { cause: lastError });
  }

  let stopped = false;
  return {
    url: `mqtt://${HOST}:${port}`,
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child !== undefined) await terminate(child);
      child = undefined;
      await rm(dir, { recursive: true, force: true });
    },
    async halt() {
      if (child !== undefined) await terminate(child);
      child = undefined;
    },
    async start() {
      if (stopped) throw new Error('mosquitto was stopped for good');
      if (child !== undefined) return;
      child = await launch(bin, configPath, port);
    },
  };
}

function config(port: number, dir: string, extra: readonly string[]): string {
  return [
    `listener ${port} ${HOST}`,
    'allow_anonymous true',
    // Started as root, Mosquitto would switch to the `mosquitto` user, which cannot write our temp dir.
    `user ${userInfo().username}`,
    `persistence_location ${dir}/`,
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    ...twinflowMosquittoSettings(),
    ...extra,
    '',
  ].join('\n');
}

/** Starts the process and resolves once it accepts TCP connections; rejects (with its stderr) if it exits. */
async function launch(bin: string, configPath: string, port: number): Promise<ChildProcess> {
  const child = spawn(bin, ['-c', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<never>((_, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      reject(new Error(`mosquitto exited (${signal ?? code}) before accepting connections: ${stderr.trim()}`)),
    );
  });
  // The promise only matters while we wait; afterwards an exit is not an error of `launch`.
  exited.catch(() => {});
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const accepted = await Promise.race([canConnect(port), exited]);
    if (accepted) return child;
    if (Date.now() > deadline) {
      await terminate(child);
      throw new Error(`mosquitto did not accept connections on ${port} within ${READY_TIMEOUT_MS} ms: ${stderr.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // SIGTERM lets Mosquitto save its persistence file, which `halt` + `start` rely on.
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port assigned'));
      });
    });
  });
}
