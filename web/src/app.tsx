import { useEffect, useRef } from 'preact/hooks';
import { AppHeader } from './components/app-header.tsx';
import { AuthBanner } from './components/auth-banner.tsx';
import { useRoute } from './hooks/use-route.ts';
import type { Route } from './lib/route.ts';
import { NotFoundPage } from './pages/not-found-page.tsx';
import { OverviewPage } from './pages/overview-page.tsx';
import { TwinPage } from './pages/twin-page.tsx';
import { EventsPage } from './pages/events-page.tsx';
import { SimulationsPage } from './pages/simulations-page.tsx';
import { WorkflowsPage } from './pages/workflows-page.tsx';

function Page({ route }: { readonly route: Route }) {
  switch (route.page) {
    case 'overview':
      return <OverviewPage filters={route} />;
    case 'workflows':
      return <WorkflowsPage />;
    case 'simulations':
      return <SimulationsPage session={route.session} />;
    case 'events':
      return <EventsPage types={route.types} twin={route.twin} />;
    case 'twin':
      return <TwinPage key={route.id} id={route.id} range={route.range} />;
    case 'not-found':
      return <NotFoundPage path={route.path} />;
  }
}

export function App() {
  const route = useRoute();
  const mainRef = useRef<HTMLElement>(null);
  const first = useRef(true);

  // After a navigation, move focus to the new page's heading so keyboard and screen-reader users start there.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const main = mainRef.current;
    const target = main?.querySelector<HTMLElement>('h1') ?? main;
    target?.focus({ preventScroll: false });
    scrollTo(0, 0);
  }, [route.page, route.page === 'twin' ? route.id : '']);

  return (
    <>
      <a
        class="skip-link"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          mainRef.current?.focus();
        }}
      >
        Skip to content
      </a>
      <AppHeader route={route} />
      <AuthBanner />
      <main id="main" ref={mainRef} tabIndex={-1}>
        <Page route={route} />
      </main>
    </>
  );
}
