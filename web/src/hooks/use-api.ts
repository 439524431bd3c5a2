import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { isRouteMissing } from '../api/api-client.ts';
import { isAbortError } from '../api/api-error.ts';

export type ApiResult<T> =
  | { readonly state: 'loading' }
  | { readonly state: 'ok'; readonly value: T }
  /** The server has no such route: the feature has not landed. */
  | { readonly state: 'missing'; readonly error: Error }
  | { readonly state: 'error'; readonly error: Error; readonly value?: T };

/**
 * Runs `task` when `deps` change and on `reload()`; a reload keeps the last value on screen while it runs.
 * A 404 "no route" becomes `missing`, so a page can say the feature has not landed instead of failing.
 */
export function useApi<T>(task: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): ApiResult<T> & { reload: () => void } {
  const [result, setResult] = useState<ApiResult<T>>({ state: 'loading' });
  const [tick, setTick] = useState(0);
  const taskRef = useRef(task);
  taskRef.current = task;
  const last = useRef<T | undefined>(undefined);

  useEffect(() => {
    const ctrl = new AbortController();
    taskRef.current(ctrl.signal).then(
      (value) => {
        last.current = value;
        if (!ctrl.signal.aborted) setResult({ state: 'ok', value });
      },
      (err: unknown) => {
        if (ctrl.signal.aborted || isAbortError(err)) return;
        const error = err instanceof Error ? err : new Error(String(err));
        setResult(isRouteMissing(err) ? { state: 'missing', error } : { state: 'error', error, value: last.current });
      },
    );
    return () => ctrl.abort();
  }, [...deps, tick]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { ...result, reload };
}
