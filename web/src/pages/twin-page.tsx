import { useEffect, useRef, useState } from 'preact/hooks';
import { useServices } from '../app-context.ts';
import type { ApiError } from '../api/api-error.ts';
import type { Twin } from '../api/types.ts';
import { KeyValueList } from '../components/key-value-list.tsx';
import { LastSeen, RelativeTime } from '../components/relative-time.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { TimeChart } from '../components/time-chart.tsx';
import { useSeries } from '../hooks/use-series.ts';
import { useTopic, useTwinView } from '../hooks/use-store.ts';
import { formatValue } from '../lib/format.ts';
import { formatRoute, twinHref } from '../lib/route.ts';
import { type FieldSample, numericFields } from '../state/latest-values.ts';
import { LoadState, topic } from '../state/live-store.ts';
import { isBlockOutput, RANGES, rangeById, zoomResolution } from '../state/ranges.ts';
import { CommandsPanel } from '../components/commands-panel.tsx';
import { StatePanel } from '../components/state-panel.tsx';
import { TwinEvents } from '../components/twin-events.tsx';
import { XyChart } from '../components/xy-chart.tsx';
import { useApi } from '../hooks/use-api.ts';

type Fetch = { readonly state: 'loading' | 'ok' | 'not-found' } | { readonly state: 'error'; readonly error: Error };

