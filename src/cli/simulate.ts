import { setTimeout as sleep } from 'node:timers/promises';
import { SingleBar, Presets } from 'cli-progress';
import mqtt from 'mqtt';
import type { Command } from 'commander';
import { createEmbeddedBroker } from '../adapters/mqtt/embedded-broker.ts';
import { formatDuration } from '../core/duration.ts';
import type { Logger } from '../ports.ts';
import type { RunSummary } from '../simulator/device-simulator.ts';
import { loadScenarioFile } from '../simulator/scenario-file.ts';

export interface SimulateOptions {
  file: string;
  duration: string;
  accelerated: boolean;
  /** The MQTT broker to publish to; without one an embedded broker is started on a free port for the run. */
  broker?: string;
  tenant: string;
  seed: number;
  logger: Logger;
  onProgress?: (done: number, total: number, scenario: { name: string; interval: number }) => void;
}

/** A scenario run: the summary plus the broker it went to (`embedded` when twinflow started one). */
export async function simulateScenario(options: SimulateOptions): Promise<RunSummary & { broker: string; embedded: boolean }> {
  const { simulator, scenario } = await loadScenarioFile(options.file);
  // On a bare machine there is no broker to talk to; an in-process one makes the command work anywhere.
  const embedded = options.broker === undefined ? createEmbeddedBroker({ host: '127.0.0.1', port: 0, logger: options.logger }) : undefined;
  // Nothing here stores the readings (other subscribers get them from the broker), so each is released at once.
  if (embedded !== undefined) await embedded.start((message) => message.ack());
  try {
    const url = options.broker ?? `mqtt://127.0.0.1:${embedded!.port}`;
    const client = await mqtt.connectAsync(url, { clientId: `twinflow-simulate-${process.pid}` });
    try {
      const summary = await simulator.runScenario(scenario, {
        duration: options.duration,
        accelerated: options.accelerated,
        start: Date.now(),
        sleep: (ms) => sleep(ms),
        tenant: options.tenant,
        seed: options.seed,
        publisher: { publish: async (topic, payload) => void (await client.publishAsync(topic, payload, { qos: 1 })) },
        onProgress: (done, total) => options.onProgress?.(done, total, scenario),
      });
      return { ...summary, broker: url, embedded: embedded !== undefined };
    } finally {
      await client.endAsync();
    }
  } finally {
    await embedded?.close();
  }
}

/** `twinflow simulate SCENARIO --duration 1h --accelerated`: a scenario file run against a broker, with a progress bar. */
export function addSimulateCommand(program: Command, fail: (err: unknown) => never, logger?: Logger): void {
  program
    .command('simulate')
    .description('run a device-simulator scenario file against an MQTT broker (an embedded one when --broker is not given)')
    .argument('<scenario>', 'scenario YAML file (devices and patterns)')
    .option('--duration <duration>', 'simulated time to run, e.g. 1h', '1h')
    .option('--accelerated', 'run simulated time as fast as the broker takes it')
    .option('--broker <url>', 'MQTT broker (default: an embedded broker on a free port)')
    .option('--tenant <tenant>', 'tenant of the topics', 'default')
    .option('--seed <n>', 'random seed (same seed, same readings)', '1')
    .action(async (file: string, flags: { duration: string; accelerated?: boolean; broker?: string; tenant: string; seed: string }) => {
      try {
        const tty = process.stderr.isTTY === true;
        let bar: SingleBar | undefined;
        let lastLine = -1;
        const started = Date.now();
        const summary = await simulateScenario({
          file,
          duration: flags.duration,
          accelerated: flags.accelerated === true,
          ...(flags.broker === undefined ? {} : { broker: flags.broker }),
          tenant: flags.tenant,
          seed: Number(flags.seed),
          logger: logger ?? quietLogger,
          onProgress: (done, total, scenario) => {
            if (tty) {
              if (bar === undefined) {
                bar = new SingleBar({ format: `${scenario.name} [{bar}] {percentage}% | {value}/{total} s simulated | ETA {eta}s` }, Presets.shades_classic);
                bar.start(total, 0);
              }
              bar.update(done);
            } else {
              const tenth = Math.floor((10 * done) / total);
              if (tenth !== lastLine) {
                lastLine = tenth;
                process.stderr.write(`${scenario.name}: ${Math.round((100 * done) / total)}% (${done}/${total} s simulated)\n`);
              }
            }
          },
        });
        bar?.stop();
        const wall = (Date.now() - started) / 1000;
        process.stdout.write(
          `${JSON.stringify({ ...summary, wall_seconds: wall, speedup: Math.round(summary.simulated_seconds / Math.max(wall, 1e-3)) })}\n` +
            `scenario ${summary.scenario}: ${formatDuration(summary.simulated_seconds * 1000)} simulated in ${wall.toFixed(1)} s, ` +
            `${summary.messages} messages from ${summary.devices} devices, ${summary.spikes} spikes, ${summary.dropouts} dropouts` +
            `${summary.embedded ? ` (embedded broker at ${summary.broker})` : ''}\n`,
        );
        process.exit(0);
      } catch (err) {
        fail(err);
      }
    });
}

// The embedded broker's own info lines would interleave with the progress bar; warnings and errors still show.
const quietLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: (obj, msg) => process.stderr.write(`${msg ?? (typeof obj === 'string' ? obj : JSON.stringify(obj))}\n`),
  error: (obj, msg) => process.stderr.write(`${msg ?? (typeof obj === 'string' ? obj : JSON.stringify(obj))}\n`),
  child: () => quietLogger,
};
