/**
 * Hash routes, so any static server can host the dashboard and every view has a bookmarkable URL.
 * New pages (twin state, workflows, simulations, events) add a variant here and a case in the page switch.
 */
export type Route =
  | { readonly page: 'overview'; readonly q: string }
  | { readonly page: 'twin'; readonly id: string }
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
  if (path === '/' || path === '/twins' || path === '/twins/') return { page: 'overview', q: query.get('q') ?? '' };
  const m = /^\/twins\/([^/]+)\/?$/.exec(path);
  const id = m?.[1] === undefined ? undefined : decode(m[1]);
  if (id) return { page: 'twin', id };
  return { page: 'not-found', path };
}

export function formatRoute(route: Route): string {
  switch (route.page) {
    case 'overview':
      return route.q ? `#/?${new URLSearchParams({ q: route.q }).toString()}` : '#/';
    case 'twin':
      return `#/twins/${encodeURIComponent(route.id)}`;
    case 'not-found':
      return `#${route.path}`;
  }
}

export const twinHref = (id: string): string => formatRoute({ page: 'twin', id });
