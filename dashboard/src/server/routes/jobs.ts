import type { ServerDeps } from '../deps.ts';
import type { ApiRoute } from '../route.ts';

export function jobRoutes(deps: ServerDeps): ApiRoute[] {
  void deps;
  return [];
}
