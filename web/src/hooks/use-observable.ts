import { useEffect, useState } from 'preact/hooks';
import type { Observable } from '../lib/observable.ts';

export function useObservable<T>(o: Observable<T>): T {
  const [value, setValue] = useState(() => o.get());
  useEffect(() => {
    setValue(o.get());
    return o.subscribe(setValue);
  }, [o]);
  return value;
}
