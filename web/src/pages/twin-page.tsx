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
import { twinHref } from '../lib/route.ts';
import { type FieldSample, numericFields } from '../state/latest-values.ts';
import { LoadState, topic } from '../state/live-store.ts';
import { TWIN_CHART_SPEC } from '../state/series-specs.ts';

type Fetch = { readonly state: 'loading' | 'ok' | 'not-found' } | { readonly state: 'error'; readonly error: Error };

export function TwinPage({ id }: { readonly id: string }) {
  const { loader, store } = useServices();
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

  const fields = numericFields(view.latest);
  const entries = useSeries(id, fields, TWIN_CHART_SPEC, { urgent: true });
  const others = (view.latest?.fields ?? []).filter((f) => typeof f.value !== 'number');

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
          <h2 id="telemetry-h">Live telemetry</h2>
          <span class="muted">last 10 minutes</span>
        </div>
        {fields.length === 0 && others.length === 0 ? (
          <p class="muted">
            {telemetryState === LoadState.Error ? 'Telemetry is unavailable right now.' : telemetryState === LoadState.Ready ? 'No telemetry received from this twin yet.' : 'Loading telemetry…'}
          </p>
        ) : (
          <div class="chart-grid">
            {entries.map((e) => {
              const latest = latestByField.get(e.field);
              return (
                <figure class="chart-card" key={e.key} data-field={e.field}>
                  <figcaption>
                    <span class="chart-field">{e.field}</span>
                    <span class="chart-value">{latest ? formatValue(latest.value) : '—'}</span>
                  </figcaption>
                  <TimeChart entry={e} variant="full" height={180} label={`${e.field}, last 10 minutes`} />
                </figure>
              );
            })}
          </div>
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
      </div>
    </>
  );
}

/** Interfaces and dependencies, only when the twin declares any. */
function InterfacesPanel({ twin }: { readonly twin: Twin }) {
  const rows: [string, string][] = [];
  if (twin.interfaces.api) rows.push(['API', twin.interfaces.api]);
  if (twin.interfaces.data_streams?.length) rows.push(['Data streams', twin.interfaces.data_streams.join(', ')]);
  if (twin.dependencies.static?.length) rows.push(['Static dependencies', twin.dependencies.static.join(', ')]);
  if (twin.dependencies.dynamic?.length) rows.push(['Dynamic dependencies', twin.dependencies.dynamic.join(', ')]);
  if (rows.length === 0) return null;
  return (
    <section class="panel" aria-labelledby="interfaces-h">
      <h2 id="interfaces-h">Interfaces</h2>
      <dl class="kv">
        {rows.map(([k, v]) => <div class="kv-row" key={k}><dt>{k}</dt><dd><code>{v}</code></dd></div>)}
      </dl>
    </section>
  );
}
