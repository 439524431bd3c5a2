import { useEffect, useState } from 'preact/hooks';
import { useServices } from '../app-context.ts';
import { isRouteMissing } from '../api/api-client.ts';
import type { PortalEvent } from '../api/types.ts';
import { DataTable } from '../components/data-table.tsx';
import { LoadError, NotLanded } from '../components/not-landed.tsx';
import { RelativeTime } from '../components/relative-time.tsx';
import { useApi } from '../hooks/use-api.ts';
import { useEvents } from '../hooks/use-events.ts';
import { useObservable } from '../hooks/use-observable.ts';
import { twinHref } from '../lib/route.ts';
import { formatNumber } from '../lib/format.ts';
import { toTable } from '../lib/tabular.ts';
import { EventRow } from './events-page.tsx';

type Workflow = Record<string, unknown> & { name: string };

const listOf = (body: unknown): Workflow[] => {
  const arr = Array.isArray(body) ? body : ((body as { items?: unknown[] } | undefined)?.items ?? []);
  return (arr as Workflow[]).filter((w) => w && typeof w.name === 'string');
};

/** Names of a workflow section given either as `{name: {...}}` or as `[{name, ...}]`. */
const sectionNames = (section: unknown): string[] =>
  Array.isArray(section)
    ? section.map((s: { name?: unknown; id?: unknown }) => String(s?.name ?? s?.id ?? '')).filter(Boolean)
    : section && typeof section === 'object' ? Object.keys(section) : [];

export function WorkflowsPage() {
  const { api } = useServices();
  const workflows = useApi((signal) => api.send('GET', '/api/workflows', { signal }), [api]);

  useEffect(() => {
    document.title = 'Workflows · twinflow';
  }, []);

  return (
    <>
      <div class="page-head">
        <div>
          <h1 tabIndex={-1}>Workflows</h1>
          <p class="muted">Stream processors, patterns, alarms and group aggregates.</p>
        </div>
      </div>
      {workflows.state === 'missing' ? (
        <NotLanded feature="Workflows" route="GET /api/workflows">
          Deployed workflows, processor rates, patterns, alarms and aggregates will show here once the workflow engine is served.
        </NotLanded>
      ) : workflows.state === 'error' ? (
        <LoadError what="the workflows" error={workflows.error} onRetry={workflows.reload} />
      ) : workflows.state === 'loading' ? (
        <p class="muted" aria-busy="true">Loading workflows…</p>
      ) : (
        <WorkflowsBody workflows={listOf(workflows.value)} />
      )}
    </>
  );
}

function WorkflowsBody({ workflows }: { readonly workflows: readonly Workflow[] }) {
  return (
    <>
      <AlarmsPanel />
      {workflows.length === 0 ? (
        <div class="empty"><h2>No workflows deployed</h2><p>Deploy one with <code>POST /api/workflows</code> or list it under <code>workflows:</code> in twinflow.yaml.</p></div>
      ) : (
        workflows.map((w) => <WorkflowPanel key={w.name} workflow={w} />)
      )}
      <PatternsPanel />
    </>
  );
}

type Def = Record<string, unknown>;
/** `GET /api/workflows` items are `{name, status, workflow: {...definition}}`; a bare definition works too. */
const defOf = (w: Workflow): Def => (typeof w.workflow === 'object' && w.workflow !== null ? (w.workflow as Def) : w);

