import { isRouteMissing, type ApiClient } from '../api/api-client.ts';
import type { PortalEvent } from '../api/types.ts';
import type { EventHub } from '../lib/event-hub.ts';
import { type Observable, observable } from '../lib/observable.ts';
import { type Alarm, applyAlarmEvent } from './alarms.ts';

export interface AlarmState {
  /** `missing` while the server has no workflows, which are what raise alarms. */
  readonly status: 'loading' | 'ok' | 'missing' | 'error';
  readonly active: ReadonlyMap<string, Alarm>;
}

/**
 * Active alarms: read once from `GET /api/alarms?status=active`, then kept by the live stream. Events that arrive
 * while the snapshot is being read are queued and applied after it, in seq order.
 */
export function createAlarmTracker(api: ApiClient, events: EventHub<PortalEvent>): Observable<AlarmState> {
  const state = observable<AlarmState>({ status: 'loading', active: new Map() });
  let queue: PortalEvent[] | undefined = [];
  let lastSeq = 0;
  const apply = (e: PortalEvent): void => {
    if (e.seq <= lastSeq) return;
    lastSeq = e.seq;
    const cur = state.get();
    const next = applyAlarmEvent(cur.active, e);
    if (next !== cur.active) state.set({ ...cur, active: next });
  };
  events.subscribe((e) => {
    if (e.type !== 'alarm.raised' && e.type !== 'alarm.cleared' && e.type !== 'twin.delete') return;
    if (queue) queue.push(e);
    else apply(e);
  });
  void (async () => {
    try {
      // The active alarms as stored, then the stream from the moment they were read.
      const res = await api.send<{ items: Record<string, unknown>[] }>('GET', '/api/alarms', { query: { status: 'active' } });
      let active: ReadonlyMap<string, Alarm> = new Map();
      for (const doc of res.items) {
        const twinId = typeof doc.twin === 'string' ? doc.twin : typeof doc.twinId === 'string' ? doc.twinId : undefined;
        active = applyAlarmEvent(active, {
          seq: 0, id: '', type: 'alarm.raised', tenant: '', time: String(doc.raisedAt ?? new Date().toISOString()), data: doc, ...(twinId === undefined ? {} : { twinId }),
        });
      }
      state.set({ status: 'ok', active });
    } catch (err) {
      state.set({ ...state.get(), status: isRouteMissing(err) ? 'missing' : 'error' });
    } finally {
      const q = queue ?? [];
      queue = undefined;
      for (const e of q.sort((a, b) => a.seq - b.seq)) apply(e);
    }
  })();
  return state;
}
