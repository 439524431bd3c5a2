import { useEffect, useMemo, useState } from 'preact/hooks';
import { useServices } from '../app-context.ts';
import { TwinCard } from '../components/twin-card.tsx';
import { useTwinList } from '../hooks/use-store.ts';
import { applyTwinFilters, filterChoices, type TwinFilters } from '../lib/filter-twins.ts';
import { formatRoute } from '../lib/route.ts';
import { LoadState } from '../state/live-store.ts';

/** Cards rendered at first; "Show more" adds as many again. */
const PAGE = 48;

export function OverviewPage({ filters }: { readonly filters: TwinFilters }) {
  const { loader } = useServices();
  const list = useTwinList();
  const [query, setQuery] = useState(filters.q);
  const [picks, setPicks] = useState<Omit<TwinFilters, 'q'>>(filters);
  const [limit, setLimit] = useState(PAGE);
  const all: TwinFilters = { ...picks, q: query };
  const filtered = useMemo(() => applyTwinFilters(list.twins, all), [list.twins, query, picks.model, picks.group, picks.status, picks.dim]);
  const choices = useMemo(() => filterChoices(list.twins), [list.twins]);
  const narrowed = Boolean(query || picks.model || picks.group || picks.status || picks.dim);
  const shown = filtered.slice(0, limit);

  useEffect(() => {
    document.title = 'Overview · twinflow';
  }, []);

  const onQuery = (value: string): void => {
    setQuery(value);
    setLimit(PAGE);
    // The filter is part of the URL (bookmarkable) without adding a history entry per keystroke.
    history.replaceState(history.state, '', formatRoute({ page: 'overview', ...picks, q: value }));
  };
  const onPick = (key: keyof Omit<TwinFilters, 'q'>, value: string): void => {
    const next = { ...picks, [key]: value || undefined };
    setPicks(next);
    setLimit(PAGE);
    history.replaceState(history.state, '', formatRoute({ page: 'overview', ...next, q: query }));
  };
  const clearAll = (): void => {
    setPicks({});
    onQuery('');
    history.replaceState(history.state, '', formatRoute({ page: 'overview', q: '' }));
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
              : narrowed
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
      <div class="pickers" role="group" aria-label="Filter twins">
        <Picker id="f-model" label="Model" value={picks.model} options={choices.models} onChange={(v) => onPick('model', v)} />
        <Picker id="f-group" label="Group" value={picks.group} options={choices.groups} onChange={(v) => onPick('group', v)} />
        <Picker id="f-dim" label="Dimension" value={picks.dim} options={choices.dims} onChange={(v) => onPick('dim', v)} />
        <Picker id="f-status" label="Status" value={picks.status} options={['active', 'deprecated']} onChange={(v) => onPick('status', v)} />
        {narrowed && <button type="button" class="link" onClick={clearAll}>Clear filters</button>}
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
      ) : filtered.length === 0 && narrowed ? (
        <div class="empty">
          <h2>No twin matches {query ? `“${query}”` : 'these filters'}</h2>
          <p><button type="button" class="link" onClick={clearAll}>Clear the filters</button></p>
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

function Picker(p: { readonly id: string; readonly label: string; readonly value?: string; readonly options: readonly string[]; readonly onChange: (v: string) => void }) {
  const options = p.value && !p.options.includes(p.value) ? [p.value, ...p.options] : p.options;
  return (
    <label class="picker" for={p.id}>
      <span>{p.label}</span>
      <select id={p.id} value={p.value ?? ''} onChange={(e) => p.onChange(e.currentTarget.value)}>
        <option value="">any</option>
        {options.map((o) => <option key={o} value={o}>{o}</option>)}
      </select>
    </label>
  );
}
