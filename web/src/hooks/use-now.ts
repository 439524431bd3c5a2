import { useEffect, useState } from 'preact/hooks';
import { useServices } from '../app-context.ts';

/** The current time, refreshed by the shared ticker. */
export function useNow(): number {
  const { ticker } = useServices();
  const [now, setNow] = useState(() => ticker.now());
  useEffect(() => ticker.subscribe(setNow), [ticker]);
  return now;
}
