import { useEffect, useRef, useState } from 'preact/hooks';
import { isAbortError } from '../api/api-error.ts';

export type PollResult<T> =
  | { readonly state: 'loading' }
  | { readonly state: 'ok'; readonly value: T }
  | { readonly state: 'error'; readonly error: Error; readonly value?: T };

/**
 * Calls `task` now and every `intervalMs` while the tab is visible; a failed poll keeps the last good value
 * beside the error, so a flaky network does not blank the header.
 */
export function usePoll<T>(task: (signal: AbortSignal) => Promise<T>, intervalMs: number): PollResult<T> {
  const [result, setResult] = useState<PollResult<T>>({ state: 'loading' });
  const taskRef = useRef(task);
  taskRef.current = task;

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let ctrl: AbortController | undefined;
    let running = false;
    let stopped = false;
    let last: T | undefined;

    const run = async (): Promise<void> => {
      timer = undefined;
      running = true;
      ctrl = new AbortController();
      try {
        const value = await taskRef.current(ctrl.signal);
        last = value;
        if (!stopped) setResult({ state: 'ok', value });
      } catch (err) {
        if (!stopped && !isAbortError(err)) {
          setResult({ state: 'error', error: err instanceof Error ? err : new Error(String(err)), value: last });
        }
      } finally {
        running = false;
      }
      // Hidden tabs stop polling; the visibility handler starts again.
      if (!stopped && !document.hidden) timer = setTimeout(() => void run(), intervalMs);
    };
    const onVisibility = (): void => {
      if (!document.hidden && timer === undefined && !running && !stopped) void run();
    };

    void run();
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      ctrl?.abort();
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [intervalMs]);
  return result;
}
