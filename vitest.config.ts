import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // e2e tests start subprocesses on free ports; keep the two cores from thrashing.
    maxWorkers: 2,
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      reporter: ['text-summary', 'json-summary'],
      thresholds: {
        'src/core/**/*.ts': { lines: 90 },
        // Users asked for every command orchestration path to be tested (iotflow seed).
        'src/core/command/**/*.ts': { lines: 100, branches: 100, functions: 100, statements: 100 },
        // The iotflow seed asks for full coverage of event pattern detection.
        'src/core/stream/pattern*.ts': { lines: 100, branches: 100 },
      },
    },
  },
});
