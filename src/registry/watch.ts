import { watch, type FSWatcher } from 'node:fs';

export interface FolderWatchOptions {
  /** Quiet time after the last change before `onChange` runs: an editor's save is several events. @default 100 */
  debounceMs?: number;
  /** Runs after each quiet spell; never twice at once: changes during a run make one more run after it. */
  onChange: () => Promise<void>;
  onError: (err: unknown) => void;
}

export interface FolderWatch {
  /** Stops watching and waits for a run in progress. */
  close(): Promise<void>;
}

/**
 * Watches a folder tree (`fs.watch` recursive, which Node ≥ 20 supports on Linux too) and calls `onChange` once per
 * burst of changes. Events are not inspected: file names are missing on some platforms and a removed folder says
 * nothing of the files in it, so the caller rescans and diffs instead.
 */
export function watchFolder(dir: string, options: FolderWatchOptions): FolderWatch {
  const debounceMs = options.debounceMs ?? 100;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;

  const run = (): void => {
    timer = undefined;
    if (closed) return;
    if (running !== undefined) {
      again = true;
      return;
    }
    running = options
      .onChange()
      .catch(options.onError)
      .finally(() => {
        running = undefined;
        if (again && !closed) {
          again = false;
          schedule();
        }
      });
  };
  const schedule = (): void => {
    if (closed) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(run, debounceMs);
  };

  const watcher: FSWatcher = watch(dir, { recursive: true }, schedule);
  watcher.on('error', options.onError);
  return {
    close: async () => {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      watcher.close();
      await running;
    },
  };
}
