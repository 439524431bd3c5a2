import { useEffect, useRef } from 'preact/hooks';
import { useServices } from '../app-context.ts';
import type { PortalEvent } from '../api/types.ts';

/** Calls `onEvent` for every stream event while mounted (the listener may change between renders). */
export function useEvents(onEvent: (event: PortalEvent) => void): void {
  const { events } = useServices();
  const ref = useRef(onEvent);
  ref.current = onEvent;
  useEffect(() => events.subscribe((e) => ref.current(e)), [events]);
}
