/**
 * `twinflow simulate` with no `--broker` runs against an embedded broker on a free port, so it works on a bare machine.
 */
import { expect, it } from 'vitest';
import { simulateScenario } from '../../src/cli/simulate.ts';
import { silentLogger } from '../support/logger.ts';

it('runs examples/scenarios/demo.yaml for 10 simulated minutes, accelerated, on an embedded broker', async () => {
  const progress: number[] = [];
  const summary = await simulateScenario({
    file: 'examples/scenarios/demo.yaml',
    duration: '10m',
    accelerated: true,
    tenant: 'default',
    seed: 1,
    logger: silentLogger,
    onProgress: (done) => progress.push(done),
  });
  expect(summary).toMatchObject({ scenario: 'demo', devices: 2, simulated_seconds: 600, embedded: true });
  expect(summary.broker).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
  expect(summary.broker).not.toBe('mqtt://127.0.0.1:0');
  // Two devices every second, less the air handler's few dropouts.
  expect(summary.messages).toBeGreaterThan(1100);
  expect(progress.at(-1)).toBe(600);
});