function WorkflowPanel({ workflow }: { readonly workflow: Workflow }) {
  const { api } = useServices();
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setTick((n) => n + 1), 5000);
    return () => clearInterval(t);
  }, []);
  const path = `/api/workflows/${encodeURIComponent(workflow.name)}`;
  const metrics = useApi((signal) => api.send<Record<string, unknown>>('GET', `${path}/metrics`, { signal }), [api, path, tick]);
  const def = defOf(workflow);
  const processors = sectionNames(def.stream_processors ?? def.streamProcessors);
  const aggSection = (def.telemetry_aggregations ?? def.telemetryAggregations ?? {}) as Record<string, Def>;
  const aggs = sectionNames(aggSection);
  const m = metrics.state === 'ok' ? metrics.value : metrics.state === 'error' ? metrics.value : undefined;
  const summary = m ? Object.entries(m).filter(([, v]) => typeof v === 'number') as [string, number][] : [];

  return (
    <section class="panel workflow" aria-labelledby={`wf-${workflow.name}`} data-workflow={workflow.name}>
      <div class="panel-head">
        <h2 id={`wf-${workflow.name}`}>{workflow.name}</h2>
        {typeof workflow.status === 'string' && <span class={`pill pill-${workflow.status === 'deployed' ? 'ok' : 'muted'}`}>{workflow.status}</span>}
        <span class="muted">{processors.length} processor{processors.length === 1 ? '' : 's'} · {aggs.length} aggregation{aggs.length === 1 ? '' : 's'}</span>
      </div>
      {typeof def.description === 'string' && <p>{def.description}</p>}
      {summary.length > 0 && (
        <dl class="values values-wide wf-summary">
          {summary.map(([k, v]) => <div class="value" key={k}><dt>{k.replace(/_/g, ' ')}</dt><dd>{formatNumber(v)}</dd></div>)}
        </dl>
      )}
      <h3 class="subhead">Processors</h3>
      {metrics.state === 'missing' ? (
        <p class="muted">Workflow metrics have not landed (<code>GET {path}/metrics</code> answers 404).</p>
      ) : m ? (
        <DataTable table={toTable(m.processors ?? m, 'processor')} caption={`Processors of ${workflow.name}`} bars prefer={['rate_per_s', 'rate', 'eventsPerSecond']} />
      ) : metrics.state === 'error' ? (
        <p class="muted">Metrics unavailable: {metrics.error.message}</p>
      ) : (
        <p class="muted">Loading metrics…</p>
      )}
      {aggs.map((a) => <AggregationView key={a} workflow={workflow.name} agg={a} def={aggSection[a] ?? {}} tick={tick} />)}
    </section>
  );
}

interface AggRow {
  readonly group?: string;
  readonly start?: number | string;
  readonly end?: number | string;
  readonly count?: number;
  readonly values?: Record<string, unknown>;
}

/** One telemetry aggregation: the latest result per group (closed windows first, else the open one), by dimension. */
function AggregationView({ workflow, agg, def, tick }: { readonly workflow: string; readonly agg: string; readonly def: Def; readonly tick: number }) {
  const { api } = useServices();
  const windows = Array.isArray(def.windows) ? (def.windows as { name?: string }[]).map((w) => String(w.name ?? '')).filter(Boolean) : [];
  const dims = Array.isArray(def.dimensions) ? (def.dimensions as unknown[]).map(String) : [];
  const [dim, setDim] = useState('');
  const [win, setWin] = useState(windows[0] ?? '');
  const path = `/api/workflows/${encodeURIComponent(workflow)}/aggregations/${encodeURIComponent(agg)}`;
  const res = useApi((signal) => api.send<{ groups?: AggRow[]; open?: AggRow[] }>('GET', path, { query: { window: win || undefined }, signal }), [api, path, win, tick]);
  const id = `agg-${workflow}-${agg}`;
  let table = undefined as ReturnType<typeof toTable> | undefined;
  const body = res.state === 'ok' ? res.value : res.state === 'error' ? res.value : undefined;
  if (body && (Array.isArray(body.groups) || Array.isArray(body.open))) {
    const latest = new Map<string, Record<string, unknown>>();
    for (const [state, list] of [['open', body.open ?? []], ['closed', body.groups ?? []]] as const) {
      for (const r of list) {
        const g = r.group ?? '*';
        if (dim && !g.startsWith(`${dim}=`)) continue;
        latest.set(g, { group: g === '*' ? 'all twins' : g, window: state, count: r.count, ...(r.values ?? {}), until: r.end === undefined ? undefined : new Date(r.end).toLocaleTimeString() });
      }
    }
    const rows = [...latest.values()];
    table = toTable(rows);
  } else if (body) table = toTable(body);
  return (
    <div class="aggregation" data-aggregation={agg}>
      <div class="panel-head">
        <h3 class="subhead">Aggregation <code>{agg}</code></h3>
        <div class="inline-form">
          {dims.length > 0 && (
            <>
              <label for={`${id}-g`}>by</label>
              <select id={`${id}-g`} value={dim} onChange={(e) => setDim(e.currentTarget.value)}>
                <option value="">every group</option>
                {dims.map((d) => <option key={d} value={d}>{d}</option>)}
              </select>
            </>
          )}
          {windows.length > 0 && (
            <>
              <label for={`${id}-w`}>window</label>
              <select id={`${id}-w`} value={win} onChange={(e) => setWin(e.currentTarget.value)}>
                {windows.map((w) => <option key={w} value={w}>{w}</option>)}
              </select>
            </>
          )}
        </div>
      </div>
      {res.state === 'missing' ? (
        <p class="muted">Aggregation queries have not landed (<code>GET {path}</code> answers 404).</p>
      ) : table ? (
        <DataTable table={table} caption={`${agg} by ${dim || 'group'}`} bars prefer={Array.isArray(def.metrics) ? [String((def.metrics[0] as { name?: unknown } | undefined)?.name ?? '')] : []} />
      ) : res.state === 'error' ? (
        <p class="muted">Unavailable: {res.error.message}</p>
      ) : (
        <p class="muted">Loading…</p>
      )}
    </div>
  );
}

