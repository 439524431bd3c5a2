/**
 * Hash routes, so any static server can host the dashboard and every view has a bookmarkable URL.
 * New pages (twin state, workflows, simulations, events) add a variant here and a case in the page switch.
 */
export interface OverviewFilters {
  readonly q: string;
  readonly model?: string;
  readonly group?: string;
  readonly status?: string;
  /** `key=value` of one dimension. */
  readonly dim?: string;
}

export type Route =
  | ({ readonly page: 'overview' } & OverviewFilters)
  | { readonly page: 'workflows' }
  | { readonly page: 'simulations'; readonly session?: string }
  | { readonly page: 'events'; readonly types?: string; readonly twin?: string }
  | { readonly page: 'twin'; readonly id: string; readonly range?: string }
  | { readonly page: 'not-found'; readonly path: string };

const decode = (s: string): string | undefined => {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
};

export function parseRoute(hash: string): Route {
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  const [pathPart = '', queryPart = ''] = raw.split('?', 2) as [string?, string?];
  const path = pathPart === '' ? '/' : pathPart;
  const query = new URLSearchParams(queryPart);
  const opt = (k: string): Record<string, string> => {
    const v = query.get(k);
    return v ? { [k]: v } : {};
  };
  if (path === '/' || path === '/twins' || path === '/twins/') {
    return { page: 'overview', q: query.get('q') ?? '', ...opt('model'), ...opt('group'), ...opt('status'), ...opt('dim') };
  }
  if (path === '/workflows') return { page: 'workflows' };
  if (path === '/simulations') return { page: 'simulations', ...opt('session') };
  if (path === '/events') return { page: 'events', ...opt('types'), ...opt('twin') };
  const m = /^\/twins\/([^/]+)\/?$/.exec(path);
  const id = m?.[1] === undefined ? undefined : decode(m[1]);
  if (id) return { page: 'twin', id, ...opt('range') };
  return { page: 'not-found', path };
}

export function formatRoute(route: Route): string {
  switch (route.page) {
    case 'overview': {
      const qs = query({ q: route.q, model: route.model, group: route.group, status: route.status, dim: route.dim });
      return qs ? `#/?${qs}` : '#/';
    }
    case 'workflows':
      return '#/workflows';
    case 'simulations':
      return route.session ? `#/simulations?${query({ session: route.session })}` : '#/simulations';
    case 'events': {
      const qs = query({ types: route.types, twin: route.twin });
      return qs ? `#/events?${qs}` : '#/events';
    }
    case 'twin':
      return `#/twins/${encodeURIComponent(route.id)}${route.range ? `?${query({ range: route.range })}` : ''}`;
    case 'not-found':
      return `#${route.path}`;
  }
}

function query(params: Record<string, string | undefined>): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) qs.set(k, v);
  return qs.toString();
}

export const twinHref = (id: string): string => formatRoute({ page: 'twin', id });
