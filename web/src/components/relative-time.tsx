import { useNow } from '../hooks/use-now.ts';
import { formatRelative } from '../lib/format.ts';

const full = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** "12 s ago", with the exact time on hover and in `datetime`. */
export function RelativeTime({ ts }: { readonly ts: number }) {
  const now = useNow();
  if (!Number.isFinite(ts)) return <span>unknown</span>;
  const d = new Date(ts);
  return (
    <time dateTime={d.toISOString()} title={full.format(d)}>
      {formatRelative(ts, now)}
    </time>
  );
}

/** "Last seen …" with a dot that is green while the twin reported within the last minute. */
export function LastSeen({ ts }: { readonly ts: number | undefined }) {
  const now = useNow();
  if (ts === undefined || !Number.isFinite(ts)) {
    return <span class="last-seen"><span class="dot dot-idle" aria-hidden="true" />No data yet</span>;
  }
  const fresh = now - ts < 60_000;
  return (
    <span class="last-seen">
      <span class={`dot ${fresh ? 'dot-live' : 'dot-idle'}`} aria-hidden="true" />
      Last seen <RelativeTime ts={ts} />
    </span>
  );
}
