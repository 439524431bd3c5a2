import { useEffect, useReducer } from 'preact/hooks';
import { useServices } from '../app-context.ts';
import type { Twin } from '../api/types.ts';
import type { LatestValues } from '../state/latest-values.ts';
import { type LoadState, type TwinListState, topic } from '../state/live-store.ts';

/** Re-renders the caller whenever the store flushes a change on `t`. */
export function useTopic(t: string): void {
  const { store } = useServices();
  const [, bump] = useReducer((n: number, _: void) => n + 1, 0);
  useEffect(() => store.subscribe(t, () => bump()), [store, t]);
}

export function useTwinList(): TwinListState {
  const { store } = useServices();
  useTopic(topic.list);
  return store.twinList();
}

export interface TwinView {
  readonly twin?: Twin;
  readonly latest?: LatestValues;
  readonly latestState: LoadState;
  readonly deleted: boolean;
}

export function useTwinView(id: string): TwinView {
  const { store } = useServices();
  useTopic(topic.twin(id));
  return { twin: store.twin(id), latest: store.latest(id), latestState: store.latestState(id), deleted: store.wasDeleted(id) };
}
