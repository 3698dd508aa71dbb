// Quarantined sources and the audit log (issue 11, the minor-protection gate).
import type { ServerDeps } from '../deps.ts';
import type { ApiRoute } from '../route.ts';

export function gateRoutes(deps: ServerDeps): ApiRoute[] {
  void deps;
  return [];
}
