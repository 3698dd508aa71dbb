// The seed API: analyse one frame or a batch, with audio (issue 11).
import type { ServerDeps } from '../deps.ts';
import type { ApiRoute } from '../route.ts';

export function analyzeRoutes(deps: ServerDeps): ApiRoute[] {
  void deps;
  return [];
}
