// The tag vocabulary and tags of sources and persons (issue 11).
import type { ServerDeps } from '../deps.ts';
import type { ApiRoute } from '../route.ts';

export function tagsRoutes(deps: ServerDeps): ApiRoute[] {
  void deps;
  return [];
}
