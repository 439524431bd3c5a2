import { useEffect, useRef, useState } from 'preact/hooks';
import { useServices } from '../app-context.ts';
import { ApiError } from '../api/api-error.ts';
import type { Shadow } from '../api/types.ts';
import { useApi } from '../hooks/use-api.ts';
import { useEvents } from '../hooks/use-events.ts';
import { NotLanded } from './not-landed.tsx';

const json = (v: unknown): string => JSON.stringify(v ?? {}, null, 2);
const EMPTY: Shadow = { state: {}, version: 0 };

/** Acks may sit at the top of the shadow, in its metadata, or in its state, depending on the server. */
function acksOf(s: Shadow): [string, Record<string, unknown>][] {
  const raw = (s.ack ?? (s.metadata as { ack?: unknown } | undefined)?.ack ?? (s.state as { ack?: unknown }).ack) as Record<string, Record<string, unknown>> | undefined;
  return raw && typeof raw === 'object' ? Object.entries(raw) : [];
}

type Outcome = { readonly tone: 'ok' | 'bad' | 'warn'; readonly text: string } | undefined;

/** Reported, desired and delta side by side, and an editor for desired that sends the version it was based on. */
export function StatePanel({ twinId }: { readonly twinId: string }) {
  const { api } = useServices();
  const path = `/api/twins/${encodeURIComponent(twinId)}/state`;
  const shadow = useApi(async (signal) => {
    try {
      return await api.send<Shadow>('GET', path, { signal });
    } catch (err) {
      // A twin whose state was never written may answer 404 for the resource (not the route).
      if (err instanceof ApiError && err.status === 404 && !/no route/i.test(err.message)) return EMPTY;
      throw err;
    }
  }, [api, path]);
  const historyRes = useApi(
    (signal) => api.send<{ items: { version?: number; time?: string; source?: string; op?: string; patch?: unknown }[] }>('GET', `/api/twins/${encodeURIComponent(twinId)}/history`, { query: { limit: '200' }, signal }),
    [api, twinId, shadow.state === 'ok' ? shadow.value.version : -1],
  );
  const [draft, setDraft] = useState<string | undefined>();
  const [outcome, setOutcome] = useState<Outcome>();
  const [busy, setBusy] = useState(false);
  const base = useRef<number | undefined>(undefined);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useEvents((e) => {
    if (e.twinId !== twinId || (e.type !== 'state.update' && e.type !== 'state.delta')) return;
    if (timer.current === undefined) timer.current = setTimeout(() => { timer.current = undefined; shadow.reload(); }, 100);
  });
  useEffect(() => () => clearTimeout(timer.current), []);

  if (shadow.state === 'missing') {
    return (
      <section class="panel" aria-labelledby="state-h">
        <h2 id="state-h">State</h2>
        <NotLanded feature="Twin state" route={`GET ${path}`}>Reported, desired and delta appear here once the shadow API is served.</NotLanded>
      </section>
    );
  }
  const s = shadow.state === 'ok' ? shadow.value : shadow.state === 'error' ? shadow.value : undefined;
  const desired = s?.state.desired ?? {};
  if (s && base.current === undefined) base.current = s.version;
  const text = draft ?? json(desired);

  const apply = async (): Promise<void> => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      setOutcome({ tone: 'bad', text: `Not valid JSON: ${(err as Error).message}` });
      return;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      setOutcome({ tone: 'bad', text: 'Desired state must be a JSON object.' });
      return;
    }
    setBusy(true);
    try {
      // A shadow that was never written has no version to match yet.
      const version = s === EMPTY ? undefined : (base.current ?? s?.version);
      const res = await api.send<Shadow>('PATCH', path, { body: { state: { desired: parsed }, ...(version === undefined ? {} : { version }) } });
      setOutcome({ tone: 'ok', text: `Applied: version ${res?.version ?? '?'}. Keys still in the delta wait for the device.` });
      setDraft(undefined);
      base.current = undefined;
      shadow.reload();
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        setOutcome({ tone: 'warn', text: `Conflict: the state changed after you loaded it (${err.message}). Nothing was applied; the panel now shows the current state — review your edit and apply again.` });
        base.current = undefined;
        shadow.reload();
      } else {
        setOutcome({ tone: 'bad', text: `Not applied: ${(err as Error).message}` });
      }
    } finally {
      setBusy(false);
    }
  };

  const acks = s ? acksOf(s) : [];
  return (
    <section class="panel" aria-labelledby="state-h" data-version={s?.version}>
      <div class="panel-head">
        <h2 id="state-h">State</h2>
        <span class="muted">{s ? `version ${s.version}` : 'loading…'}{shadow.state === 'error' ? ` · ${shadow.error.message}` : ''}</span>
      </div>
      <div class="shadow-grid">
        <div class="shadow-col" data-part="reported"><h3 class="subhead">Reported</h3><pre class="json">{json(s?.state.reported)}</pre></div>
        <div class="shadow-col" data-part="desired"><h3 class="subhead">Desired</h3><pre class="json">{json(s?.state.desired)}</pre></div>
        <div class={`shadow-col${s?.state.delta && Object.keys(s.state.delta).length ? ' shadow-delta' : ''}`} data-part="delta">
          <h3 class="subhead">Delta</h3><pre class="json">{json(s?.state.delta)}</pre>
        </div>
      </div>
      {acks.length > 0 && (
        <table class="data acks">
          <caption class="subhead">Device acknowledgements</caption>
          <thead><tr><th scope="col">property</th><th scope="col">desired v.</th><th scope="col">acked v.</th><th scope="col">code</th><th scope="col">description</th></tr></thead>
          <tbody>
            {acks.map(([k, a]) => (
              <tr key={k} data-ack={k}><td><code>{k}</code></td><td>{String(a.desiredVersion ?? '—')}</td><td>{String(a.ackVersion ?? '—')}</td><td>{String(a.code ?? '—')}</td><td>{String(a.description ?? '')}</td></tr>
            ))}
          </tbody>
        </table>
      )}
      <form class="desired-editor" onSubmit={(e) => { e.preventDefault(); void apply(); }}>
        <label for="desired-editor" class="subhead">Edit desired</label>
        <textarea id="desired-editor" rows={Math.min(12, Math.max(4, text.split('\n').length + 1))} spellcheck={false} value={text}
          onInput={(e) => { setDraft(e.currentTarget.value); if (base.current === undefined && s) base.current = s.version; }} />
        <p class="muted small">Only the keys you name change; <code>null</code> deletes a key. Sent with version {base.current ?? s?.version ?? 0}, so a concurrent change is refused (409) instead of overwritten.</p>
        <div class="btn-row">
          <button type="submit" class="btn btn-primary" disabled={busy || !s}>{busy ? 'Applying…' : 'Apply desired'}</button>
          {draft !== undefined && <button type="button" class="btn" onClick={() => { setDraft(undefined); base.current = undefined; setOutcome(undefined); }}>Discard edit</button>}
        </div>
        {outcome && <p class={`banner banner-${outcome.tone} state-outcome`} role={outcome.tone === 'ok' ? 'status' : 'alert'}>{outcome.text}</p>}
      </form>
      {historyRes.state === 'ok' && historyRes.value.items.length > 0 && (
        <details class="state-history">
          <summary>History ({historyRes.value.items.length} updates)</summary>
          <ol>
            {[...historyRes.value.items].sort((a, b) => (b.version ?? 0) - (a.version ?? 0)).slice(0, 20).map((h, i) => (
              <li key={`${h.version}-${i}`}>
                <span class="mono">v{h.version}</span> <span class="muted small">{h.time ? new Date(h.time).toLocaleString() : ''} · {h.op ?? 'update'} · {h.source ?? ''}</span>
                <code class="history-patch">{JSON.stringify(h.patch)}</code>
              </li>
            ))}
          </ol>
        </details>
      )}
    </section>
  );
}
