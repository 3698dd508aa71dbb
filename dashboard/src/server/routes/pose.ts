// Poses of a source (issue 11).
import type { ServerDeps } from '../deps.ts';
import type { ApiRoute } from '../route.ts';

export function poseRoutes(deps: ServerDeps): ApiRoute[] {
  void deps;
  return [];
}
