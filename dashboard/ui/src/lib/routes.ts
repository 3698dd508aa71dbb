// Routes of the tiny hash router: #/login, #/sources, #/live/:id, #/history[?source=id].
// Hash routes need no server fallback and survive reloads of the static build.

export type Route =
  | { readonly name: 'login' }
  | { readonly name: 'sources' }
  | { readonly name: 'live'; readonly id: string }
  | { readonly name: 'history'; readonly source: string | null };

/** Parses a location hash; anything unknown lands on the sources page. */
export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const [pathPart = '', search = ''] = raw.split('?', 2);
  const parts = pathPart.split('/').filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(search);
  switch (parts[0]) {
    case 'login':
      return { name: 'login' };
    case 'live':
      return parts[1] ? { name: 'live', id: parts[1] } : { name: 'sources' };
    case 'history':
      return { name: 'history', source: params.get('source') };
    default:
      return { name: 'sources' };
  }
}

export function href(route: Route): string {
  switch (route.name) {
    case 'login':
      return '#/login';
    case 'sources':
      return '#/sources';
    case 'live':
      return `#/live/${encodeURIComponent(route.id)}`;
    case 'history':
      return route.source ? `#/history?source=${encodeURIComponent(route.source)}` : '#/history';
  }
}
