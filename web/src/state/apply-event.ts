import { type PortalEvent, PortalEventType } from '../api/types.ts';
import type { LiveStore } from './live-store.ts';

/** Applies one stream event to the store; types the dashboard does not show yet are ignored. */
export function applyPortalEvent(store: LiveStore, event: PortalEvent): void {
  switch (event.type) {
    case PortalEventType.Telemetry: {
      if (!event.twinId || !Array.isArray(event.data?.readings)) return;
      store.applyReadings(
        event.twinId,
        event.data.readings.map((r) => ({ ts: Date.parse(r.ts), values: r.values ?? {} })),
      );
      return;
    }
    case PortalEventType.TwinCreate:
    case PortalEventType.TwinUpdate:
      if (typeof event.data?.twin?.id === 'string') store.upsertTwin(event.data.twin);
      return;
    case PortalEventType.TwinDelete: {
      const id = event.data?.id ?? event.twinId;
      if (typeof id === 'string') store.removeTwin(id);
      return;
    }
    default:
      return;
  }
}
