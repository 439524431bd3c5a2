import { useRef } from 'preact/hooks';
import { useServices } from '../app-context.ts';
import { type MetricsSample, summarizeMetrics } from '../api/metrics-summary.ts';
import { useObservable } from '../hooks/use-observable.ts';
import { usePoll } from '../hooks/use-poll.ts';
import { formatNumber, formatRate } from '../lib/format.ts';

const POLL_MS = 5000;

/** Ingest rate and rejected messages from `GET /metrics`; "—" where the server does not report a figure. */
export function IngestStats() {
  const { api } = useServices();
  const prev = useRef<MetricsSample | undefined>(undefined);
  const res = usePoll(async (signal) => {
    const summary = summarizeMetrics(await api.metrics(signal), Date.now(), prev.current);
    prev.current = summary.sample;
    return summary;
  }, POLL_MS);
  const s = res.state === 'loading' ? undefined : res.value;
  const stale = res.state === 'error';
  const rejected = s?.rejectedTotal;
  return (
    <dl class={`stats${stale ? ' stats-stale' : ''}`} title={stale ? `Metrics unavailable: ${res.error.message}` : undefined}>
      <div class="stat">
        <dt>Ingest</dt>
        <dd>{s?.ingestRate === undefined ? '—' : formatRate(s.ingestRate)}</dd>
      </div>
      <div class={`stat${rejected ? ' stat-warn' : ''}`}>
        <dt>Rejected</dt>
        <dd>{rejected === undefined ? '—' : formatNumber(rejected)}</dd>
      </div>
      <AlarmStat />
    </dl>
  );
}

/** Active alarms; "—" while the server has no workflows to raise them. */
function AlarmStat() {
  const { alarms } = useServices();
  const a = useObservable(alarms);
  const n = a.active.size;
  const title = a.status === 'missing' ? 'Workflows (which raise alarms) have not landed on this server yet' : a.status === 'error' ? 'Alarms unavailable' : undefined;
  return (
    <div class={`stat${n > 0 ? ' stat-bad' : ''}`} title={title}>
      <dt>Alarms</dt>
      <dd>{a.status === 'ok' || n > 0 ? <a href="#/workflows" class="stat-link">{formatNumber(n)}</a> : '—'}</dd>
    </div>
  );
}
