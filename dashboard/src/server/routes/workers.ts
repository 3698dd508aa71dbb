import type { FastifyInstance } from 'fastify';
import type { ServerDeps } from '../deps.ts';
import type { ApiRoute } from '../route.ts';

export function workerRoutes(deps: ServerDeps): ApiRoute[] {
  void deps;
  return [];
}

/** The workers' WebSocket (registered outside the ApiRoute list, like the live socket). */
export function registerWorkerSocket(app: FastifyInstance, deps: ServerDeps): void {
  void app;
  void deps;
}
