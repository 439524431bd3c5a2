import { useServices } from '../app-context.ts';
import type { Route } from '../lib/route.ts';
import { HealthBadges } from './health-badges.tsx';
import { IngestStats } from './ingest-stats.tsx';
import { StreamIndicator } from './stream-indicator.tsx';
import { TenantPicker } from './tenant-picker.tsx';

/** Pages in the main navigation; later pages (Workflows, Simulations, Events) join here when they exist. */
const NAV: readonly { readonly href: string; readonly label: string; readonly pages: readonly Route['page'][] }[] = [
  { href: '#/', label: 'Overview', pages: ['overview', 'twin'] },
  { href: '#/workflows', label: 'Workflows', pages: ['workflows'] },
  { href: '#/simulations', label: 'Simulations', pages: ['simulations'] },
  { href: '#/events', label: 'Events', pages: ['events'] },
];

export function AppHeader({ route }: { readonly route: Route }) {
  const { tenant } = useServices();
  return (
    <header class="topbar">
      <div class="topbar-inner">
        <a class="brand" href="#/">
          <svg class="brand-mark" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
            <circle cx="8" cy="12" r="5.5" fill="none" stroke="currentColor" stroke-width="2.2" />
            <circle cx="16" cy="12" r="5.5" fill="none" stroke="currentColor" stroke-width="2.2" opacity="0.55" />
          </svg>
          twinflow
        </a>
        <TenantPicker tenant={tenant} />
        <nav class="mainnav" aria-label="Main">
          {NAV.map((n) => (
            <a key={n.href} href={n.href} aria-current={n.pages.includes(route.page) ? 'page' : undefined}>{n.label}</a>
          ))}
        </nav>
        <div class="topbar-status">
          <HealthBadges />
          <IngestStats />
          <StreamIndicator />
        </div>
      </div>
    </header>
  );
}
