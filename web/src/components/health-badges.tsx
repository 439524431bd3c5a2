import { useServices } from '../app-context.ts';
import type { Readiness } from '../api/types.ts';
import { usePoll } from '../hooks/use-poll.ts';

/** The components `/readyz` reports, in the order shown; others the server adds are shown after them. */
const KNOWN = ['broker', 'store', 'registry'] as const;
const POLL_MS = 5000;

const tone = (state: string): string => (state === 'up' ? 'ok' : state === 'starting' ? 'warn' : 'bad');

export function HealthBadges() {
  const { api } = useServices();
  const res = usePoll((signal) => api.readyz(signal), POLL_MS);
  if (res.state === 'loading') {
    return <ul class="badges" aria-label="Server health" aria-busy="true"><li class="badge"><span class="dot dot-idle" aria-hidden="true" />Checking…</li></ul>;
  }
  if (res.state === 'error') {
    return (
      <ul class="badges" aria-label="Server health">
        <li class="badge badge-bad" title={res.error.message}><span class="dot" aria-hidden="true" />Server unreachable</li>
      </ul>
    );
  }
  const components = componentsInOrder(res.value);
  return (
    <ul class="badges" aria-label="Server health">
      {components.map(([name, state]) => (
        <li key={name} class={`badge badge-${tone(state)}`} title={`${name}: ${state}`}>
          <span class="dot" aria-hidden="true" />
          {name}
          {state === 'up' ? <span class="visually-hidden"> up</span> : <span class="badge-state"> {state}</span>}
        </li>
      ))}
    </ul>
  );
}

function componentsInOrder(r: Readiness): [string, string][] {
  const all = Object.entries(r.components).map(([k, v]) => [k, String(v)] as [string, string]);
  const rank = (k: string): number => {
    const i = (KNOWN as readonly string[]).indexOf(k);
    return i < 0 ? KNOWN.length : i;
  };
  return all.sort((a, b) => rank(a[0]) - rank(b[0]));
}
