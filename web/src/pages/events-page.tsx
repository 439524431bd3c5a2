import { useEffect, useRef, useState } from 'preact/hooks';
import { useServices } from '../app-context.ts';
import { StreamStatus } from '../api/event-stream.ts';
import { ALL_EVENT_TYPES, type PortalEvent } from '../api/types.ts';
import { useEvents } from '../hooks/use-events.ts';
import { useObservable } from '../hooks/use-observable.ts';
import { formatNumber } from '../lib/format.ts';
import { formatRoute, twinHref } from '../lib/route.ts';

/** Rows kept on screen; older ones scroll away. */
const KEEP = 500;
const DEFAULT_TYPES = ALL_EVENT_TYPES.filter((t) => t !== 'telemetry');

const num = (v: number): string => formatNumber(v);

function patternSummary(d: Record<string, unknown>): string {
  const where = [d.workflow, d.pattern ?? d.name].filter((x) => typeof x === 'string').join('/');
  const values = d.values && typeof d.values === 'object' ? Object.entries(d.values as Record<string, unknown>).filter(([, v]) => typeof v === 'number').slice(0, 4).map(([k, v]) => `${k} ${num(v as number)}`).join(', ') : '';
  const sev = typeof d.severity === 'string' ? ` [${d.severity}]` : '';
  const s = `${where}${sev}${values ? ` · ${values}` : ''}`;
  return s || JSON.stringify(d).slice(0, 160);
}

/** One line of an event's data, for the feed. */
export function summarizeEvent(e: PortalEvent): string {
  const d = (e.data ?? {}) as Record<string, unknown>;
  switch (e.type) {
    case 'telemetry': {
      const r = (d.readings as { values?: Record<string, unknown> }[] | undefined) ?? [];
      const last = r[r.length - 1]?.values ?? {};
      return `${r.length} reading${r.length === 1 ? '' : 's'}: ${Object.entries(last).slice(0, 4).map(([k, v]) => `${k}=${String(v)}`).join(' ')}`;
    }
    case 'twin.create':
    case 'twin.update': {
      const list = Array.isArray(d.changed) ? (d.changed as string[]) : [];
      const changed = list.length ? ` changed ${list.slice(0, 4).join(', ')}${list.length > 4 ? ` +${list.length - 4}` : ''}` : '';
      const twin = d.twin as { version?: number } | undefined;
      return `v${twin?.version ?? '?'}${changed}${typeof d.source === 'string' ? ` by ${d.source.split(':')[0]}` : ''}`;
    }
    case 'command.status':
      return `${String(d.name ?? d.command ?? '')} → ${String(d.status ?? '')}${d.attempts ? ` (attempt ${String(d.attempts)})` : ''}`.trim();
    case 'anomaly.detected':
      if (typeof d.field === 'string' && typeof d.value === 'number') {
        const est = typeof d.estimate === 'number' ? ` vs estimate ${num(d.estimate)}` : '';
        const res = typeof d.residual === 'number' ? ` (residual ${num(d.residual)})` : '';
        return `${d.field} = ${num(d.value)}${est}${res}${typeof d.block === 'string' ? ` · ${d.block}` : ''}`;
      }
      return patternSummary(d);
    case 'sim.step': {
      const st = (d.state ?? {}) as Record<string, unknown>;
      const vals = Object.entries(st).filter(([k, v]) => k !== 'time' && typeof v === 'number').slice(0, 4).map(([k, v]) => `${k} ${num(v as number)}`).join(', ');
      return `${String(d.model_name ?? 'session')} t=${typeof st.time === 'number' ? num(st.time) : '?'} s · ${vals}`;
    }
    case 'state.update':
    case 'state.delta': {
      const patch = (d.patch ?? d.state ?? d.delta ?? {}) as Record<string, unknown>;
      const parts = Object.entries(patch).filter(([, v]) => v && typeof v === 'object').map(([k, v]) => `${k}: ${Object.keys(v as object).join(', ')}`);
      const who = [d.origin, d.source].filter((x) => typeof x === 'string').join(' via ');
      return `${typeof d.version === 'number' ? `v${d.version} ` : ''}${who ? `from ${who} · ` : ''}${parts.join(' · ') || Object.keys(patch).join(', ')}`;
    }
    case 'pattern.detected':
    case 'alarm.raised':
    case 'alarm.cleared':
      return patternSummary(d);
    default: {
      const s = JSON.stringify(d);
      return s.length > 160 ? `${s.slice(0, 157)}…` : s;
    }
  }
}

