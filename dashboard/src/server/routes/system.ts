// Operational endpoints: health, Prometheus metrics, the OpenAPI document.
import { z } from 'zod';
import type { Registry } from 'prom-client';
import { defineRoute, type ApiRoute } from '../route.ts';
import { HealthView } from '../schemas.ts';

export interface SystemRouteOptions {
  readonly registry: Registry;
  /** The OpenAPI document (built once all routes are known). */
  readonly openapi: () => unknown;
}

export function systemRoutes(opts: SystemRouteOptions): ApiRoute[] {
  return [
    defineRoute(
      {
        method: 'GET',
        url: '/healthz',
        operationId: 'health',
        summary: 'Liveness',
        tag: 'system',
        auth: 'public',
        responses: { 200: { description: 'Up', schema: HealthView } },
      },
      async () => ({ status: 'ok' as const }),
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/metrics',
        operationId: 'metrics',
        summary: 'Prometheus metrics (Bearer token required)',
        tag: 'system',
        auth: 'bearer',
        responses: { 200: { description: 'Prometheus text format', contentType: 'text/plain' } },
      },
      async (_input, _req, reply) => {
        const text = await opts.registry.metrics();
        return reply.type(opts.registry.contentType).send(text);
      },
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/api/openapi.json',
        operationId: 'openapi',
        summary: 'This OpenAPI 3.1 document',
        tag: 'system',
        auth: 'public',
        responses: {
          200: { description: 'OpenAPI document', schema: z.object({ openapi: z.string() }).passthrough() },
        },
      },
      async () => opts.openapi(),
    ),
  ];
}
