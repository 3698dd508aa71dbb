// Routes of the tiny hash router: #/login, #/sources, #/live/:id, #/history[?source=id],
// #/playback/:id[?ts=epoch ms], #/people, #/people/:id (a person's dossier),
// #/search[?q=words&source=id&person=id] (words in transcripts), #/jobs, #/gpu,
// #/safety[?source=id] (safety events and risk), #/vocabulary (the tag vocabulary).
// Hash routes need no server fallback and survive reloads of the static build.

export type Route =
  | { readonly name: 'login' }
  | { readonly name: 'sources' }
  | { readonly name: 'live'; readonly id: string }
  | { readonly name: 'history'; readonly source: string | null }
  | { readonly name: 'playback'; readonly id: string; readonly ts: number | null }
  | { readonly name: 'people' }
  | { readonly name: 'person'; readonly id: string }
  | { readonly name: 'jobs' }
  | { readonly name: 'gpu' }
  | { readonly name: 'safety'; readonly source: string | null }
  | { readonly name: 'vocabulary' }
  | {
      readonly name: 'search';
      readonly q: string;
      readonly source: string | null;
      readonly person: string | null;
    };

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
    case 'playback': {
      if (!parts[1]) return { name: 'sources' };
      const ts = Number(params.get('ts') ?? NaN);
      return { name: 'playback', id: parts[1], ts: Number.isFinite(ts) ? ts : null };
    }
    case 'people':
      return parts[1] ? { name: 'person', id: parts[1] } : { name: 'people' };
    case 'jobs':
      return { name: 'jobs' };
    case 'gpu':
      return { name: 'gpu' };
    case 'safety':
      return { name: 'safety', source: params.get('source') };
    case 'vocabulary':
      return { name: 'vocabulary' };
    case 'search':
      return {
        name: 'search',
        q: params.get('q') ?? '',
        source: params.get('source'),
        person: params.get('person'),
      };
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
    case 'playback':
      return `#/playback/${encodeURIComponent(route.id)}${route.ts === null ? '' : `?ts=${Math.round(route.ts)}`}`;
    case 'people':
      return '#/people';
    case 'person':
      return `#/people/${encodeURIComponent(route.id)}`;
    case 'jobs':
      return '#/jobs';
    case 'gpu':
      return '#/gpu';
    case 'safety':
      return route.source ? `#/safety?source=${encodeURIComponent(route.source)}` : '#/safety';
    case 'vocabulary':
      return '#/vocabulary';
    case 'search': {
      const q = new URLSearchParams();
      if (route.q) q.set('q', route.q);
      if (route.source) q.set('source', route.source);
      if (route.person) q.set('person', route.person);
      const s = q.toString();
      return s ? `#/search?${s}` : '#/search';
    }
  }
}
