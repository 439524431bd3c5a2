import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { pino } from 'pino';
import { TwinflowError } from '../core/errors.ts';
import { loadConfig } from '../config/load.ts';
import type { Logger } from '../ports.ts';
import { startPlatform } from './platform.ts';
import { runRegister } from './register.ts';
import { addRunCommand } from './run.ts';
import { addSimulateCommand } from './simulate.ts';

const CONFIG_NAMES = ['twinflow.yaml', 'twinflow.yml'];

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new InvalidArgumentError('a port is 0-65535 (0 picks a free one)');
  return n;
}

interface UpFlags {
  config?: string;
  httpPort?: number;
  mqttPort?: number;
  host?: string;
  data?: string;
  store?: string;
  broker?: string;
  tenant?: string;
  readyFile?: string;
  sim: boolean;
  logLevel: string;
}

/** The config file of `up DIR`: `--config`, else DIR/twinflow.yaml when present. */
function configFile(dir: string | undefined, flag: string | undefined): string | undefined {
  if (flag !== undefined) return resolve(flag);
  if (dir === undefined) return undefined;
  return CONFIG_NAMES.map((name) => join(resolve(dir), name)).find((file) => existsSync(file));
}

/** Flags as config keys (DESIGN §3: flags override the file). */
function overridesOf(flags: UpFlags, dir: string | undefined, hasConfig: boolean): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  const http: Record<string, unknown> = {};
  const mqtt: Record<string, unknown> = {};
  if (flags.httpPort !== undefined) http.port = flags.httpPort;
  if (flags.host !== undefined) http.host = flags.host;
  // --mqtt-port is the embedded broker's; an external broker's port is in its URL.
  if (flags.mqttPort !== undefined && flags.broker === undefined) mqtt.port = flags.mqttPort;
  if (flags.broker !== undefined) {
    mqtt.url = flags.broker;
    mqtt.embedded = false;
  }
  if (Object.keys(http).length > 0) o.http = http;
  if (Object.keys(mqtt).length > 0) o.mqtt = mqtt;
  if (flags.store !== undefined) o.storage = { url: flags.store };
  else if (flags.data !== undefined) o.storage = { url: `sqlite:${join(resolve(flags.data), 'twinflow.db')}` };
  if (flags.tenant !== undefined) o.tenant = flags.tenant;
  if (!hasConfig && dir !== undefined) o.twins = [resolve(dir)];
  return o;
}

function createLogger(level: string): Logger {
  return pino({ level, base: { name: 'twinflow' } }) as unknown as Logger;
}

/** Prints a failure a person can act on: the message (every problem of a config) and nothing of the stack. */
function fail(err: unknown, logger?: Logger): never {
  const message = err instanceof TwinflowError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
  if (logger !== undefined) logger.error({ code: err instanceof TwinflowError ? err.code : undefined }, message.split('\n')[0] ?? message);
  process.stderr.write(`twinflow: ${message}\n`);
  process.exit(1);
}

export function buildProgram(): Command {
  const program = new Command('twinflow')
    .description('Digital twins for industrial and building IoT: telemetry, state, workflows, commands, simulation')
    .showHelpAfterError();

  program
    .command('up')
    .description('run the whole platform in one process: MQTT broker, store, API, dashboard, twins, simulator')
    .argument('[dir]', 'a folder with twinflow.yaml and twins/ (or only twin.yaml files)')
    .option('-c, --config <file>', 'config file (default: DIR/twinflow.yaml)')
    .option('--http-port <port>', 'HTTP port (0 picks a free one)', port)
    .option('--mqtt-port <port>', 'embedded MQTT broker port (0 picks a free one)', port)
    .option('--host <host>', 'HTTP interface to listen on')
    .option('--data <dir>', 'folder of the SQLite store')
    .option('--store <url>', 'store URL: sqlite:FILE, postgres://…, memory:')
    .option('--broker <url>', 'use this MQTT broker instead of the embedded one')
    .option('--tenant <tenant>', 'default tenant')
    .option('--ready-file <file>', 'write {"http","mqtt","pid"} here once ready')
    .option('--no-sim', 'do not run the demo virtual asset')
    .addOption(new Option('--log-level <level>', 'log level').choices(['trace', 'debug', 'info', 'warn', 'error']).default('info'))
    .action(async (dir: string | undefined, flags: UpFlags) => {
      const logger = createLogger(flags.logLevel);
      // Signals are taken from the first moment: one that arrives while starting stops the platform once it is up.
      let platform: Awaited<ReturnType<typeof startPlatform>> | undefined;
      let stopRequested: string | undefined;
      let stopping = false;
      const stop = (signal: string) => {
        stopRequested ??= signal;
        if (platform === undefined || stopping) return;
        stopping = true;
        logger.info(`${signal}: stopping — ingest stops, buffered telemetry is flushed, the store closes`);
        platform.close().then(
          () => {
            logger.info('stopped');
            process.exit(0);
          },
          (err: unknown) => fail(err, logger),
        );
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
      const file = configFile(dir, flags.config);
      try {
        const config = await loadConfig({
          ...(file === undefined ? {} : { file }),
          env: process.env,
          overrides: overridesOf(flags, dir, file !== undefined),
        });
        platform = await startPlatform({
          config,
          logger,
          simulate: flags.sim,
          ...(flags.readyFile === undefined ? {} : { readyFile: resolve(flags.readyFile) }),
        });
      } catch (err) {
        fail(err, logger);
      }
      if (stopRequested !== undefined) stop(stopRequested);
    });

  program
    .command('register')
    .description('scan a folder for twin.yaml files and register them')
    .argument('<dir>', 'folder to scan')
    .option('-c, --config <file>', 'config file naming the store')
    .option('--store <url>', 'store URL: sqlite:FILE, postgres://…, memory:')
    .option('--tenant <tenant>', 'default tenant of files that name none')
    .option('--dry-run', 'print what would change and change nothing')
    .option('--watch', 'keep watching the folder and apply every change (a removed file deprecates its twin)')
    .action(async (dir: string, flags: { config?: string; store?: string; tenant?: string; dryRun?: boolean; watch?: boolean }) => {
      try {
        const config = await loadConfig({
          ...(flags.config === undefined ? {} : { file: resolve(flags.config) }),
          env: process.env,
          overrides: {
            ...(flags.store === undefined ? {} : { storage: { url: flags.store } }),
            ...(flags.tenant === undefined ? {} : { tenant: flags.tenant }),
          },
        });
        const stop = new AbortController();
        process.once('SIGINT', () => stop.abort());
        process.once('SIGTERM', () => stop.abort());
        const code = await runRegister({ dir: resolve(dir), config, dryRun: flags.dryRun === true, watch: flags.watch === true, signal: stop.signal, out: process.stdout });
        process.exit(code);
      } catch (err) {
        fail(err);
      }
    });

  addRunCommand(program, { createLogger, loadConfig, fail });
  addSimulateCommand(program, fail);

  return program;
}

await buildProgram().parseAsync(process.argv);
