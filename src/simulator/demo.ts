import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import mqtt from 'mqtt';
import type { Logger } from '../ports.ts';
import { loadScenarioFile } from './scenario-file.ts';
import { VirtualDevice } from './virtual-device.ts';

/** Scenario paths from the config; `dir/*.yaml` style globs expand within their folder. */
export function expandScenarioPaths(paths: readonly string[]): string[] {
  return paths.flatMap((p) => {
    if (!p.includes('*')) return existsSync(p) ? [p] : [];
    const dir = dirname(p);
    if (!existsSync(dir)) return [];
    const re = new RegExp(`^${basename(p).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
    return readdirSync(dir).filter((f) => re.test(f)).sort().map((f) => join(dir, f));
  });
}

/**
 * The `npm start` demo's devices: the scenario named `demo` (else the first one) runs in real time until closed,
 * and each of its devices answers commands as a VirtualDevice.
 */
export async function startDemoSimulator(options: { url: string; tenant: string; root: string; scenarios: readonly string[]; logger: Logger }): Promise<{ close(): Promise<void> } | undefined> {
  const files = expandScenarioPaths(options.scenarios);
  if (files.length === 0) {
    options.logger.warn('simulator: no scenario files found; no simulated devices');
    return undefined;
  }
  const file = files.find((f) => basename(f).startsWith('demo.')) ?? files[0]!;
  const { simulator, scenario } = await loadScenarioFile(file);
  const client = await mqtt.connectAsync(options.url, { clientId: `twinflow-sim-${process.pid}`, reconnectPeriod: 1000 });
  client.on('error', (err) => options.logger.warn({ err }, 'simulator: MQTT error'));
  for (const device of simulator.devices) {
    await new VirtualDevice({ client, tenant: device.tenant ?? options.tenant, id: device.id, root: options.root, logger: options.logger, now: () => Date.now() }).start();
  }
  const run = simulator
    .runScenario(scenario, {
      start: Date.now(),
      sleep: (ms) => sleep(ms, undefined, { ref: false }),
      tenant: options.tenant,
      root: options.root,
      publisher: { publish: async (topic, payload) => void (await client.publishAsync(topic, payload, { qos: 1 })) },
    })
    .catch((err: unknown) => options.logger.warn({ err }, 'simulator stopped'));
  options.logger.info({ scenario: scenario.name, devices: simulator.devices.map((d) => d.id) }, `simulator: running scenario ${scenario.name} from ${file}`);
  return {
    async close() {
      simulator.stop();
      await client.endAsync(true);
      await Promise.race([run, sleep(1500)]);
    },
  };
}
