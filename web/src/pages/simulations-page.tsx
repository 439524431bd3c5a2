import { useEffect, useRef, useState } from 'preact/hooks';
import { useServices } from '../app-context.ts';
import { isRouteMissing } from '../api/api-client.ts';
import { KeyValueList } from '../components/key-value-list.tsx';
import { LoadError, NotLanded } from '../components/not-landed.tsx';
import { XyChart } from '../components/xy-chart.tsx';
import { useApi } from '../hooks/use-api.ts';
import { useTwinList } from '../hooks/use-store.ts';
import { formatNumber } from '../lib/format.ts';
import { formatRoute } from '../lib/route.ts';

/** The two models of the dual-system seed (DESIGN §5.8), their default parameters and a sensible control range. */
const MODELS = {
  water_tank: {
    label: 'Water tank',
    params: { tank_area: 1.0, outlet_area: 0.01, g: 9.81, initial_level: 1.0, max_level: 2.0 },
    control: { label: 'Inflow (m³/s)', min: 0, max: 0.1, step: 0.001, initial: 0.04 },
    fields: ['level', 'inflow', 'outflow'],
  },
  room_temperature: {
    label: 'Room temperature',
    params: { ambient_temperature: 20.0, time_constant: 600.0, heater_gain: 0.01, initial_temperature: 20.0 },
    control: { label: 'Heater power', min: 0, max: 5, step: 0.05, initial: 1 },
    fields: ['temperature', 'heater_power'],
  },
} as const;
type ModelName = keyof typeof MODELS;
const COLORS = ['var(--chart-line)', '#2563eb', '#c2410c', '#7c3aed'];

type SimState = Record<string, unknown>;

/** History answers may be `[state…]`, `{history: [...]}` or `{items: [...]}`. */
const historyRows = (body: unknown): SimState[] => {
  const arr = Array.isArray(body) ? body : ((body as Record<string, unknown>)?.history ?? (body as Record<string, unknown>)?.logs ?? (body as Record<string, unknown>)?.items ?? (body as Record<string, unknown>)?.states);
  return Array.isArray(arr) ? (arr as SimState[]).map((r) => ((r as { state?: SimState }).state && typeof (r as { state?: unknown }).state === 'object' ? { ...(r as { state: SimState }).state } : r)) : [];
};
const stateOf = (body: unknown): SimState => {
  const b = (body ?? {}) as Record<string, unknown>;
  return (typeof b.state === 'object' && b.state !== null ? b.state : b) as SimState;
};

export function SimulationsPage({ session }: { readonly session?: string }) {
  const { api } = useServices();
  // A GET of an unknown session tells the route apart from the resource: a 404 "no route" (or the dashboard's
  // own index.html) means the simulation API is not served at all.
  const probe = useApi(async (signal) => {
    try {
      await api.send('GET', '/simulate/state/__probe__', { signal });
    } catch (err) {
      if (isRouteMissing(err)) throw err;
    }
    return true;
  }, [api]);

  useEffect(() => {
    document.title = 'Simulations · twinflow';
  }, []);

  return (
    <>
      <div class="page-head">
        <div>
          <h1 tabIndex={-1}>Simulations</h1>
          <p class="muted">Water tank and room temperature models, stepped by hand or forked from a twin.</p>
        </div>
      </div>
      {probe.state === 'missing' ? (
        <NotLanded feature="Simulation" route="/simulate/init, /simulate/step, /simulate/state/{id}">
          Sessions can be started here once the simulation API is served.
        </NotLanded>
      ) : probe.state === 'loading' ? (
        <p class="muted" aria-busy="true">Checking the simulation API…</p>
      ) : session ? (
        <SessionView key={session} session={session} />
      ) : (
        <StartForm />
      )}
    </>
  );
}

