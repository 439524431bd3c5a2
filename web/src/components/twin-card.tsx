import { useEffect, useRef } from 'preact/hooks';
import { useServices } from '../app-context.ts';
import type { Twin } from '../api/types.ts';
import { useSeenOnce } from '../hooks/use-in-view.ts';
import { useObservable } from '../hooks/use-observable.ts';
import { useSeries } from '../hooks/use-series.ts';
import { useTwinView } from '../hooks/use-store.ts';
import { twinHref } from '../lib/route.ts';
import { numericFields } from '../state/latest-values.ts';
import { isBlockOutput } from '../state/ranges.ts';
import { LoadState } from '../state/live-store.ts';
import { SPARKLINE_SPEC } from '../state/series-specs.ts';
import { LatestValuesList } from './latest-values.tsx';
import { LastSeen } from './relative-time.tsx';
import { StatusBadge } from './status-badge.tsx';
import { TimeChart } from './time-chart.tsx';

/**
 * One twin on the overview. Nothing is fetched until the card scrolls near the viewport, so a registry
 * of thousands of twins costs one list request up front.
 */
export function TwinCard({ twin }: { readonly twin: Twin }) {
  const { loader, alarms } = useServices();
  const alarmCount = [...useObservable(alarms).active.values()].filter((a) => a.twinId === twin.id).length;
  const ref = useRef<HTMLElement>(null);
  const seen = useSeenOnce(ref);
  const view = useTwinView(twin.id);
  useEffect(() => {
    if (seen) loader.ensureLatest(twin.id);
  }, [seen, loader, twin.id]);

  // The model block's outputs (`x.estimate`, `x.anomaly`, `x.residual`) belong to the twin page; the card shows an
  // anomaly badge for them instead.
  const first = numericFields(view.latest).find((f) => !isBlockOutput(f));
  const shownLatest = view.latest && { ...view.latest, fields: view.latest.fields.filter((f) => !isBlockOutput(f.field)) };
  const anomalous = (view.latest?.fields ?? []).some((f) => f.field.endsWith('.anomaly') && (f.value === true || f.value === 1));
  const [entry] = useSeries(twin.id, first === undefined ? [] : [first], SPARKLINE_SPEC, { enabled: seen });
  const hasData = (view.latest?.fields.length ?? 0) > 0;
  const sparkNote = hasData
    ? 'No numeric fields'
    : !seen || view.latestState === LoadState.Idle || view.latestState === LoadState.Loading
      ? 'Loading…'
      : view.latestState === LoadState.Error ? 'Telemetry unavailable' : 'No telemetry yet';

  return (
    <article class={`card twin-card${twin.status === 'deprecated' ? ' card-deprecated' : ''}`} ref={ref} aria-labelledby={`card-${twin.id}`}>
      <div class="card-head">
        <h2 class="card-title" id={`card-${twin.id}`}>
          <a class="stretched" href={twinHref(twin.id)}>{twin.name || twin.id}</a>
        </h2>
        {anomalous && <span class="pill pill-warn" title="The model block flags the latest reading as an anomaly">anomaly</span>}
        {alarmCount > 0 && <a class="pill pill-bad alarm-badge" href="#/workflows" title="Active alarms">{alarmCount} {alarmCount === 1 ? 'alarm' : 'alarms'}</a>}
        <StatusBadge status={twin.status} />
      </div>
      <p class="card-meta">
        <code>{twin.id}</code>
        {twin.model && <span class="card-model">{twin.model}</span>}
      </p>
      <div class="card-spark">
        {entry ? (
          <>
            <span class="spark-label" aria-hidden="true">{first} · last 10 min</span>
            <TimeChart entry={entry} variant="sparkline" height={40} label={`${first} of ${twin.name}, last 10 minutes`} />
          </>
        ) : (
          <p class="spark-empty muted">{sparkNote}</p>
        )}
      </div>
      {hasData && <LatestValuesList latest={shownLatest} state={view.latestState} max={4} />}
      <p class="card-foot"><LastSeen ts={view.latest?.lastSeen} /></p>
    </article>
  );
}