function AlarmsPanel() {
  const { alarms, api } = useServices();
  const state = useObservable(alarms);
  const [note, setNote] = useState<string | undefined>();
  const active = [...state.active.values()].sort((a, b) => b.seq - a.seq);
  const acknowledge = async (key: string): Promise<void> => {
    const route = `/api/alarms/${encodeURIComponent(key)}/ack`;
    try {
      await api.send('POST', route);
      setNote(undefined);
      const cur = alarms.get();
      const a = cur.active.get(key);
      if (a) alarms.set({ ...cur, active: new Map(cur.active).set(key, { ...a, acknowledged: true }) });
    } catch (err) {
      setNote(isRouteMissing(err) ? `The server has no route to acknowledge an alarm yet (POST ${route} answers 404).` : `Could not acknowledge: ${(err as Error).message}`);
    }
  };
  return (
    <section class="panel" aria-labelledby="alarms-h">
      <div class="panel-head">
        <h2 id="alarms-h">Active alarms</h2>
        <span class="muted">{state.status === 'missing' ? 'not served (GET /api/alarms answers 404)' : active.length}</span>
      </div>
      {note && <p class="banner banner-warn" role="status">{note}</p>}
      {active.length === 0 ? (
        <p class="muted">{state.status === 'loading' ? 'Loading…' : 'No active alarms.'}</p>
      ) : (
        <ul class="alarm-list">
          {active.map((a) => (
            <li key={a.key} class={`alarm alarm-${a.severity ?? 'warning'}`} data-alarm={a.key}>
              <span class="alarm-name">{a.name}</span>
              {a.severity && <span class="pill pill-bad">{a.severity}</span>}
              {a.twinId && <a href={twinHref(a.twinId)}>{a.twinId}</a>}
              {a.message && <span class="muted">{a.message}</span>}
              <span class="muted small">raised <RelativeTime ts={Date.parse(a.raisedAt)} /></span>
              <span class="alarm-actions">
                {a.acknowledged ? <span class="pill pill-muted">acknowledged</span> : <button type="button" class="btn btn-small" onClick={() => void acknowledge(a.key)}>Acknowledge</button>}
              </span>
            </li>
          ))}
        </ul>
      )}
      <p class="muted small">An alarm clears by itself when its pattern's <code>clear when</code> condition holds.</p>
    </section>
  );
}

function PatternsPanel() {
  const { api } = useServices();
  const [events, setEvents] = useState<PortalEvent[]>([]);
  const log = useApi((signal) => api.send<{ items: PortalEvent[] }>('GET', '/api/events', { query: { type: 'pattern.detected,anomaly.detected', since: new Date(Date.now() - 3_600_000).toISOString(), limit: '200' }, signal }), [api]);
  useEvents((e) => {
    if (e.type === 'pattern.detected' || e.type === 'anomaly.detected') setEvents((prev) => [...prev.slice(-99), e]);
  });
  const all = [...(log.state === 'ok' ? log.value.items : []), ...events];
  const seen = new Set<number>();
  const rows = all.filter((e) => !seen.has(e.seq) && seen.add(e.seq)).sort((a, b) => b.seq - a.seq).slice(0, 15);
  return (
    <section class="panel" aria-labelledby="patterns-h">
      <div class="panel-head">
        <h2 id="patterns-h">Detected patterns and anomalies</h2>
        <span class="muted">last hour</span>
      </div>
      {rows.length === 0 ? <p class="muted">None detected.</p> : <ol class="event-feed">{rows.map((e) => <EventRow key={e.seq} event={e} />)}</ol>}
    </section>
  );
}
