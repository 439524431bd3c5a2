import type { Writable } from 'node:stream';
import { openStorage } from '../adapters/open-storage.ts';
import { formatProblem } from '../core/errors.ts';
import type { TwinflowConfig } from '../config/schema.ts';
import { Engine } from '../engine/engine.ts';
import { registerTwinFiles } from '../registry/register.ts';
import type { Logger } from '../ports.ts';

const drop = (): void => {};
const quiet: Logger = { debug: drop, info: drop, warn: drop, error: drop, child: () => quiet };

/**
 * `twinflow register DIR`: applies the twin.yaml files under DIR to the configured store and prints what changed.
 * With `dryRun` the changes are worked out against a copy in memory and the store is not touched.
 * Exit code 1 when a file was invalid.
 */
export async function runRegister(options: { dir: string; config: TwinflowConfig; dryRun: boolean; out: Writable }): Promise<number> {
  const storage = await openStorage(options.dryRun ? 'memory:' : options.config.storage.url);
  const engine = new Engine({ storage, logger: quiet, processMetrics: false });
  try {
    if (options.dryRun) {
      const real = await openStorage(options.config.storage.url);
      try {
        let cursor: string | undefined;
        do {
          const page = await real.twins.listTwins({ limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
          for (const twin of page.items) await storage.twins.putTwin(twin);
          cursor = page.next;
        } while (cursor !== undefined);
      } finally {
        await real.close();
      }
    }
    await engine.start();
    const report = await registerTwinFiles(engine.registry, options.dir, options.config.tenant, 'register');
    for (const change of report.changes) {
      const what = change.created ? 'created' : `updated ${change.changed.join(', ')}`;
      options.out.write(`${options.dryRun ? 'would be ' : ''}${what}: ${change.tenant}/${change.id} (${change.file})\n`);
    }
    for (const { file, problems } of report.invalid) {
      options.out.write(`invalid: ${file}\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}\n`);
    }
    const c = report.counts;
    options.out.write(`${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged, ${c.invalid} invalid${options.dryRun ? ' (dry run: nothing written)' : ''}\n`);
    return c.invalid > 0 ? 1 : 0;
  } finally {
    await engine.close();
    await storage.close();
  }
}
