import type { PortalEvent } from '../api/types.ts';

/** An alarm raised by a workflow (`alarm.raised`) and not yet cleared (`alarm.cleared`). */
export interface Alarm {
  readonly key: string;
  readonly twinId?: string;
  readonly name: string;
  readonly severity?: string;
  readonly message?: string;
  readonly raisedAt: string;
  readonly seq: number;
  readonly acknowledged: boolean;
  readonly data: Readonly<Record<string, unknown>>;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);

/** The identity of an alarm across its raise and clear events: its id when the server gives one, else twin + name. */
export function alarmKey(twinId: string | undefined, data: Readonly<Record<string, unknown>>): string {
  return str(data.alarmId) ?? str(data.id) ?? `${twinId ?? str(data.twinId) ?? ''}|${str(data.name) ?? str(data.alarm) ?? str(data.pattern) ?? ''}`;
}

/** Applies one event to the set of active alarms; returns the same map when nothing changed. */
export function applyAlarmEvent(active: ReadonlyMap<string, Alarm>, event: PortalEvent): ReadonlyMap<string, Alarm> {
  if (event.type !== 'alarm.raised' && event.type !== 'alarm.cleared' && event.type !== 'twin.delete') return active;
  const data = (event.data ?? {}) as Readonly<Record<string, unknown>>;
  if (event.type === 'twin.delete') {
    const id = str(data.id) ?? event.twinId;
    const next = new Map([...active].filter(([, a]) => a.twinId !== id));
    return next.size === active.size ? active : next;
  }
  const key = alarmKey(event.twinId, data);
  const next = new Map(active);
  if (event.type === 'alarm.cleared') {
    if (!next.delete(key)) return active;
    return next;
  }
  const twinId = event.twinId ?? str(data.twinId);
  next.set(key, {
    key,
    ...(twinId === undefined ? {} : { twinId }),
    name: str(data.name) ?? str(data.alarm) ?? str(data.pattern) ?? 'alarm',
    ...(str(data.severity) === undefined ? {} : { severity: str(data.severity) }),
    ...(str(data.message) === undefined ? {} : { message: str(data.message) }),
    raisedAt: event.time,
    seq: event.seq,
    acknowledged: data.acknowledged === true,
    data,
  });
  return next;
}
