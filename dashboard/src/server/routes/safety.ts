// Safety events, their acknowledgement, and the risk series (issue 11).
import type { ServerDeps } from '../deps.ts';
import type { ApiRoute } from '../route.ts';

export function safetyRoutes(deps: ServerDeps): ApiRoute[] {
  void deps;
  return [];
}
