import { useEffect, useRef, useState } from 'preact/hooks';
import { useServices } from '../app-context.ts';
import type { Command } from '../api/types.ts';
import { useApi } from '../hooks/use-api.ts';
import { useEvents } from '../hooks/use-events.ts';
import { type CommandSpec, coerceParams, commandsOf, findModel } from '../state/model-commands.ts';
import { NotLanded } from './not-landed.tsx';
import { RelativeTime } from './relative-time.tsx';

const FINAL = new Set(['succeeded', 'failed', 'rejected', 'timed_out', 'expired', 'cancelled']);
const tone = (status: string): string => (status === 'succeeded' ? 'ok' : FINAL.has(status) ? 'bad' : 'warn');
const listOf = <T,>(body: unknown): T[] => (Array.isArray(body) ? body : ((body as { items?: T[] } | undefined)?.items ?? [])) as T[];

/** The audit trail under whichever name the server gives it. */
function trailOf(c: Command): { status: string; at?: string; note?: string }[] {
  const raw = c.audit ?? c.history ?? c.transitions ?? [];
  return raw.map((r) => ({
    status: String(r.status ?? r.to ?? r.state ?? '?'),
    ...(typeof (r.at ?? r.time ?? r.ts ?? r.timestamp) === 'string' ? { at: String(r.at ?? r.time ?? r.ts ?? r.timestamp) } : {}),
    ...(r.error || r.message || r.reason ? { note: String(r.error ?? r.message ?? r.reason) } : {}),
  }));
}