/** The live event stream with type filters; pausing holds new events aside, nothing is dropped. */
export function EventsPage({ types, twin }: { readonly types?: string; readonly twin?: string }) {
  const { api, stream } = useServices();
  const streamState = useObservable(stream);
  const selected = new Set(types ? types.split(',').filter(Boolean) : DEFAULT_TYPES);
  const rows = useRef<PortalEvent[]>([]);
  const held = useRef<PortalEvent[]>([]);
  const seen = useRef(new Set<number>());
  const [paused, setPaused] = useState(false);
  const [, setRev] = useState(0);
  const frame = useRef<number | undefined>(undefined);
  const [backfill, setBackfill] = useState<'loading' | 'ok' | 'error'>('loading');

  useEffect(() => {
    document.title = 'Events · twinflow';
  }, []);

  const redraw = (): void => {
    if (frame.current !== undefined) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = undefined;
      setRev((n) => n + 1);
    });
  };
  useEffect(() => () => {
    if (frame.current !== undefined) cancelAnimationFrame(frame.current);
  }, []);

  const add = (list: PortalEvent[], e: PortalEvent): void => {
    if (seen.current.has(e.seq)) return;
    seen.current.add(e.seq);
    list.push(e);
  };
  const trim = (): void => {
    if (rows.current.length > KEEP) {
      for (const e of rows.current.splice(0, rows.current.length - KEEP)) seen.current.delete(e.seq);
    }
  };
  const pausedRef = useRef(paused);
  pausedRef.current = paused;

  useEvents((e) => {
    if (twin && e.twinId !== twin) return;
    add(pausedRef.current ? held.current : rows.current, e);
    if (!pausedRef.current) trim();
    redraw();
  });

  // The last few minutes from the event log, so the page is not empty on arrival.
  useEffect(() => {
    const ctrl = new AbortController();
    void (async () => {
      try {
        let cursor: string | undefined;
        const got: PortalEvent[] = [];
        for (let i = 0; i < 5; i++) {
          const res = await api.send<{ items: PortalEvent[]; next?: string }>('GET', '/api/events', {
            query: { since: new Date(Date.now() - 10 * 60_000).toISOString(), limit: '200', cursor, twin },
            signal: ctrl.signal,
          });
          got.push(...res.items);
          if (!res.next) break;
          cursor = res.next;
        }
        const merged: PortalEvent[] = [];
        for (const e of got.slice(-KEEP)) add(merged, e);
        rows.current = [...merged, ...rows.current].sort((a, b) => a.seq - b.seq);
        trim();
        setBackfill('ok');
      } catch {
        if (!ctrl.signal.aborted) setBackfill('error');
      }
    })();
    return () => ctrl.abort();
  }, [api, twin]);

  const setTypes = (next: Set<string>): void => {
    const all = DEFAULT_TYPES.every((t) => next.has(t)) && !next.has('telemetry') && next.size === DEFAULT_TYPES.length;
    history.replaceState(history.state, '', formatRoute({ page: 'events', ...(all ? {} : { types: [...next].join(',') || 'none' }), ...(twin ? { twin } : {}) }));
    dispatchEvent(new HashChangeEvent('hashchange'));
  };
  const toggle = (t: string): void => {
    const next = new Set(selected);
    if (next.has(t)) next.delete(t);
    else next.add(t);
    setTypes(next);
  };
  const resume = (): void => {
    for (const e of held.current) add(rows.current, e);
    held.current = [];
    rows.current.sort((a, b) => a.seq - b.seq);
    trim();
    setPaused(false);
  };

  const visible = rows.current.filter((e) => selected.has(e.type));
  const shown = visible.slice(-200).reverse();
  const status = streamState.status;

  return (
    <>
      <div class="page-head" data-backfill={backfill}>
        <div>
          <h1 tabIndex={-1}>Events{twin ? <> of <code>{twin}</code></> : null}</h1>
          <p class="muted" aria-live="polite">
            {status === StreamStatus.Open ? 'Live' : status === StreamStatus.Reconnecting ? 'Reconnecting — the stream resumes from the last event seen' : 'Connecting…'}
            {rows.current.length > 0 && <> · last event seq <span class="mono">{rows.current[rows.current.length - 1]?.seq}</span></>}
            {' · '}{visible.length} shown{backfill === 'error' ? ' · the event log could not be read' : ''}
          </p>
        </div>
        <div class="head-actions">
          {paused ? (
            <button type="button" class="btn btn-primary" onClick={resume} aria-live="polite">
              Resume{held.current.length > 0 ? ` (${held.current.length} new)` : ''}
            </button>
          ) : (
            <button type="button" class="btn" onClick={() => setPaused(true)}>Pause</button>
          )}
          {twin && <a class="btn" href={formatRoute({ page: 'events', ...(types ? { types } : {}) })}>All twins</a>}
        </div>
      </div>
      <fieldset class="type-filter">
        <legend>Event types</legend>
        {ALL_EVENT_TYPES.map((t) => (
          <label key={t} class={`chip chip-toggle${selected.has(t) ? ' chip-on' : ''}`}>
            <input type="checkbox" checked={selected.has(t)} onChange={() => toggle(t)} />
            {t}
          </label>
        ))}
      </fieldset>
      {shown.length === 0 ? (
        <p class="empty muted">{backfill === 'loading' ? 'Reading the event log…' : 'No events of these types yet. They appear here as they happen.'}</p>
      ) : (
        <ol class="event-feed" aria-label="Events, newest first">
          {shown.map((e) => <EventRow key={e.seq} event={e} />)}
        </ol>
      )}
    </>
  );
}

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

export function EventRow({ event: e, showTwin = true }: { readonly event: PortalEvent; readonly showTwin?: boolean }) {
  const tone = e.type.startsWith('alarm.raised') || e.type === 'ingest.rejected' || e.type === 'anomaly.detected' ? ' ev-bad' : e.type.startsWith('twin.') ? ' ev-info' : '';
  return (
    <li class={`event${tone}`} data-seq={e.seq} data-type={e.type}>
      <time class="ev-time" dateTime={e.time} title={`seq ${e.seq}`}>{timeFmt.format(Date.parse(e.time))}</time>
      <span class="ev-type">{e.type}</span>
      {showTwin && (e.twinId ? <a class="ev-twin" href={twinHref(e.twinId)}>{e.twinId}</a> : <span class="ev-twin muted">—</span>)}
      <span class="ev-summary">{summarizeEvent(e)}</span>
    </li>
  );
}
