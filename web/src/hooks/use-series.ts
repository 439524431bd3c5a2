import { useEffect, useState } from 'preact/hooks';
import { useServices } from '../app-context.ts';
import type { SeriesEntry } from '../state/live-store.ts';
import type { SeriesSpec } from '../state/series-buffer.ts';

/**
 * Holds series for some fields of a twin while the caller is mounted: history is loaded in one request,
 * live readings are appended by the store. Returns the entries in field order (empty until acquired).
 */
export function useSeries(twinId: string, fields: readonly string[], spec: SeriesSpec, opts: { enabled?: boolean; urgent?: boolean } = {}): readonly SeriesEntry[] {
  const { store, loader } = useServices();
  const [entries, setEntries] = useState<readonly SeriesEntry[]>([]);
  const enabled = opts.enabled ?? true;
  const key = fields.join('\u0000');
  useEffect(() => {
    if (!enabled || fields.length === 0) {
      setEntries([]);
      return;
    }
    const handles = fields.map((f) => store.acquireSeries(twinId, f, spec));
    const acquired = handles.map((h) => h.entry);
    setEntries(acquired);
    loader.ensureSeries(acquired, { urgent: opts.urgent });
    return () => {
      for (const h of handles) h.release();
    };
  }, [store, loader, twinId, key, spec.windowMs, spec.resolutionMs, enabled]);
  return entries;
}