export function TwinPage({ id, range: rangeId }: { readonly id: string; readonly range?: string }) {
  const { loader, store } = useServices();
  const range = rangeById(rangeId);
  const [zoom, setZoom] = useState<{ from: number; to: number } | undefined>();
  const view = useTwinView(id);
  // Relationship targets are linked by name once the registry list knows them.
  useTopic(topic.list);
  const [fetched, setFetched] = useState<Fetch>({ state: 'loading' });
  // Keep showing what we knew when the twin is deleted while open.
  const known = useRef<Twin | undefined>(undefined);
  if (view.twin) known.current = view.twin;
  const twin = view.twin ?? known.current;

  useEffect(() => {
    const ctrl = new AbortController();
    loader.loadTwin(id, ctrl.signal).then(
      () => setFetched({ state: 'ok' }),
      (err: unknown) => {
        if (ctrl.signal.aborted) return;
        const status = (err as ApiError).status;
        setFetched(status === 404 ? { state: 'not-found' } : { state: 'error', error: err instanceof Error ? err : new Error(String(err)) });
      },
    );
    loader.ensureLatest(id, { urgent: true });
    return () => ctrl.abort();
  }, [loader, id]);

  useEffect(() => {
    document.title = `${twin?.name ?? id} · twinflow`;
  }, [twin?.name, id]);

  const present = new Set((view.latest?.fields ?? []).map((f) => f.field));
  const fields = numericFields(view.latest).filter((f) => !isBlockOutput(f));
  const estimateFields = fields.map((f) => `${f}.estimate`).filter((f) => present.has(f));
  const anomalyFields = fields.map((f) => `${f}.anomaly`).filter((f) => present.has(f));
  const entries = useSeries(id, fields, range.spec, { urgent: true });
  const estimates = useSeries(id, estimateFields, range.spec, { urgent: true });
  const anomalies = useSeries(id, anomalyFields, range.spec, { urgent: true });
  const byField = new Map([...estimates, ...anomalies].map((e) => [e.field, e]));
  const others = (view.latest?.fields ?? []).filter((f) => typeof f.value !== 'number' && !isBlockOutput(f.field));

  if (!twin) {
    if (fetched.state === 'loading') return <p class="muted" aria-busy="true">Loading twin <code>{id}</code>…</p>;
    return (
      <div class="empty">
        <h1 tabIndex={-1}>{fetched.state === 'not-found' ? 'Twin not found' : 'Twin unavailable'}</h1>
        <p>
          {fetched.state === 'error' ? <>Could not load <code>{id}</code>: {fetched.error.message}</> : <>No twin has the id <code>{id}</code> in this tenant.</>}
        </p>
        <p><a href="#/">Back to the overview</a></p>
      </div>
    );
  }

  const latestByField = new Map<string, FieldSample>((view.latest?.fields ?? []).map((f) => [f.field, f]));
  const telemetryState = view.latestState;

  return (
    <>
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="#/">Overview</a>
        <span aria-hidden="true">/</span>
        <span aria-current="page">{twin.name || twin.id}</span>
      </nav>

      {view.deleted && <div class="banner banner-bad" role="alert">This twin was deleted. The page shows what was last known.</div>}

      <header class="twin-head">
        <div class="twin-title">
          <h1 tabIndex={-1}>{twin.name || twin.id}</h1>
          <StatusBadge status={twin.status} />
        </div>
        <p class="twin-sub">
          <code>{twin.id}</code>
          {twin.model && <span>model <code>{twin.model}</code></span>}
          <span>version {twin.version}</span>
          <span>updated <RelativeTime ts={Date.parse(twin.updatedAt)} /></span>
        </p>
        <p class="twin-seen"><LastSeen ts={view.latest?.lastSeen} /></p>
        {twin.groups.length > 0 && (
          <ul class="chips" aria-label="Groups">
            {twin.groups.map((g) => <li key={g} class="chip">{g}</li>)}
          </ul>
        )}
      </header>

      <section class="panel" aria-labelledby="telemetry-h">
        <div class="panel-head">
          <h2 id="telemetry-h">{zoom ? 'Telemetry (zoomed)' : 'Live telemetry'}</h2>
          <div class="range-picker" role="group" aria-label="Time range">
            {zoom && <button type="button" class="btn btn-small" onClick={() => setZoom(undefined)}>Back to live</button>}
            {RANGES.map((r) => (
              <a key={r.id} class="seg" href={formatRoute({ page: 'twin', id, ...(r.id === '10m' ? {} : { range: r.id }) })} aria-current={!zoom && r.id === range.id ? 'true' : undefined} onClick={() => setZoom(undefined)}>{r.label}</a>
            ))}
          </div>
        </div>
        {fields.length === 0 && others.length === 0 ? (
          <p class="muted">
            {telemetryState === LoadState.Error ? 'Telemetry is unavailable right now.' : telemetryState === LoadState.Ready ? 'No telemetry received from this twin yet.' : 'Loading telemetry…'}
          </p>
        ) : zoom ? (
          <ZoomedCharts twinId={id} fields={fields} present={present} zoom={zoom} />
        ) : (
          <>
          {fields.length > 0 && <p class="muted small chart-hint">Drag across a chart to zoom in; finer data is loaded for the span.{estimateFields.length > 0 && <> Dashed: the model block's estimate; red dots: anomalies.</>}</p>}
          <div class="chart-grid">
            {entries.map((e) => {
              const latest = latestByField.get(e.field);
              const est = latestByField.get(`${e.field}.estimate`);
              const anom = latestByField.get(`${e.field}.anomaly`);
              return (
                <figure class="chart-card" key={e.key} data-field={e.field}>
                  <figcaption>
                    <span class="chart-field">{e.field}</span>
                    <span class="chart-value">{latest ? formatValue(latest.value) : '—'}</span>
                    {est && <span class="chart-est small" title="model block estimate">est. {formatValue(est.value)}</span>}
                    {anom && Boolean(anom.value) && <span class="pill pill-bad small">anomaly</span>}
                  </figcaption>
                  <TimeChart entry={e} variant="full" height={180} label={`${e.field}, last ${range.label}`}
                    estimate={byField.get(`${e.field}.estimate`)} anomaly={byField.get(`${e.field}.anomaly`)}
                    onZoom={(from, to) => setZoom({ from, to })} />
                </figure>
              );
            })}
          </div>
          </>
        )}
        {others.length > 0 && (
          <>
          <h3 class="subhead">Other fields</h3>
          <dl class="values values-wide">
            {others.map((f) => (
              <div class="value" key={f.field}>
                <dt>{f.field}</dt>
                <dd>{formatValue(f.value)} <span class="muted small"><RelativeTime ts={f.ts} /></span></dd>
              </div>
            ))}
          </dl>
          </>
        )}
      </section>

      <div class="details-grid details-grid-wide">
        <StatePanel twinId={id} />
        <CommandsPanel twinId={id} model={twin.model} />
      </div>

      <div class="details-grid">
        <section class="panel" aria-labelledby="metadata-h">
          <h2 id="metadata-h">Metadata</h2>
          <KeyValueList value={twin.metadata} empty="No metadata." />
        </section>
        <section class="panel" aria-labelledby="dimensions-h">
          <h2 id="dimensions-h">Dimensions</h2>
          <KeyValueList value={twin.dimensions} empty="No dimensions." />
        </section>
        <section class="panel" aria-labelledby="relationships-h">
          <h2 id="relationships-h">Relationships</h2>
          {twin.relationships.length === 0 ? (
            <p class="muted">No relationships.</p>
          ) : (
            <ul class="relations">
              {twin.relationships.map((r, i) => (
                <li key={`${r.name}-${r.target}-${i}`}>
                  <span class="rel-name">{r.name}</span>
                  <span aria-hidden="true" class="rel-arrow">→</span>
                  {store.twin(r.target) ? <a href={twinHref(r.target)}>{store.twin(r.target)?.name ?? r.target}</a> : <code>{r.target}</code>}
                  {r.properties && Object.keys(r.properties).length > 0 && <code class="rel-props">{JSON.stringify(r.properties)}</code>}
                </li>
              ))}
            </ul>
          )}
        </section>
        <InterfacesPanel twin={twin} />
        {twin.blocks.length > 0 && <BlocksPanel twinId={id} />}
      </div>
      <TwinEvents twinId={id} />
    </>
  );
}

/** Interfaces and dependencies (each with its health: a twin's status and last reading, or a service's health). */
function InterfacesPanel({ twin }: { readonly twin: Twin }) {
  const rows: [string, string][] = [];
  if (twin.interfaces.api) rows.push(['API', twin.interfaces.api]);
  if (twin.interfaces.data_streams?.length) rows.push(['Data streams', twin.interfaces.data_streams.join(', ')]);
  const deps = [
    ...(twin.dependencies.static ?? []).map((d) => ['static', d] as const),
    ...(twin.dependencies.dynamic ?? []).map((d) => ['dynamic', d] as const),
  ];
  if (rows.length === 0 && deps.length === 0) return null;
  return (
    <section class="panel" aria-labelledby="interfaces-h">
      <h2 id="interfaces-h">Interfaces and dependencies</h2>
      <dl class="kv">
        {rows.map(([k, v]) => <div class="kv-row" key={k}><dt>{k}</dt><dd><code>{v}</code></dd></div>)}
      </dl>
      {deps.length > 0 && (
        <ul class="deps">
          {deps.map(([kind, d]) => <Dependency key={`${kind}-${d}`} kind={kind} id={d} />)}
        </ul>
      )}
    </section>
  );
}

function Dependency({ kind, id }: { readonly kind: string; readonly id: string }) {
  const { api, loader } = useServices();
  const view = useTwinView(id);
  useEffect(() => {
    if (view.twin) loader.ensureLatest(id);
  }, [loader, id, Boolean(view.twin)]);
  const service = useApi(async (signal) => (view.twin ? undefined : api.send<{ health?: unknown }>('GET', `/api/registry/services/${encodeURIComponent(id)}`, { signal })), [api, id, Boolean(view.twin)]);
  const seen = view.latest?.lastSeen;
  let health: string;
  let tone: string;
  if (view.twin) {
    const fresh = seen !== undefined && Date.now() - seen < 5 * 60_000;
    health = view.twin.status !== 'active' ? view.twin.status : seen === undefined ? 'no telemetry' : fresh ? 'reporting' : 'silent';
    tone = view.twin.status !== 'active' ? 'bad' : fresh ? 'ok' : 'warn';
  } else if (service.state === 'ok' && service.value) {
    const h = service.value.health;
    health = typeof h === 'string' ? h : typeof h === 'object' && h !== null ? String((h as { status?: unknown }).status ?? 'unknown') : 'unknown';
    tone = /^(up|ok|healthy|ready)$/i.test(health) ? 'ok' : /^(down|unhealthy|failed)$/i.test(health) ? 'bad' : 'warn';
  } else {
    health = service.state === 'loading' ? '…' : 'unknown';
    tone = 'idle';
  }
  return (
    <li class="dep" data-dep={id}>
      <span class={`dot dot-${tone}`} aria-hidden="true" />
      {view.twin ? <a href={twinHref(id)}>{view.twin.name || id}</a> : <code>{id}</code>}
      <span class="muted small">{kind}</span>
      <span class={`pill pill-${tone === 'idle' ? 'muted' : tone}`}>{health}</span>
      {view.twin && <span class="muted small"><LastSeen ts={seen} /></span>}
    </li>
  );
}

/** A zoomed span: fetched once at a finer bucket than the live window, not appended to. */
function ZoomedCharts({ twinId, fields, present, zoom }: { readonly twinId: string; readonly fields: readonly string[]; readonly present: ReadonlySet<string>; readonly zoom: { from: number; to: number } }) {
  const { api } = useServices();
  const every = zoomResolution(zoom.from, zoom.to);
  const all = fields.flatMap((f) => [f, ...[`${f}.estimate`, `${f}.anomaly`].filter((x) => present.has(x))]);
  const res = useApi((signal) => api.telemetry(twinId, { from: new Date(zoom.from), to: new Date(zoom.to), fields: all, everyMs: every, agg: 'avg', limit: all.length * 601 }, signal), [api, twinId, zoom.from, zoom.to, all.join(',')]);
  if (res.state !== 'ok') return <p class="muted">{res.state === 'loading' ? 'Loading finer data…' : `Could not load the span: ${res.error.message}`}</p>;
  const num = (v: unknown): number | null => (typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : null);
  return (
    <>
      <p class="muted small">{new Date(zoom.from).toLocaleString()} – {new Date(zoom.to).toLocaleTimeString()} · {every / 1000} s buckets</p>
      <div class="chart-grid">
        {fields.map((f) => {
          const pts = res.value.series[f] ?? [];
          const xs = pts.map((p) => Date.parse(p.ts) / 1000);
          const at = (name: string): Map<number, number | null> => new Map((res.value.series[name] ?? []).map((p) => [Date.parse(p.ts) / 1000, num(p.value)]));
          const est = at(`${f}.estimate`);
          const anom = at(`${f}.anomaly`);
          const series = [{ label: f, ys: pts.map((p) => num(p.value)), color: 'var(--chart-line)' }];
          if (est.size) series.push({ label: 'estimate', ys: xs.map((x) => est.get(x) ?? null), color: '#7c3aed' });
          if (anom.size) series.push({ label: 'anomaly', ys: xs.map((x, i) => ((anom.get(x) ?? 0) > 0 ? num(pts[i]?.value) : null)), color: '#dc2626' });
          return (
            <figure class="chart-card" key={f} data-field={f} data-zoomed="true">
              <figcaption><span class="chart-field">{f}</span><span class="muted small">{pts.length} points</span></figcaption>
              <XyChart xs={xs} series={series} height={180} label={`${f}, zoomed`} xLabel="time" time />
            </figure>
          );
        })}
      </div>
    </>
  );
}

/** The model blocks bound to the twin (DESIGN §5.4) and what they have done. */
function BlocksPanel({ twinId }: { readonly twinId: string }) {
  const { api } = useServices();
  const res = useApi((signal) => api.send<{ items: { binding?: { use?: string; input?: string; module_path?: string }; stats?: Record<string, unknown> }[] }>('GET', `/api/twins/${encodeURIComponent(twinId)}/blocks`, { signal }), [api, twinId]);
  return (
    <section class="panel" aria-labelledby="blocks-h">
      <h2 id="blocks-h">Model blocks</h2>
      {res.state === 'missing' ? (
        <p class="muted">Block status has not landed (<code>GET /api/twins/{'{id}'}/blocks</code> answers 404).</p>
      ) : res.state === 'ok' ? (
        <dl class="kv">
          {res.value.items.map((b, i) => (
            <div class="kv-row" key={i}>
              <dt><code>{b.binding?.use ?? b.binding?.module_path ?? 'block'}</code> on <code>{b.binding?.input ?? '?'}</code></dt>
              <dd>
                {['processed', 'anomalies', 'errors'].map((k) => (typeof b.stats?.[k] === 'number' ? <span key={k} class="block-stat">{k} <strong>{String(b.stats[k])}</strong></span> : null))}
              </dd>
            </div>
          ))}
        </dl>
      ) : (
        <p class="muted">{res.state === 'loading' ? 'Loading…' : `Unavailable: ${res.error.message}`}</p>
      )}
    </section>
  );
}
