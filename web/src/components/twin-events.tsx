import { useState } from 'preact/hooks';
import { useServices } from '../app-context.ts';
import type { PortalEvent } from '../api/types.ts';
import { useApi } from '../hooks/use-api.ts';
import { useEvents } from '../hooks/use-events.ts';
import { formatRoute } from '../lib/route.ts';
import { EventRow } from '../pages/events-page.tsx';

/** The twin's recent events (the log's last hour, then live), telemetry left out. */
export function TwinEvents({ twinId }: { readonly twinId: string }) {
  const { api } = useServices();
  const log = useApi(
    (signal) => api.send<{ items: PortalEvent[] }>('GET', '/api/events', { query: { twin: twinId, since: new Date(Date.now() - 3_600_000).toISOString(), limit: '200' }, signal }),
    [api, twinId],
  );
  const [live, setLive] = useState<PortalEvent[]>([]);
  useEvents((e) => {
    if (e.twinId === twinId && e.type !== 'telemetry') setLive((prev) => [...prev.slice(-99), e]);
  });
  const seen = new Set<number>();
  const rows = [...(log.state === 'ok' ? log.value.items : []), ...live]
    .filter((e) => !seen.has(e.seq) && seen.add(e.seq))
    .sort((a, b) => b.seq - a.seq)
    .slice(0, 12);
  return (
    <section class="panel" aria-labelledby="twin-events-h">
      <div class="panel-head">
        <h2 id="twin-events-h">Events</h2>
        <a class="small" href={formatRoute({ page: 'events', twin: twinId })}>All events of this twin</a>
      </div>
      {rows.length === 0 ? (
        <p class="muted">{log.state === 'loading' ? 'Loading…' : 'No events in the last hour.'}</p>
      ) : (
        <ol class="event-feed event-feed-compact">{rows.map((e) => <EventRow key={e.seq} event={e} showTwin={false} />)}</ol>
      )}
    </section>
  );
}
