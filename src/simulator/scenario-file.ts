import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { ErrorCode, TwinflowError } from '../core/errors.ts';
import { DeviceSimulator } from './device-simulator.ts';
import type { PatternInput, Scenario, SimDevice } from './scenario.ts';

/** A scenario file: `{name, interval?: seconds, devices: [{id, group?}], patterns: [pattern…]}`. */
export async function loadScenarioFile(path: string): Promise<{ simulator: DeviceSimulator; scenario: Scenario }> {
  let doc: { name?: string; interval?: number; devices?: SimDevice[]; patterns?: PatternInput[] };
  try {
    doc = parse(await readFile(path, 'utf8')) as typeof doc;
  } catch (err) {
    throw new TwinflowError(ErrorCode.InvalidConfig, `scenario ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (!Array.isArray(doc?.devices) || !Array.isArray(doc.patterns)) {
    throw new TwinflowError(ErrorCode.InvalidConfig, `scenario ${path}: needs "devices" and "patterns" lists`);
  }
  const simulator = new DeviceSimulator(doc.devices);
  const scenario = simulator.createScenario(doc.name ?? path);
  if (typeof doc.interval === 'number' && doc.interval > 0) scenario.interval = doc.interval;
  try {
    for (const p of doc.patterns) scenario.addPattern(p);
  } catch (err) {
    throw new TwinflowError(ErrorCode.InvalidConfig, `scenario ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { simulator, scenario };
}
