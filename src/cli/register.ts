import type { Writable } from 'node:stream';
import { openStorage } from '../adapters/open-storage.ts';
import { formatProblem } from '../core/errors.ts';
import type { TwinflowConfig } from '../config/schema.ts';
import { Engine } from '../engine/engine.ts';
import { registerTwinFiles, type RegisterReport } from '../registry/register.ts';
import { watchFolder } from '../registry/watch.ts';
import type { Logger } from '../ports.ts';

const drop = (): void => {};
const quiet: Logger = { debug: drop, info: drop, warn: drop, error: drop, child: () => quiet };

/**
 * `twinflow register DIR`: applies the twin.yaml files under DIR to the configured store and prints what changed:
 * created, updated (with the fields), and deprecated (twins registered from a file under DIR that is gone; the
 * file is remembered in the twin's `metadata.registeredFrom`). With `dryRun` the changes are worked out against a
 * copy in memory and the store is not touched. With `watch` it keeps going, applying each burst of file changes,
 * until `signal` aborts. Exit code 1 when a file was invalid (without `watch`).
 */
export async function runRegister(options: {
  dir: string;
  config: TwinflowConfig;
  dryRun: boolean;
  out: Writable;
  watch?: boolean;
  signal?: AbortSignal;
}): Promise<number> {
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
    const once = async (quietWhenNothing: boolean): Promise<RegisterReport> => {
      const report = await registerTwinFiles(engine.registry, options.dir, options.config.tenant, 'register');
      printReport(report, options, quietWhenNothing);
      return report;
    };
    const first = await once(false);
    if (options.watch !== true) return first.counts.invalid > 0 ? 1 : 0;

    const watcher = watchFolder(options.dir, {
      onChange: async () => {
        await once(true);
      },
      onError: (err) => options.out.write(`watch: ${err instanceof Error ? err.message : String(err)}\n`),
    });
    options.out.write(`watching ${options.dir} for twin.yaml changes\n`);
    await new Promise<void>((resolve) => {
      if (options.signal === undefined) return;
      if (options.signal.aborted) resolve();
      else options.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await watcher.close();
    return 0;
  } finally {
    await engine.close();
    await storage.close();
  }
}

function printReport(report: RegisterReport, options: { dryRun: boolean; out: Writable }, quietWhenNothing: boolean): void {
  const would = options.dryRun ? 'would be ' : '';
  for (const change of report.changes) {
    const what = change.created ? 'created' : `updated ${change.changed.join(', ')}`;
    options.out.write(`${would}${what}: ${change.tenant}/${change.id} (${change.file})\n`);
  }
  for (const gone of report.deprecated) {
    options.out.write(`${would}deprecated: ${gone.tenant}/${gone.id} (${gone.file} is gone)\n`);
  }
  for (const { file, problems } of report.invalid) {
    options.out.write(`invalid: ${file}\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}\n`);
  }
  const c = report.counts;
  if (quietWhenNothing && report.changes.length === 0 && report.deprecated.length === 0 && report.invalid.length === 0) return;
  options.out.write(
    `${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged, ${c.deprecated} deprecated, ${c.invalid} invalid${options.dryRun ? ' (dry run: nothing written)' : ''}\n`,
  );
}
