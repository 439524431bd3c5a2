import { useEffect, useMemo, useState } from 'preact/hooks';
import { useServices } from '../app-context.ts';
import { TwinCard } from '../components/twin-card.tsx';
import { useTwinList } from '../hooks/use-store.ts';
import { filterTwins } from '../lib/filter-twins.ts';
import { formatRoute } from '../lib/route.ts';
import { LoadState } from '../state/live-store.ts';

/** Cards rendered at first; "Show more" adds as many again. */
const PAGE = 48;

export function OverviewPage({ q }: { readonly q: string }) {
  const { loader } = useServices();
  const list = useTwinList();
  const [query, setQuery] = useState(q);
  const [limit, setLimit] = useState(PAGE);
  const filtered = useMemo(() => filterTwins(list.twins, query), [list.twins, query]);
  const shown = filtered.slice(0, limit);

  useEffect(() => {
    document.title = 'Overview · twinflow';
  }, []);

  const onQuery = (value: string): void => {
    setQuery(value);
    setLimit(PAGE);
    // The filter is part of the URL (bookmarkable) without adding a history entry per keystroke.
    history.replaceState(history.state, '', formatRoute({ page: 'overview', q: value }));
  };

  const active = list.twins.filter((t) => t.status === 'active').length;
  const deprecated = list.twins.length - active;
  const loading = list.twins.length === 0 && (list.status === LoadState.Idle || list.status === LoadState.Loading);

  return (
    <>
      <div class="page-head">
        <div>
          <h1 tabIndex={-1}>Twins</h1>
          <p class="muted" aria-live="polite">
            {loading
              ? 'Loading the registry…'
              : query
                ? `${filtered.length} of ${list.twins.length} twins match`
                : `${list.twins.length} ${list.twins.length === 1 ? 'twin' : 'twins'} · ${active} active${deprecated ? ` · ${deprecated} deprecated` : ''}`}
          </p>
        </div>
        <div class="filter">
          <label class="visually-hidden" for="twin-filter">Filter twins by id or name</label>
          <input
            id="twin-filter"
            type="search"
            placeholder="Filter by id or name"
            value={query}
            autocomplete="off"
            spellcheck={false}
            onInput={(e) => onQuery(e.currentTarget.value)}
          />
        </div>
      </div>

      {list.status === LoadState.Error && (
        <div class="banner banner-bad" role="alert">
          <span>Could not load the twin registry: {list.error?.message ?? 'unknown error'}</span>
          <button type="button" onClick={() => void loader.loadTwins()}>Retry</button>
        </div>
      )}

      {loading ? (
        <ul class="card-grid" aria-busy="true" aria-label="Loading twins">
          {Array.from({ length: 6 }, (_, i) => <li key={i} class="card card-skeleton" aria-hidden="true" />)}
        </ul>
      ) : list.twins.length === 0 && list.status === LoadState.Ready ? (
        <div class="empty">
          <h2>No twins registered yet</h2>
          <p>Register twins with <code>twinflow register DIR</code> or <code>POST /api/registry/twins</code>; they appear here as soon as they are created.</p>
        </div>
      ) : filtered.length === 0 && query ? (
        <div class="empty">
          <h2>No twin matches “{query}”</h2>
          <p><button type="button" class="link" onClick={() => onQuery('')}>Clear the filter</button></p>
        </div>
      ) : (
        <>
          <ul class="card-grid">
            {shown.map((t) => <li key={t.id}><TwinCard twin={t} /></li>)}
          </ul>
          {filtered.length > shown.length && (
            <p class="more">
              <button type="button" onClick={() => setLimit((n) => n + PAGE)}>
                Show more ({filtered.length - shown.length} remaining)
              </button>
            </p>
          )}
        </>
      )}
    </>
  );
}