function StartForm() {
  const { api } = useServices();
  const list = useTwinList();
  const [model, setModel] = useState<ModelName>('water_tank');
  const [params, setParams] = useState<Record<string, string>>({});
  const [fromTwin, setFromTwin] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const defaults = MODELS[model].params as Record<string, number>;

  const start = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      const p: Record<string, number> = {};
      for (const [k, v] of Object.entries(params)) if (v !== '' && k in defaults) p[k] = Number(v);
      const res = await api.send<{ session_id?: string; sessionId?: string }>('POST', '/simulate/init', {
        body: { model_name: model, ...(Object.keys(p).length ? { params: p } : {}), ...(fromTwin ? { from_twin: fromTwin } : {}) },
      });
      const id = res.session_id ?? res.sessionId;
      if (!id) throw new Error('the server did not return a session_id');
      location.hash = formatRoute({ page: 'simulations', session: id });
    } catch (err) {
      setError(isRouteMissing(err) ? 'The simulation API has not landed on this server (POST /simulate/init answers 404).' : (err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel" aria-labelledby="start-h">
      <h2 id="start-h">Start a session</h2>
      <form class="sim-form" onSubmit={(e) => { e.preventDefault(); void start(); }}>
        <fieldset class="radio-row">
          <legend>Model</legend>
          {(Object.keys(MODELS) as ModelName[]).map((m) => (
            <label key={m} class={`chip chip-toggle${m === model ? ' chip-on' : ''}`}>
              <input type="radio" name="model" value={m} checked={m === model} onChange={() => { setModel(m); setParams({}); }} />
              {MODELS[m].label}
            </label>
          ))}
        </fieldset>
        <div class="param-grid">
          {Object.entries(defaults).map(([k, v]) => (
            <label key={k} class="field">
              <span>{k}</span>
              <input type="number" step="any" name={k} placeholder={String(v)} value={params[k] ?? ''} onInput={(e) => setParams({ ...params, [k]: e.currentTarget.value })} />
            </label>
          ))}
          <label class="field">
            <span>fork from twin</span>
            <select name="from_twin" value={fromTwin} onChange={(e) => setFromTwin(e.currentTarget.value)}>
              <option value="">none</option>
              {list.twins.map((t) => <option key={t.id} value={t.id}>{t.name || t.id}</option>)}
            </select>
          </label>
        </div>
        {error && <p class="banner banner-bad" role="alert">{error}</p>}
        <button type="submit" class="btn btn-primary" disabled={busy}>{busy ? 'Starting…' : 'Start session'}</button>
      </form>
    </section>
  );
}

function SessionView({ session }: { readonly session: string }) {
  const { api } = useServices();
  const enc = encodeURIComponent(session);
  const [rev, setRev] = useState(0);
  const state = useApi((signal) => api.send('GET', `/simulate/state/${enc}`, { signal }), [api, enc, rev]);
  const history = useApi((signal) => api.send('GET', `/simulate/history/${enc}`, { signal }), [api, enc, rev]);
  const logs = useApi((signal) => api.send('GET', `/simulate/logs/${enc}`, { signal }), [api, enc, rev]);
  const cur = state.state === 'ok' ? stateOf(state.value) : undefined;
  const model: ModelName = cur && ('level' in cur || 'inflow' in cur) ? 'water_tank' : cur && 'temperature' in cur ? 'room_temperature' : 'water_tank';
  const spec = MODELS[model];
  const [u, setU] = useState<number>(spec.control.initial);
  const [dt, setDt] = useState(10);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const stepping = useRef(false);

  const step = async (): Promise<void> => {
    if (stepping.current) return;
    stepping.current = true;
    try {
      await api.send('POST', '/simulate/step', { body: { session_id: session, control_input: u, delta_time: dt } });
      setError(undefined);
      setRev((n) => n + 1);
    } catch (err) {
      setError((err as Error).message);
      setRunning(false);
    } finally {
      stepping.current = false;
    }
  };
  const reset = async (): Promise<void> => {
    setRunning(false);
    try {
      await api.send('POST', '/simulate/reset', { body: { session_id: session } });
      setRev((n) => n + 1);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  useEffect(() => {
    if (!running) return;
    const t = setInterval(() => void step(), 400);
    return () => clearInterval(t);
  }, [running, u, dt]);

  if (state.state === 'error' && state.value === undefined) {
    return (
      <>
        <LoadError what={`session ${session}`} error={state.error} />
        <p><a href="#/simulations">Start a new session</a></p>
      </>
    );
  }
  const rows = history.state === 'ok' || (history.state === 'error' && history.value) ? historyRows((history as { value: unknown }).value) : [];
  const xs = rows.map((r, i) => (typeof r.time === 'number' ? r.time : i));
  const fields = spec.fields.filter((f) => rows.some((r) => typeof r[f] === 'number'));

  return (
    <>
      <nav class="crumbs" aria-label="Breadcrumb"><a href="#/simulations">Simulations</a><span aria-hidden="true">/</span><span aria-current="page"><code>{session}</code></span></nav>
      <div class="details-grid sim-grid">
        <section class="panel" aria-labelledby="control-h">
          <h2 id="control-h">{spec.label}: control</h2>
          <label class="field" for="sim-u">
            <span>{spec.control.label}: <strong class="mono" data-testid="control-value">{formatNumber(u)}</strong></span>
            <input id="sim-u" type="range" min={spec.control.min} max={spec.control.max} step={spec.control.step} value={u} onInput={(e) => setU(Number(e.currentTarget.value))} />
          </label>
          <label class="field" for="sim-dt">
            <span>Step (s)</span>
            <input id="sim-dt" type="number" min="0.001" step="any" value={dt} onInput={(e) => setDt(Number(e.currentTarget.value) || 1)} />
          </label>
          <div class="btn-row">
            <button type="button" class="btn btn-primary" onClick={() => void step()} disabled={running}>Step</button>
            <button type="button" class="btn" aria-pressed={running} onClick={() => setRunning(!running)}>{running ? 'Stop' : 'Run'}</button>
            <button type="button" class="btn" onClick={() => void reset()}>Reset</button>
          </div>
          {error && <p class="banner banner-bad" role="alert">{error}</p>}
        </section>
        <section class="panel" aria-labelledby="simstate-h">
          <h2 id="simstate-h">State</h2>
          {cur ? <KeyValueList value={Object.fromEntries(Object.entries(cur).map(([k, v]) => [k, typeof v === 'number' ? formatNumber(v) : v]))} empty="No state." /> : <p class="muted">Loading…</p>}
        </section>
      </div>
      <section class="panel" aria-labelledby="simhist-h">
        <div class="panel-head"><h2 id="simhist-h">History</h2><span class="muted">{rows.length} steps</span></div>
        {history.state === 'missing' ? (
          <p class="muted">Session history has not landed (<code>GET /simulate/history/{'{id}'}</code> answers 404).</p>
        ) : rows.length === 0 ? (
          <p class="muted">Step the session to see its history.</p>
        ) : (
          <div class="chart-grid">
            {fields.map((f, i) => (
              <figure class="chart-card" key={f} data-field={f}>
                <figcaption><span class="chart-field">{f}</span><span class="chart-value">{formatNumber(rows[rows.length - 1]?.[f] as number)}</span></figcaption>
                <XyChart xs={xs} series={[{ label: f, ys: rows.map((r) => (typeof r[f] === 'number' ? (r[f] as number) : null)), color: COLORS[i % COLORS.length] as string }]} height={160} label={`${f} over simulated time`} xLabel="time (s)" />
              </figure>
            ))}
          </div>
        )}
      </section>
      {logs.state === 'ok' && (
        <section class="panel" aria-labelledby="simlogs-h">
          <h2 id="simlogs-h">Log</h2>
          <pre class="log">{historyRows(logs.value).length ? historyRows(logs.value).slice(-30).map((l) => (typeof l === 'string' ? l : typeof l.message === 'string' ? `${String(l.time ?? '')} ${String(l.level ?? '')} ${l.message}` : JSON.stringify(l))).join('\n') : JSON.stringify(logs.value, null, 1)}</pre>
        </section>
      )}
    </>
  );
}
