import { setTimeout as sleep } from 'node:timers/promises';
import { SingleBar, Presets } from 'cli-progress';
import mqtt from 'mqtt';
import type { Command } from 'commander';
import { formatDuration } from '../core/duration.ts';
import { loadScenarioFile } from '../simulator/scenario-file.ts';

/** `twinflow simulate SCENARIO --duration 1h --accelerated`: a scenario file run against a broker, with a progress bar. */
export function addSimulateCommand(program: Command, fail: (err: unknown) => never): void {
  program
    .command('simulate')
    .description('run a device-simulator scenario file against an MQTT broker')
    .argument('<scenario>', 'scenario YAML file (devices and patterns)')
    .option('--duration <duration>', 'simulated time to run, e.g. 1h', '1h')
    .option('--accelerated', 'run simulated time as fast as the broker takes it')
    .option('--broker <url>', 'MQTT broker', 'mqtt://127.0.0.1:1883')
    .option('--tenant <tenant>', 'tenant of the topics', 'default')
    .option('--seed <n>', 'random seed (same seed, same readings)', '1')
    .action(async (file: string, flags: { duration: string; accelerated?: boolean; broker: string; tenant: string; seed: string }) => {
      try {
        const { simulator, scenario } = await loadScenarioFile(file);
        const client = await mqtt.connectAsync(flags.broker, { clientId: `twinflow-simulate-${process.pid}` });
        const tty = process.stderr.isTTY === true;
        const bar = tty ? new SingleBar({ format: `${scenario.name} [{bar}] {percentage}% | {value}/{total} s simulated | ETA {eta}s` }, Presets.shades_classic) : undefined;
        let lastLine = -1;
        const started = Date.now();
        const summary = await simulator.runScenario(scenario, {
          duration: flags.duration,
          accelerated: flags.accelerated === true,
          start: started,
          sleep: (ms) => sleep(ms),
          tenant: flags.tenant,
          seed: Number(flags.seed),
          publisher: { publish: async (topic, payload) => void (await client.publishAsync(topic, payload, { qos: 1 })) },
          onProgress: (done, total) => {
            if (bar !== undefined) {
              if (done === scenario.interval) bar.start(total, 0);
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
        await client.endAsync();
        const wall = (Date.now() - started) / 1000;
        process.stdout.write(
          `${JSON.stringify({ ...summary, wall_seconds: wall, speedup: Math.round(summary.simulated_seconds / Math.max(wall, 1e-3)) })}\n` +
            `scenario ${summary.scenario}: ${formatDuration(summary.simulated_seconds * 1000)} simulated in ${wall.toFixed(1)} s, ` +
            `${summary.messages} messages from ${summary.devices} devices, ${summary.spikes} spikes, ${summary.dropouts} dropouts\n`,
        );
        process.exit(0);
      } catch (err) {
        fail(err);
      }
    });
}