/** Command buttons from the twin's model, a parameter form, and the chosen command's status timeline. */
export function CommandsPanel({ twinId, model }: { readonly twinId: string; readonly model?: string }) {
  const { api } = useServices();
  const [rev, setRev] = useState(0);
  const recent = useApi((signal) => api.send('GET', '/api/commands', { query: { twin: twinId, limit: '10' }, signal }), [api, twinId, rev]);
  const models = useApi((signal) => api.send('GET', '/api/models', { signal }), [api]);
  const [open, setOpen] = useState<CommandSpec | undefined>();
  const [selected, setSelected] = useState<string | undefined>();
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useEvents((e) => {
    if (e.type !== 'command.status' || e.twinId !== twinId) return;
    if (timer.current === undefined) timer.current = setTimeout(() => { timer.current = undefined; setRev((n) => n + 1); }, 100);
  });
  useEffect(() => () => clearTimeout(timer.current), []);

  if (recent.state === 'missing') {
    return (
      <section class="panel" aria-labelledby="commands-h">
        <h2 id="commands-h">Commands</h2>
        <NotLanded feature="Commands" route="GET /api/commands">Command buttons and status timelines appear here once the command API is served.</NotLanded>
      </section>
    );
  }
  const specs = models.state === 'ok' ? commandsOf(findModel(models.value, model)) : [];
  const commands = recent.state === 'ok' ? listOf<Command>(recent.value) : recent.state === 'error' ? listOf<Command>(recent.value) : [];

  return (
    <section class="panel" aria-labelledby="commands-h">
      <div class="panel-head">
        <h2 id="commands-h">Commands</h2>
        <span class="muted">{models.state === 'missing' ? 'model registry not served: free-form commands' : model ? <>from model <code>{model}</code></> : 'no model'}</span>
      </div>
      <div class="btn-row command-buttons">
        {specs.map((c) => (
          <button key={c.name} type="button" class={`btn${open?.name === c.name ? ' btn-primary' : ''}`} aria-expanded={open?.name === c.name} onClick={() => setOpen(open?.name === c.name ? undefined : c)}>
            {c.name}
          </button>
        ))}
        <button type="button" class="btn" aria-expanded={open?.name === ''} onClick={() => setOpen(open?.name === '' ? undefined : { name: '', params: [] })}>{specs.length ? 'Other…' : 'Send a command…'}</button>
      </div>
      {open && <CommandForm key={open.name} twinId={twinId} spec={open} onSent={(id) => { setSelected(id); setOpen(undefined); setRev((n) => n + 1); }} />}
      {selected && <CommandTimeline key={selected} id={selected} rev={rev} />}
      <h3 class="subhead">Recent</h3>
      {commands.length === 0 ? (
        <p class="muted">{recent.state === 'loading' ? 'Loading…' : 'No commands sent to this twin yet.'}</p>
      ) : (
        <ul class="command-list">
          {commands.map((c) => (
            <li key={c.id}>
              <button type="button" class="link" aria-pressed={selected === c.id} onClick={() => setSelected(c.id)}>{c.name}</button>
              <span class={`pill pill-${tone(c.status)}`} data-command-status={c.status}>{c.status}</span>
              {c.createdAt && <span class="muted small"><RelativeTime ts={Date.parse(c.createdAt)} /></span>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function CommandForm({ twinId, spec, onSent }: { readonly twinId: string; readonly spec: CommandSpec; readonly onSent: (id: string) => void }) {
  const { api } = useServices();
  const [name, setName] = useState(spec.name);
  const [form, setForm] = useState<Record<string, string>>({});
  const [free, setFree] = useState('{}');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const send = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      const params = spec.name === '' ? (JSON.parse(free) as Record<string, unknown>) : coerceParams(spec, form);
      const res = await api.send<{ id: string }>('POST', `/api/twins/${encodeURIComponent(twinId)}/commands/${encodeURIComponent(name)}`, { body: { params } });
      onSent(res.id);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="command-form" aria-label={`Send ${name || 'a command'}`} onSubmit={(e) => { e.preventDefault(); void send(); }}>
      {spec.name === '' ? (
        <>
          <label class="field"><span>Command</span><input id="command-name" required value={name} onInput={(e) => setName(e.currentTarget.value)} /></label>
          <label class="field"><span>Parameters (JSON)</span><textarea id="command-params" rows={3} spellcheck={false} value={free} onInput={(e) => setFree(e.currentTarget.value)} /></label>
        </>
      ) : spec.params.length === 0 ? (
        <p class="muted">{name} takes no parameters.</p>
      ) : (
        <div class="param-grid">
          {spec.params.map((p) => (
            <label class="field" key={p.name}>
              <span>{p.name}{p.unit ? ` (${p.unit})` : ''}</span>
              {p.values ? (
                <select name={p.name} value={form[p.name] ?? ''} onChange={(e) => setForm({ ...form, [p.name]: e.currentTarget.value })}>
                  <option value="">—</option>
                  {p.values.map((v) => <option key={v} value={v}>{v}</option>)}
                </select>
              ) : /^(bool|boolean)$/i.test(p.type) ? (
                <select name={p.name} value={form[p.name] ?? ''} onChange={(e) => setForm({ ...form, [p.name]: e.currentTarget.value })}>
                  <option value="">—</option><option value="true">true</option><option value="false">false</option>
                </select>
              ) : (
                <input name={p.name} type={(/^(float|double|int|integer|long|number)$/i.test(p.type) ? 'number' : 'text') as 'text'} step="any" value={form[p.name] ?? ''} onInput={(e) => setForm({ ...form, [p.name]: e.currentTarget.value })} />
              )}
            </label>
          ))}
        </div>
      )}
      <div class="btn-row">
        <button type="submit" class="btn btn-primary" disabled={busy || name === ''}>{busy ? 'Sending…' : `Send ${name || 'command'}`}</button>
      </div>
      {error && <p class="banner banner-bad" role="alert">{error}</p>}
    </form>
  );
}

/** `rev` moves on every `command.status` of the twin; the last answer stays on screen while the next loads. */
function CommandTimeline({ id, rev }: { readonly id: string; readonly rev: number }) {
  const { api } = useServices();
  const cmd = useApi((signal) => api.send<Command>('GET', `/api/commands/${encodeURIComponent(id)}`, { signal }), [api, id, rev]);
  if (cmd.state !== 'ok') return <p class="muted">{cmd.state === 'loading' ? 'Loading command…' : `Command ${id}: ${cmd.error.message}`}</p>;
  const c = cmd.value;
  const trail = trailOf(c);
  return (
    <div class="command-timeline" data-command={c.id} data-status={c.status}>
      <h3 class="subhead">
        <code>{c.name}</code> <span class={`pill pill-${tone(c.status)}`}>{c.status}</span>
        {c.attempts !== undefined && <span class="muted small"> · attempt {c.attempts}</span>}
      </h3>
      <ol class="timeline">
        {(trail.length ? trail : [{ status: c.status }]).map((t, i) => (
          <li key={i} class={`tl-${tone(t.status)}`}>
            <span class="tl-status">{t.status}</span>
            {'at' in t && t.at && <time class="muted small" dateTime={t.at}>{new Date(t.at).toLocaleTimeString()}</time>}
            {'note' in t && t.note && <span class="muted small">{t.note}</span>}
          </li>
        ))}
      </ol>
      {c.result !== undefined && <pre class="json">{JSON.stringify(c.result, null, 2)}</pre>}
      {c.error !== undefined && c.error !== null && <p class="banner banner-bad">{typeof c.error === 'string' ? c.error : JSON.stringify(c.error)}</p>}
    </div>
  );
}
